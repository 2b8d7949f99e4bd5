import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CliError } from './errors.js';

/** The folder, inside the project, where `switchyard dev` keeps everything it writes. */
export const STATE_FOLDER = '.switchyard';
/** Where in the project `switchyard dev` synthesizes the app; the other commands read it from there too. */
export const DEV_CDK_OUT = path.join(STATE_FOLDER, 'cdk.out');

/** One resource of a synthesized template, with the stack it belongs to. */
export interface TemplateResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

export interface AssemblyStack {
  readonly stackName: string;
  readonly region?: string;
  readonly resources: readonly TemplateResource[];
}

/** The parts of a cloud assembly (cdk.out) the CLI reads: the stacks and their resources. */
export interface CloudAssembly {
  readonly dir: string;
  readonly stacks: readonly AssemblyStack[];
}

export function defaultCdkOut(option: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const chosen = option ?? env.SWITCHYARD_CDK_OUT;
  if (chosen !== undefined && chosen !== '') return path.resolve(cwd, chosen);
  return newestAssembly(cwd) ?? path.resolve(cwd, 'cdk.out');
}

/**
 * The project's assembly synthesized last, if it has one: `cdk synth` writes ./cdk.out,
 * `switchyard dev` .switchyard/cdk.out, and the newer is the app as it is now (the one a
 * running dev server reloaded last). Every command that reads the app starts here, `dev
 * --no-synth` too.
 */
export function newestAssembly(cwd: string): string | undefined {
  const candidates = [DEV_CDK_OUT, 'cdk.out']
    .map((dir) => path.resolve(cwd, dir))
    .filter(hasAssembly)
    .sort((a, b) => statSync(path.join(b, 'manifest.json')).mtimeMs - statSync(path.join(a, 'manifest.json')).mtimeMs);
  return candidates[0];
}

/** Whether `dir` holds a cloud assembly; commands that can work without one check first. */
export function hasAssembly(dir: string): boolean {
  return existsSync(path.join(dir, 'manifest.json'));
}

/**
 * Reads the stacks of a cloud assembly from its manifest. Only top-level stacks are read:
 * names inside nested stacks are not looked up (yet).
 */
export function readAssembly(dir: string): CloudAssembly {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new CliError(`no cloud assembly at ${dir}: run npx cdk synth (npx switchyard dev does too), or pass --cdk-out <dir>`, 2);
  }
  const manifest = readJson(manifestFile) as {
    artifacts?: Record<string, { type?: string; environment?: string; properties?: Record<string, unknown> }>;
  };
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const properties = artifact.properties ?? {};
    const stackName = typeof properties.stackName === 'string' ? properties.stackName : id;
    const template = readJson(path.join(dir, String(properties.templateFile))) as {
      Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
    };
    const region = /^aws:\/\/[^/]*\/([a-z0-9-]+)$/.exec(artifact.environment ?? '')?.[1];
    const resources = Object.entries(template.Resources ?? {}).map(([logicalId, r]) => ({
      stackName,
      logicalId,
      type: String(r.Type),
      properties: r.Properties ?? {},
    }));
    stacks.push({ stackName, region: region === 'unknown-region' ? undefined : region, resources });
  }
  return { dir, stacks };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function resourcesOfType(assembly: CloudAssembly, type: string): TemplateResource[] {
  return assembly.stacks.flatMap((s) => s.resources.filter((r) => r.type === type));
}

/** The logical id a `Ref` or `Fn::GetAtt` points at, or undefined for anything else. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/**
 * A state machine's definition as JSON, with every `Ref`/`Fn::GetAtt` rendered as
 * `${ref:<LogicalId>}` so the CLI can see which resource a task calls. Undefined when
 * the definition is built from something else (a parameter, an S3 location).
 */
export function stateMachineDefinition(resource: TemplateResource): Record<string, unknown> | undefined {
  const p = resource.properties;
  const substitutions = (p.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  const render = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    const id = referencedId(value);
    if (id !== undefined) return `\${ref:${id}}`;
    const join = (value as Record<string, unknown> | null)?.['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      const parts = join[1].map(render);
      return parts.every((part) => part !== undefined) ? parts.join(String(join[0])) : undefined;
    }
    const sub = (value as Record<string, unknown> | null)?.['Fn::Sub'];
    if (typeof sub === 'string') return sub.replace(/\$\{([^}!]+)\}/g, (_, name: string) => `\${ref:${name.split('.')[0]}}`);
    return undefined;
  };
  let text: string | undefined;
  if (p.Definition !== undefined && typeof p.Definition === 'object') text = JSON.stringify(p.Definition);
  else text = render(p.DefinitionString);
  if (text === undefined) return undefined;
  for (const [key, value] of Object.entries(substitutions)) {
    const rendered = render(value);
    if (rendered !== undefined) text = text.split(`\${${key}}`).join(rendered);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
