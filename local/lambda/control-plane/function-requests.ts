import { randomUUID } from 'node:crypto';
import { AwsError } from '../../endpoint/aws-error.js';
import { loadModel } from '../../endpoint/validation/model.js';
import type { FunctionDefinition } from '../core/function-definition.js';
import { parseFunctionName } from '../core/function-reference.js';
import { layerRegionError } from '../core/lambda-errors.js';
import { CREATABLE_RUNTIMES, endedRuntime } from '../runtime/runtime-lifecycle.js';
import type { StoredCode } from './function-code.js';
import { functionLayers } from './template-config.js';

// What CreateFunction and UpdateFunctionConfiguration make of their members: the definition a
// function runs, the checks Lambda makes beyond its model, and the transitions it answers with.

type Input = Readonly<Record<string, unknown>>;

/** Every runtime Lambda's model names (a layer may name any as compatible). */
const MODEL_RUNTIMES = new Set(loadModel('lambda').shapes.Runtime?.enum ?? []);

/**
 * Refuses a runtime Lambda does not create functions with, in its words: a deprecated one,
 * or a value that is none. A runtime the local runtime cannot run (Python, Java, ...) is
 * taken, as Lambda takes it; its invocations fail with InvalidRuntimeException, named.
 * @throws AwsError InvalidParameterValueException
 */
export function checkRuntime(runtime: unknown): void {
  if (runtime === undefined || CREATABLE_RUNTIMES.includes(String(runtime))) return;
  if (endedRuntime(String(runtime)) !== undefined) {
    throw new AwsError(
      'InvalidParameterValueException',
      `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
    );
  }
  // One of Lambda's model newer than its recorded listing (ruby4.0): created, as Lambda creates it.
  if (MODEL_RUNTIMES.has(String(runtime))) return;
  throw new AwsError(
    'InvalidParameterValueException',
    `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${CREATABLE_RUNTIMES.join(', ')}] or be a valid ARN`,
  );
}

/** The runtimes SnapStart works with: Java 11 and later, Python 3.12 and later, .NET 8 and later (Lambda's SnapStart guide). */
export function snapStartRuntime(runtime: string): boolean {
  const version = (pattern: RegExp) => Number(pattern.exec(runtime)?.[1] ?? Number.NaN);
  return version(/^java(\d+)$/) >= 11 || version(/^python3\.(\d+)$/) >= 12 || version(/^dotnet(\d+)$/) >= 8;
}

/**
 * SnapStart on published versions for a function of a runtime it does not work with is refused
 * in Lambda's words, at creation and when a configuration update leaves the two together
 * (`current`: the function's SnapStart before, `None` for a new function).
 * @throws AwsError InvalidParameterValueException
 */
export function checkSnapStart(input: Input, current?: FunctionDefinition): void {
  const applyOn =
    (input.SnapStart as { ApplyOn?: unknown } | undefined)?.ApplyOn ?? (current?.template?.SnapStart as Input | undefined)?.ApplyOn;
  const runtime = String(input.Runtime ?? current?.runtime ?? '');
  if (applyOn !== 'PublishedVersions' || snapStartRuntime(runtime)) return;
  throw new AwsError('InvalidParameterValueException', `${runtime} is not supported for SnapStart enabled functions.`);
}

/** The checks of CreateFunction's and UpdateFunctionConfiguration's settings beyond the model's: SnapStart's runtime, the environment's size. */
export function checkSettings(input: Input, current?: FunctionDefinition): void {
  checkSnapStart(input, current);
  checkEnvironmentSize(input.Environment);
}

/** Lambda's quota on a function's environment variables, measured as their JSON object. */
const MAX_ENVIRONMENT_BYTES = 4096;

/**
 * Environment variables over 4 KB (their JSON object, as Lambda measures them) are refused in
 * Lambda's words, which quote what it measured.
 * @throws AwsError InvalidParameterValueException
 */
export function checkEnvironmentSize(environment: unknown): void {
  const variables = (environment as { Variables?: unknown } | undefined)?.Variables;
  if (variables === undefined || variables === null) return;
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured) <= MAX_ENVIRONMENT_BYTES) return;
  throw new AwsError(
    'InvalidParameterValueException',
    `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
  );
}

/** Architectures as Lambda checks them, before its model: one, x86_64 or arm64 (its words name the list as sent). */
export function checkArchitectures(architectures: unknown): void {
  if (!Array.isArray(architectures) || architectures.length === 0) return;
  const value = `[${architectures.join(', ')}]`;
  if (architectures.length > 1) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1`,
    );
  }
  if (architectures[0] !== 'x86_64' && architectures[0] !== 'arm64') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]`,
    );
  }
}

