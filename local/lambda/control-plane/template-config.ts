import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tryParseArn } from '../../names/arn.js';
import type { LoadedResource } from '../../template/load.js';
import { LATEST_PUBLISHED } from '../core/function-reference.js';
import type { AsyncInvokeConfig, FunctionAlias, FunctionDefinition } from '../runtime/function-runtime.js';
import { runtimeLanguage } from '../runtime/runtimes.js';

type Props = Record<string, unknown>;

/** Lambda's limits for `AWS::Lambda::EventInvokeConfig` (PutFunctionEventInvokeConfig). */
const RETRY_RANGE = [0, 2] as const;
const EVENT_AGE_RANGE = [60, 21_600] as const;

/**
 * The folders of the app's layers (`AWS::Lambda::LayerVersion` with a code asset), by what
 * a function's `Layers` names them with (the layer's `Ref`, its version ARN).
 */
export function layerFolders(layers: readonly LoadedResource[], warnings: string[]): Record<string, string> {
  const folders: Record<string, string> = {};
  for (const layer of layers) {
    if (!layer.assetPath) {
      warnings.push(`${layer.logicalId} (AWS::Lambda::LayerVersion): no code asset folder was found; functions using it run without it`);
      continue;
    }
    folders[layer.ref] = layer.assetPath;
    if (layer.attributes.LayerVersionArn) folders[layer.attributes.LayerVersionArn] = layer.assetPath;
  }
  return folders;
}

/**
 * A function's `Layers` (its template's or its CreateFunction's): the asset folders of the app's
 * own, and the others (a published layer's ARN) with their position, only when it has any, which
 * local/lambda/runtime/public-layers/ provides.
 */
export function functionLayers(
  layers: unknown,
  folders: Readonly<Record<string, string>>,
): Pick<FunctionDefinition, 'layers' | 'publicLayers'> {
  if (!Array.isArray(layers)) return { layers: [] };
  const found: string[] = [];
  const publicLayers: { arn: string; position: number }[] = [];
  layers.map(String).forEach((layer, position) => {
    const folder = Object.hasOwn(folders, layer) ? folders[layer] : undefined;
    if (folder) found.push(folder);
    else publicLayers.push({ arn: layer, position });
  });
  return publicLayers.length > 0 ? { layers: found, publicLayers } : { layers: found };
}

/**
 * Puts each function's asynchronous invocation settings on its definition: its
 * `DeadLetterConfig.TargetArn` and the `AWS::Lambda::EventInvokeConfig` for `$LATEST` (or
 * an unqualified function). Values outside Lambda's limits are reported and left out, as
 * CloudFormation would refuse them.
 */
export function applyAsyncConfig(
  functions: FunctionDefinition[],
  functionResources: readonly LoadedResource[],
  configs: readonly LoadedResource[],
  warnings: string[],
): void {
  const byRef = new Map<string, number>();
  functions.forEach((f, index) => {
    byRef.set(f.name, index);
    byRef.set(f.arn, index);
  });
  const settings = new Map<number, AsyncInvokeConfig>();
  for (const r of functionResources) {
    const deadLetterArn = ((r.properties as Props).DeadLetterConfig as { TargetArn?: string } | undefined)?.TargetArn;
    const index = byRef.get(r.physicalName);
    if (deadLetterArn && index !== undefined) settings.set(index, { deadLetterArn: String(deadLetterArn) });
  }
  for (const r of configs) {
    const p = r.properties as Props;
    const where = `${r.logicalId} (AWS::Lambda::EventInvokeConfig)`;
    const name = String(p.FunctionName ?? '');
    const index = byRef.get(name) ?? byRef.get(tryParseArn(name)?.resourceId ?? '');
    if (index === undefined) {
      warnings.push(`${where}: function ${name} is not a function that runs locally; the configuration is ignored`);
      continue;
    }
    const qualifier = String(p.Qualifier ?? '$LATEST');
    if (qualifier !== '$LATEST') {
      warnings.push(
        `${where}: qualifier ${qualifier} is not run locally (only $LATEST is); the configuration applies to $LATEST invocations`,
      );
    }
    const destinations = (p.DestinationConfig ?? {}) as { OnSuccess?: { Destination?: string }; OnFailure?: { Destination?: string } };
    settings.set(index, {
      ...settings.get(index),
      maximumRetryAttempts: inRange(p.MaximumRetryAttempts, RETRY_RANGE, `${where}: MaximumRetryAttempts`, warnings),
      maximumEventAgeSeconds: inRange(p.MaximumEventAgeInSeconds, EVENT_AGE_RANGE, `${where}: MaximumEventAgeInSeconds`, warnings),
      onSuccess: destinations.OnSuccess?.Destination === undefined ? undefined : String(destinations.OnSuccess.Destination),
      onFailure: destinations.OnFailure?.Destination === undefined ? undefined : String(destinations.OnFailure.Destination),
    });
  }
  for (const [index, asyncConfig] of settings) {
    const fn = functions[index];
    if (fn) functions[index] = { ...fn, asyncConfig };
  }
}

