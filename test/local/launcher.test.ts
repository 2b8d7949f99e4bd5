import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPort, LaunchError, launchSettings, runtimeHelp, runtimeOptions } from '../../local/launcher.js';
import { SERVICE_MODULES } from '../../local/service-registry/modules.js';

describe('defaultPort', () => {
  it('serves where the clients of this shell look: the port of a loopback AWS_ENDPOINT_URL', () => {
    expect(defaultPort({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4599' })).toBe('4599');
    expect(defaultPort({ AWS_ENDPOINT_URL: 'http://localhost:4600/' })).toBe('4600');
  });

  it('takes SWITCHYARD_PORT, then SWITCHYARD_ENDPOINT, before AWS_ENDPOINT_URL', () => {
    const env = { SWITCHYARD_ENDPOINT: 'http://127.0.0.1:4601', AWS_ENDPOINT_URL: 'http://127.0.0.1:4602' };
    expect(defaultPort({ ...env, SWITCHYARD_PORT: '4603' })).toBe('4603');
    expect(defaultPort(env)).toBe('4601');
  });

  it('keeps 4566 for an endpoint that is not this machine, not http, or not a URL', () => {
    expect(defaultPort({})).toBe('4566');
    expect(defaultPort({ AWS_ENDPOINT_URL: 'https://vpce-1.sqs.us-east-1.vpce.amazonaws.com' })).toBe('4566');
    expect(defaultPort({ AWS_ENDPOINT_URL: 'https://127.0.0.1:4599' })).toBe('4566');
    expect(defaultPort({ AWS_ENDPOINT_URL: 'not a url' })).toBe('4566');
  });
});

describe('launchSettings', () => {
  it('passes --models on to the runtime as given', () => {
    expect(launchSettings({ models: 'openai:http://localhost:11434/v1' }).models).toBe('openai:http://localhost:11434/v1');
    expect(launchSettings({})).not.toHaveProperty('models');
  });

  it('fails if --keep-events or --keep-hours keeps nothing, naming the option', () => {
    expect(() => launchSettings({ 'keep-events': '0' })).toThrow(
      new LaunchError('--keep-events is "0"; it must be a whole number from 1 to 10000000'),
    );
    expect(() => launchSettings({ 'keep-hours': 'soon' })).toThrow(
      new LaunchError('--keep-hours is "soon"; it must be a number of hours above 0, at most 8784 (a year)'),
    );
  });
});

describe('the services options (each module declares its own)', () => {
  /** A module with nothing but an option: the launcher reads no more of it. */
  const withOption = (name: string, flag: string, parse = (text: string) => text) =>
    ({
      name,
      options: [{ name: 'models', flag, env: `SWITCHYARD_${flag.toUpperCase()}`, help: `  --${flag}  the ${name} option`, parse }],
      create: () => ({ service: {} }),
    }) as const;

  it('lists each module option in --help after the runtime own, by module name', () => {
    const help = runtimeHelp([withOption('zeta', 'zz'), withOption('alpha', 'aa')]);
    expect(help.startsWith('  --port')).toBe(true);
    expect(help.endsWith('  --aa  the alpha option\n  --zz  the zeta option')).toBe(true);
  });

  it('defaults an option to its environment variable, else its module default', () => {
    const options = runtimeOptions([withOption('alpha', 'aa')], { SWITCHYARD_AA: 'from-env' });
    expect(options.aa).toEqual({ type: 'string', default: 'from-env' });
    expect(runtimeOptions([withOption('alpha', 'aa')], {}).aa).toEqual({ type: 'string', default: undefined });
  });

  it("sets the option's field from what the module parses", () => {
    expect(launchSettings({ aa: 'given' }, [withOption('alpha', 'aa', (text) => `parsed ${text}`)]).models).toBe('parsed given');
  });

  it('fails if a module refuses the value, with a LaunchError carrying its message', () => {
    const refusing = withOption('alpha', 'aa', (text) => {
      throw new Error(`--aa is ${text}; it must be on or off`);
    });
    expect(() => launchSettings({ aa: 'maybe' }, [refusing])).toThrow(new LaunchError('--aa is maybe; it must be on or off'));
  });

  it('fails if two modules declare the same option, or one the runtime has', () => {
    expect(() => runtimeHelp([withOption('alpha', 'aa'), withOption('beta', 'aa')])).toThrow(/two options are named --aa/);
    expect(() => runtimeHelp([withOption('alpha', 'port')])).toThrow(/two options are named --port/);
  });
});

describe('local/launcher.ts', () => {
  it("names no service: it imports from no service's folder, and writes no flag or environment variable a module declares", () => {
    const source = readFileSync(path.join(import.meta.dirname, '../../local/launcher.ts'), 'utf8');
    const imported = [...source.matchAll(/\bfrom\s*'\.\/([^/']+)\//g)].map(([, folder]) => String(folder));
    // The read API's records are the runtime's own view: their retention (--keep-events, --keep-hours) is the runtime's option.
    const serviceFolders = readdirSync(path.join(import.meta.dirname, '../../local')).filter(
      (folder) => folder !== 'read-api' && existsSync(path.join(import.meta.dirname, '../../local', folder, 'module.ts')),
    );
    expect(serviceFolders.length).toBeGreaterThan(15);
    expect(imported.filter((folder) => serviceFolders.includes(folder))).toEqual([]);
    const declared = SERVICE_MODULES.flatMap((module) => module.options ?? []);
    expect(declared.map((option) => option.flag)).toEqual(expect.arrayContaining(['models', 'iam', 'ses-sandbox']));
    for (const option of declared) {
      expect(source, option.flag).not.toContain(`'${option.flag}'`);
      expect(source, option.flag).not.toContain(`--${option.flag}`);
      expect(source, option.env).not.toContain(option.env);
    }
  });
});