/**
 * A layer's CompatibleRuntimes and CompatibleArchitectures as Lambda checks them, before its
 * model: any runtime it ever had (deprecated ones too), its words listing the ones it creates.
 * @throws AwsError ValidationException naming each list with a value that is none
 */
export function checkLayerCompatibilities(runtimes: unknown, architectures: unknown): void {
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  const violations: string[] = [];
  const givenRuntimes = list(runtimes);
  if (givenRuntimes.some((r) => !MODEL_RUNTIMES.has(r) && !CREATABLE_RUNTIMES.includes(r))) {
    violations.push(
      `Value '[${givenRuntimes.join(', ')}]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: [${CREATABLE_RUNTIMES.join(', ')}]`,
    );
  }
  const givenArchitectures = list(architectures);
  if (givenArchitectures.some((a) => a !== 'x86_64' && a !== 'arm64')) {
    violations.push(
      `Value '[${givenArchitectures.join(', ')}]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]`,
    );
  }
  if (violations.length === 0) return;
  const count = violations.length === 1 ? '1 validation error' : `${violations.length} validation errors`;
  throw new AwsError('ValidationException', `${count} detected: ${violations.join('; ')}`);
}

/** Lambda's quota of layers on a function. */
const MAX_LAYERS = 5;

/**
 * A function's `Layers` as Lambda checks them: at most five, all in the function's region, no
 * two versions of one layer, and a layer of the function's own account one that exists (the
 * app's or one PublishLayerVersion published: `known`); another account's is a public one.
 * @throws AwsError InvalidParameterValueException in Lambda's words
 */
export function checkLayers(
  layers: unknown,
  known: Readonly<Record<string, string>>,
  place: { readonly region: string; readonly accountId: string },
): void {
  if (!Array.isArray(layers)) return;
  const arns = layers.map(String);
  const refuse = (message: string) => new AwsError('InvalidParameterValueException', message);
  if (arns.length > MAX_LAYERS) throw refuse(`Cannot reference more than ${MAX_LAYERS} layers.`);
  const parsed = arns.map((arn) => {
    const groups = /^arn:[^:]+:lambda:(?<region>[^:]*):(?<account>\d{12}):layer:(?<name>[^:]+):\d+$/.exec(arn)?.groups;
    return { arn, region: groups?.region, account: groups?.account, name: groups?.name };
  });
  if (parsed.some((layer) => layer.region !== undefined && layer.region !== place.region)) {
    throw layerRegionError(place.region);
  }
  const layerOf = (layer: (typeof parsed)[number]) => `${layer.account}:${layer.name}`;
  for (const [i, layer] of parsed.entries()) {
    const other = parsed.slice(i + 1).find((o) => layerOf(o) === layerOf(layer));
    if (other) {
      throw refuse(
        `Two different versions of the same layer are not allowed to be referenced in the same function. ${layer.arn} and ${other.arn} are versions of the same layer.`,
      );
    }
  }
  const missing = parsed.find((layer) => layer.account === place.accountId && !Object.hasOwn(known, layer.arn));
  if (missing) throw refuse(`Layer version ${missing.arn} does not exist.`);
}

/** The longest name of a function (its ARN, which the model bounds, may be longer). */
const MAX_NAME_LENGTH = 64;

/** Lambda's own check of the name within an ARN, in its words but with this code. */
export function checkNameLength(name: string): void {
  if (name.length <= MAX_NAME_LENGTH) return;
  throw new AwsError(
    'InvalidParameterValueException',
    `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to ${MAX_NAME_LENGTH}`,
  );
}

/** Now, as Lambda writes LastModified: `2026-05-01T10:00:00.000+0000`. */
export function lastModified(now: number): string {
  return new Date(now).toISOString().replace('Z', '+0000');
}

/** A new RevisionId: Lambda's changes with every change, and every state a change passes through. */
export const newRevision = (): string => randomUUID();

/** The configuration members a function keeps under their CloudFormation names (what `template` holds and the answers read). */
const KEPT_MEMBERS: Readonly<Record<string, string>> = {
  Role: 'Role',
  TracingConfig: 'TracingConfig',
  LoggingConfig: 'LoggingConfig',
  Layers: 'Layers',
  VpcConfig: 'VpcConfig',
  Environment: 'Environment',
  EphemeralStorage: 'EphemeralStorage',
  SnapStart: 'SnapStart',
  CodeSigningConfigArn: 'CodeSigningConfigArn',
  KMSKeyArn: 'KmsKeyArn',
  FileSystemConfigs: 'FileSystemConfigs',
  DurableConfig: 'DurableConfig',
  DeadLetterConfig: 'DeadLetterConfig',
};