/**
 * Puts the template's versions (`AWS::Lambda::Version`) and aliases (`AWS::Lambda::Alias`)
 * on the functions they belong to, so qualifiers resolve as Lambda resolves them. A
 * template deploys each function's first version, so every version is `1` (as the
 * version's `Ref` and `Version` attribute say). Aliases of functions that are not run
 * locally are dropped silently: the function itself is warned about.
 */
export function applyVersionsAndAliases(
  functions: FunctionDefinition[],
  versions: readonly LoadedResource[],
  aliases: readonly LoadedResource[],
): void {
  const nameOf = (value: unknown) => {
    const text = String(value ?? '');
    return tryParseArn(text)?.resourceId ?? text;
  };
  const published = new Map<string, Set<string>>();
  for (const r of versions) {
    const name = nameOf((r.properties as Props).FunctionName);
    const set = published.get(name) ?? new Set<string>();
    set.add(r.attributes.Version ?? '1');
    published.set(name, set);
  }
  const aliasesByName = new Map<string, FunctionAlias[]>();
  for (const r of aliases) {
    const p = r.properties as Props;
    const name = nameOf(p.FunctionName);
    const weights = (p.RoutingConfig as { AdditionalVersionWeights?: { FunctionVersion?: string; FunctionWeight?: number }[] } | undefined)
      ?.AdditionalVersionWeights;
    const list = aliasesByName.get(name) ?? [];
    list.push({
      name: String(p.Name ?? r.physicalName),
      functionVersion: String(p.FunctionVersion ?? '$LATEST'),
      description: p.Description === undefined ? undefined : String(p.Description),
      additionalVersionWeights: weights
        ? Object.fromEntries(weights.map((w) => [String(w.FunctionVersion), Number(w.FunctionWeight)]))
        : undefined,
    });
    aliasesByName.set(name, list);
  }
  functions.forEach((fn, index) => {
    const fnVersions = [...(published.get(fn.name) ?? [])].sort((a, b) => Number(a) - Number(b));
    // A Lambda Managed Instances function (on a capacity provider): CloudFormation publishes its
    // $LATEST.PUBLISHED version, the one an unqualified invocation runs.
    if (fn.template?.CapacityProviderConfig !== undefined) fnVersions.push(LATEST_PUBLISHED);
    const fnAliases = aliasesByName.get(fn.name) ?? [];
    if (fnVersions.length === 0 && fnAliases.length === 0) return;
    functions[index] = { ...fn, versions: fnVersions, aliases: fnAliases };
  });
}

function inRange(value: unknown, [min, max]: readonly [number, number], what: string, warnings: string[]): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    warnings.push(`${what} is ${JSON.stringify(value)}; Lambda accepts a whole number from ${min} to ${max}, so Lambda's default applies`);
    return undefined;
  }
  return number;
}

/** The file CloudFormation writes a function's inline code to, by its runtime's language. */
const INLINE_FILE: Readonly<Record<string, string>> = { nodejs: 'index.js', python: 'index.py' };

/**
 * The folder of a Node.js or Python function whose code is inline in the template
 * (`Code.ZipFile`, CDK's `Code.fromInline`): CloudFormation writes it to `index.js` (`index.py`),
 * so it is written there, in a folder named by its content and file so restarts and other apps
 * never clash. Undefined for anything else (image code, other languages' inline code).
 */
export function inlineCodeFolder(fn: LoadedResource): string | undefined {
  const p = fn.properties as Props;
  const zipFile = (p.Code as { ZipFile?: unknown } | undefined)?.ZipFile;
  const file = INLINE_FILE[runtimeLanguage(String(p.Runtime ?? '')) ?? ''];
  if (typeof zipFile !== 'string' || file === undefined) return undefined;
  const folder = path.join(tmpdir(), `switchyard-inline-${createHash('sha256').update(file).update(zipFile).digest('hex').slice(0, 16)}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, file), zipFile);
  return folder;
}
