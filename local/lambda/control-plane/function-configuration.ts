import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { tryParseArn } from '../../names/arn.js';
import { stableUuid } from '../../template/resolve.js';
import type { ApiRecord, FunctionAlias, FunctionDefinition } from '../runtime/function-runtime.js';
import { vpcConfigAnswer } from './vpc-config.js';

type Props = Record<string, unknown>;

/**
 * What LastModified reports for a template's function: the app is deployed once, when the
 * runtime starts, and the same answer on every run keeps recorded answers comparable.
 */
const LAST_MODIFIED = '1970-01-01T00:00:00.000+0000';

export interface CodeDigest {
  /** Bytes of the bundle's files. */
  readonly size: number;
  /** Base64 SHA-256 over the bundle's files (paths and contents, in path order): stable for unchanged code. */
  readonly sha256: string;
}

const digests = new Map<string, CodeDigest>();

/**
 * The size and digest of a code folder. Lambda reports the zip's; there is no zip here,
 * so they are the folder's, computed once per folder.
 */
export function codeDigest(folder: string): CodeDigest {
  const cached = digests.get(folder);
  if (cached) return cached;
  const hash = createHash('sha256');
  let size = 0;
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const entry of entries) {
      const file = path.join(dir, entry);
      const stat = statSync(file, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) walk(file);
      else if (stat.isFile()) {
        const content = readFileSync(file);
        size += content.length;
        hash.update(path.relative(folder, file)).update('\0').update(content);
      }
    }
  };
  walk(folder);
  const digest = { size, sha256: hash.digest('base64') };
  digests.set(folder, digest);
  return digest;
}

/** A template function's RevisionId: stable, as its template is (Lambda's is a UUID that changes with each update). */
function revisionId(...parts: string[]): string {
  return stableUuid(parts.join('\0'));
}

/**
 * The runtime version Lambda reports a runtime at (`RuntimeVersionConfig`): its ARN names a
 * build of the runtime by a digest; one per runtime and region here, stable across runs.
 */
function runtimeVersionArn(definition: FunctionDefinition): string {
  const region = tryParseArn(definition.arn)?.region ?? 'us-east-1';
  return `arn:aws:lambda:${region}::runtime:${createHash('sha256').update(definition.runtime).digest('hex')}`;
}

/** Lambda's reason while a function is Pending or its update InProgress: its recorded words, for an update too. */
const IN_PROGRESS = { reason: 'The function is being created.', code: 'Creating' } as const;

/**
 * State and LastUpdateStatus, with their reasons, as Lambda reports them through a change
 * (ApiRecord.change): a function being created is Pending (no LastUpdateStatus yet), one being
 * updated Active with its update InProgress; a failed creation is Failed, a failed update leaves
 * the function Active with its update Failed; otherwise Active and Successful.
 */
function stateMembers(api: ApiRecord | undefined): Props {
  const failure = api?.failure;
  switch (api?.change) {
    case 'creating':
      return { State: 'Pending', StateReason: IN_PROGRESS.reason, StateReasonCode: IN_PROGRESS.code };
    case 'updating':
      return {
        State: 'Active',
        LastUpdateStatus: 'InProgress',
        LastUpdateStatusReason: IN_PROGRESS.reason,
        LastUpdateStatusReasonCode: IN_PROGRESS.code,
      };
  }
  if (failure === undefined) return { State: 'Active', LastUpdateStatus: 'Successful' };
  const update = { LastUpdateStatus: 'Failed', LastUpdateStatusReason: failure.reason, LastUpdateStatusReasonCode: failure.code };
  return failure.of === 'creating'
    ? { State: 'Failed', StateReason: failure.reason, StateReasonCode: failure.code, ...update }
    : { State: 'Active', ...update };
}

/** The members GetFunctionConfiguration has and ListFunctions and ListVersionsByFunction leave out (the API reference says so). */
const NOT_LISTED = [
  'State',
  'StateReason',
  'StateReasonCode',
  'LastUpdateStatus',
  'LastUpdateStatusReason',
  'LastUpdateStatusReasonCode',
  'RuntimeVersionConfig',
] as const;

/** A configuration as ListFunctions and ListVersionsByFunction list it. */
export function listedConfiguration(configuration: ReturnType<typeof functionConfiguration>): Props {
  const listed: Props = { ...configuration };
  for (const member of NOT_LISTED) delete listed[member];
  return listed;
}

/**
 * GetFunctionConfiguration's answer for a function, as its template or Lambda's API
 * configures it: the fields Lambda reports for a Zip function, with its defaults where the
 * template is silent. `definition` is the version's (versionDefinition); `version` and `arn`
 * are the qualifier's (`$LATEST` and the unqualified ARN by default).
 */