/** The definition CreateFunction makes: the request's settings with Lambda's defaults, its code as stored. */
export function createdDefinition(
  input: Input,
  place: { readonly arn: string; readonly now: number },
  code: StoredCode,
  layerFolders: Readonly<Record<string, string>>,
): FunctionDefinition {
  // A name, or a full or partial ARN naming one (the region and account are checked already).
  const name = parseFunctionName(String(input.FunctionName)).name;
  const created: FunctionDefinition = {
    name,
    arn: place.arn,
    handler: String(input.Handler ?? ''),
    runtime: String(input.Runtime ?? ''),
    architecture: String((input.Architectures as string[] | undefined)?.[0] ?? 'x86_64'),
    codePath: code.folder,
    timeoutSeconds: 3,
    memorySize: 128,
    environment: {},
    description: '',
    logGroupName: `/aws/lambda/${name}`,
    // Its tags are LambdaTags', by its ARN.
    template: {},
    api: { revisionId: newRevision(), lastModified: lastModified(place.now), codeSha256: code.sha256, codeSize: code.size },
  };
  return configured(created, input, layerFolders);
}

/**
 * A definition with UpdateFunctionConfiguration's members applied (the ones the request leaves
 * out stay as they were); its `Layers` run as a template function's do: the app's from their
 * folders (`layerFolders`), the others as published layers.
 */
export function configured(
  definition: FunctionDefinition,
  input: Input,
  layerFolders: Readonly<Record<string, string>>,
): FunctionDefinition {
  const template: Record<string, unknown> = { ...definition.template };
  for (const [member, kept] of Object.entries(KEPT_MEMBERS)) if (input[member] !== undefined) template[kept] = input[member];
  const environment = input.Environment as { Variables?: Record<string, string> } | undefined;
  const logGroup = (input.LoggingConfig as { LogGroup?: string } | undefined)?.LogGroup;
  const deadLetterArn = (input.DeadLetterConfig as { TargetArn?: string } | undefined)?.TargetArn;
  const { layers: _layers, publicLayers: _public, ...unlayered } = definition;
  return {
    ...(input.Layers === undefined ? definition : { ...unlayered, ...functionLayers(input.Layers, layerFolders) }),
    ...(input.Handler !== undefined ? { handler: String(input.Handler) } : {}),
    ...(input.Runtime !== undefined ? { runtime: String(input.Runtime) } : {}),
    ...(input.Timeout !== undefined ? { timeoutSeconds: Number(input.Timeout) } : {}),
    ...(input.MemorySize !== undefined ? { memorySize: Number(input.MemorySize) } : {}),
    ...(input.Description !== undefined ? { description: String(input.Description) } : {}),
    ...(environment !== undefined ? { environment: environment.Variables ?? {} } : {}),
    ...(logGroup ? { logGroupName: logGroup } : {}),
    ...(deadLetterArn !== undefined ? { asyncConfig: { ...definition.asyncConfig, deadLetterArn } } : {}),
    template,
  };
}

/** What a version freezes of a function: its code and settings, none of what is the function's (versions, aliases, policies, invoke and concurrency settings). */
export function versionPart(definition: FunctionDefinition): FunctionDefinition {
  const {
    versions: _v,
    aliases: _a,
    published: _p,
    policies: _policies,
    eventInvokeConfigs: _e,
    provisionedConcurrency: _c,
    ...code
  } = definition;
  return code;
}

/**
 * What decides whether PublishVersion has anything new to publish: the code and every
 * setting of `$LATEST`, not its revision or time (its tags are kept apart: LambdaTags), nor
 * the function's own settings that no version freezes (its recursion setting, its code
 * signing configuration).
 */
export function publishedContent(definition: FunctionDefinition): string {
  const { RecursiveLoop: _loop, CodeSigningConfigArn: _signing, ...settings } = (definition.template ?? {}) as Record<string, unknown>;
  return JSON.stringify([
    definition.api?.codeSha256,
    definition.handler,
    definition.runtime,
    definition.architecture,
    definition.timeoutSeconds,
    definition.memorySize,
    definition.environment,
    definition.description,
    definition.logGroupName,
    definition.asyncConfig,
    settings,
  ]);
}

/** Refuses a change that names a revision other than the current one, as Lambda does (optimistic locking). */
export function checkRevision(given: unknown, current: string | undefined, read = 'GetFunction/GetAlias'): void {
  if (given === undefined || given === current) return;
  throw new AwsError(
    'PreconditionFailedException',
    `The Revision Id provided does not match the latest Revision Id. Call the ${read} API to retrieve the latest Revision Id`,
    412,
  );
}
