import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Template, TemplateResource } from '../../local/template/cloud-assembly.js';

export interface HandWrittenStack {
  readonly template: Template;
  /** Artifact ids of the stacks this one is deployed after. */
  readonly dependencies?: readonly string[];
  readonly stackName?: string;
  /** `aws://<account>/<region>`, what a stack synthesized for an environment names. @default 'aws://unknown-account/unknown-region' */
  readonly environment?: string;
}

/**
 * Writes a cloud assembly as `cdk synth` would: a manifest naming each stack artifact and
 * its template file, stacks in the order given; a stage becomes a nested assembly in its own folder.
 */
export function writeAssembly(
  dir: string,
  stacks: Readonly<Record<string, HandWrittenStack>>,
  stages: Readonly<Record<string, Readonly<Record<string, HandWrittenStack>>>> = {},
  files: Readonly<Record<string, unknown>> = {},
): string {
  mkdirSync(dir, { recursive: true });
  const artifacts: Record<string, unknown> = {};
  for (const [id, stack] of Object.entries(stacks)) {
    writeFileSync(path.join(dir, `${id}.template.json`), JSON.stringify(stack.template));
    artifacts[id] = {
      type: 'aws:cloudformation:stack',
      environment: stack.environment ?? 'aws://unknown-account/unknown-region',
      properties: { templateFile: `${id}.template.json`, ...(stack.stackName ? { stackName: stack.stackName } : {}) },
      ...(stack.dependencies ? { dependencies: stack.dependencies } : {}),
    };
  }
  for (const [stage, stageStacks] of Object.entries(stages)) {
    const directoryName = `assembly-${stage}`;
    writeAssembly(path.join(dir, directoryName), stageStacks);
    artifacts[`assembly-${stage}`] = { type: 'cdk:cloud-assembly', properties: { directoryName, displayName: stage } };
  }
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), JSON.stringify(content));
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '48.0.0', artifacts }));
  return dir;
}

export function tempAssemblyDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'switchyard-assembly-'));
}

/** The cloud assembly `synth` writes into a folder of its own (a CDK app synthesized there); returns the folder. */
export function synthesizedIn(synth: (outdir: string) => unknown): string {
  const outdir = tempAssemblyDir();
  synth(outdir);
  return outdir;
}

/** A cloud assembly of one stack, `stackId`, with `resources`, in a folder of its own; returns the folder. */
export function assemblyOf(resources: Readonly<Record<string, TemplateResource>>, stackId = 'Stack'): string {
  return writeAssembly(tempAssemblyDir(), { [stackId]: { template: { Resources: resources } } });
}