export function functionConfiguration(
  definition: FunctionDefinition,
  qualified: { version: string; arn: string } = { version: '$LATEST', arn: definition.arn },
) {
  const t = (definition.template ?? {}) as Props;
  const { api } = definition;
  const code = api ? { size: api.codeSize, sha256: api.codeSha256 } : codeDigest(definition.codePath);
  const logging = (t.LoggingConfig ?? {}) as Props;
  const logFormat = String(logging.LogFormat ?? 'Text');
  const tracing = (t.TracingConfig ?? {}) as Props;
  const snapStart = (t.SnapStart ?? {}) as Props;
  const ephemeral = (t.EphemeralStorage ?? {}) as Props;
  const vpc = t.VpcConfig as Props | undefined;
  const layerArns = Array.isArray(t.Layers) ? t.Layers.map(String) : [];
  // The folders are known for the layers of the app only, in the order of Layers.
  const layerFolders = layerArns.length === definition.layers?.length ? definition.layers : undefined;
  // A durable function's DurableConfig, with Lambda's default retention (14 days).
  const durableConfig = t.DurableConfig as Props | undefined;
  const durable = durableConfig && {
    ExecutionTimeout: Number(durableConfig.ExecutionTimeout),
    RetentionPeriodInDays: Number(durableConfig.RetentionPeriodInDays ?? 14),
    ...(typeof durableConfig.KMSKeyArn === 'string' ? { KMSKeyArn: durableConfig.KMSKeyArn } : {}),
  };
  const fileSystems = Array.isArray(t.FileSystemConfigs) ? (t.FileSystemConfigs as Props[]) : undefined;
  return {
    FunctionName: definition.name,
    FunctionArn: qualified.arn,
    Runtime: definition.runtime,
    ...(typeof t.Role === 'string' ? { Role: t.Role } : {}),
    Handler: definition.handler,
    CodeSize: code.size,
    Description: definition.description ?? '',
    Timeout: definition.timeoutSeconds,
    MemorySize: definition.memorySize,
    LastModified: api?.lastModified ?? LAST_MODIFIED,
    CodeSha256: code.sha256,
    Version: qualified.version,
    ...(vpc ? { VpcConfig: vpcConfigAnswer(vpc) } : {}),
    ...(definition.asyncConfig?.deadLetterArn ? { DeadLetterConfig: { TargetArn: definition.asyncConfig.deadLetterArn } } : {}),
    // Lambda answers the variables it was given, an empty set included.
    ...(t.Environment !== undefined || Object.keys(definition.environment).length > 0
      ? { Environment: { Variables: definition.environment } }
      : {}),
    ...(typeof t.KmsKeyArn === 'string' ? { KMSKeyArn: t.KmsKeyArn } : {}),
    TracingConfig: { Mode: String(tracing.Mode ?? 'PassThrough') },
    RevisionId: api?.revisionId ?? revisionId(definition.arn, qualified.version, code.sha256),
    ...(layerArns.length > 0
      ? { Layers: layerArns.map((Arn, index) => ({ Arn, CodeSize: layerFolders?.[index] ? codeDigest(layerFolders[index]).size : 0 })) }
      : {}),
    ...stateMembers(api),
    ...(fileSystems ? { FileSystemConfigs: fileSystems.map((f) => ({ Arn: f.Arn, LocalMountPath: f.LocalMountPath })) } : {}),
    PackageType: 'Zip',
    Architectures: [definition.architecture],
    EphemeralStorage: { Size: Number(ephemeral.Size ?? 512) },
    // A published version of a function with SnapStart on is optimized (Lambda snapshots it; locally nothing is: docs/local-runtime/lambda.md).
    SnapStart: {
      ApplyOn: String(snapStart.ApplyOn ?? 'None'),
      OptimizationStatus: snapStart.ApplyOn === 'PublishedVersions' && /^\d+$/.test(qualified.version) ? 'On' : 'Off',
    },
    RuntimeVersionConfig: { RuntimeVersionArn: runtimeVersionArn(definition) },
    LoggingConfig: {
      LogFormat: logFormat,
      // Lambda sets the levels only for JSON logs, INFO and INFO by default.
      ...(logFormat === 'JSON'
        ? { ApplicationLogLevel: String(logging.ApplicationLogLevel ?? 'INFO'), SystemLogLevel: String(logging.SystemLogLevel ?? 'INFO') }
        : {}),
      LogGroup: definition.logGroupName,
    },
    ...(durable ? { DurableConfig: durable } : {}),
  };
}

/**
 * GetFunction's answer: the configuration, where the code is, the function's tags (`tags`, kept
 * by its unqualified ARN) and reserved concurrency. A function CreateFunction made has its zip
 * at `codeUrl` (Lambda's is a presigned S3 URL); a template's code is a folder.
 */
export function functionDetails(
  definition: FunctionDefinition,
  tags: Readonly<Record<string, string>>,
  qualified?: { version: string; arn: string },
  codeUrl?: string,
) {
  return {
    Configuration: functionConfiguration(definition, qualified),
    Code: codeUrl ? { RepositoryType: 'S3', Location: codeUrl } : { RepositoryType: 'Local', Location: definition.codePath },
    ...(Object.keys(tags).length > 0 ? { Tags: tags } : {}),
    ...(definition.reservedConcurrency !== undefined
      ? { Concurrency: { ReservedConcurrentExecutions: definition.reservedConcurrency } }
      : {}),
  };
}

/** GetAlias's answer for an alias (an empty routing configuration is none). */
export function aliasConfiguration(definition: FunctionDefinition, alias: FunctionAlias) {
  const weights = alias.additionalVersionWeights;
  return {
    AliasArn: `${definition.arn}:${alias.name}`,
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    Description: alias.description ?? '',
    ...(weights && Object.keys(weights).length > 0 ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}),
    RevisionId: alias.revisionId ?? revisionId(definition.arn, alias.name, alias.functionVersion),
  };
}
