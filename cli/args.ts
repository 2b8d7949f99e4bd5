import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usageError } from '../inspect/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command takes: where to send the calls, and how to print. */
export const GLOBAL_OPTIONS = {
  endpoint: { type: 'string' },
  aws: { type: 'boolean' },
  profile: { type: 'string' },
  region: { type: 'string' },
  'cdk-out': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const GLOBAL_HELP = `Target (local runtime unless told otherwise):
  --endpoint <url>    the local runtime's endpoint (default $SWITCHYARD_ENDPOINT; else, per service,
                      $AWS_ENDPOINT_URL_<SERVICE> then $AWS_ENDPOINT_URL, as the AWS SDKs read them;
                      else that of the switchyard dev running in this folder (its --port);
                      else http://127.0.0.1:4566)
  --aws               talk to AWS instead: credentials and region from the SDK's usual chain
                      (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, ~/.aws/config); also SWITCHYARD_TARGET=aws
  --profile <name>    talk to AWS with this profile (implies --aws)
  --region <region>   the region (default $AWS_REGION, else the profile's, else us-east-1 locally)
  --cdk-out <dir>     the synthesized cloud assembly to read names from (default: the newer of
                      ./cdk.out and switchyard dev's .switchyard/cdk.out); env SWITCHYARD_CDK_OUT
Output:
  --json              machine-readable output on stdout
  -h, --help          this help`;

/**
 * Parses a command's arguments with node:util's parseArgs, turning its errors into usage
 * errors that name the option ("unknown option --foo").
 */
export function parseCommand<O extends Options>(argv: readonly string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown option'));
  }
}

/** A whole number within bounds, or a usage error naming the option. */
export function integerOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(
      `--${name} must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')} (got "${value}")`,
    );
  }
  return n;
}

/** A number within bounds, or a usage error naming the option. */
export function numberOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw usageError(`--${name} must be a number from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

/** An option's text as given, or read from the file it names as `@file` (`@-`: stdin). */
export function textOption(name: string, option: string, stdin: () => string): string {
  if (!option.startsWith('@')) return option;
  const file = option.slice(1);
  if (file === '-') return stdin();
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw usageError(`--${name}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** An option's JSON, given inline or as `@file`; a usage error naming the option and what JSON.parse found. */
export function jsonOption(name: string, option: string, stdin: () => string): unknown {
  const text = textOption(name, option, stdin);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw usageError(`--${name} must be JSON (or @file holding JSON): ${(error as Error).message}`);
  }
}
