import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse } from '../endpoint/protocols.js';
import type { StreamMapping } from '../pipes/mapping-states.js';
import {
  aliasConfiguration,
  codeDigest,
  functionConfiguration,
  functionDetails,
  functionTags,
  listedConfiguration,
} from './function-configuration.js';
import { versionDefinition } from './function-definition.js';
import { policyAnswer } from './function-permissions.js';
import { type FunctionDirectory, parseFunctionName } from './function-reference.js';
import type { FunctionDefinition } from './function-runtime.js';
import type { SqsMappingDefinition } from './sqs-event-source.js';
import type { MappingStatus } from './sqs-mappings.js';

interface HasDefinition {
  readonly definition: FunctionDefinition;
}

/** The event source mappings as they run, and each one's state (SqsMappings; stream mappings run as pipes). */
export interface MappingView {
  readonly definitions: readonly SqsMappingDefinition[];
  status(uuid: string): MappingStatus;
  /** The mappings of DynamoDB and Kinesis streams (the pipes service runs them). */
  streams?(): readonly StreamMapping[];
}

/** Lambda's account quotas (the defaults of a new account), as GetAccountSettings reports them. */
const ACCOUNT_LIMIT = {
  TotalCodeSize: 80_530_636_800,
  CodeSizeUnzipped: 262_144_000,
  CodeSizeZipped: 52_428_800,
  ConcurrentExecutions: 1000,
  UnreservedConcurrentExecutions: 1000,
};

/** ListFunctions answers at most 50 functions a call, whatever MaxItems asks for. */
const LIST_FUNCTIONS_PAGE = 50;
const LIST_MAPPINGS_PAGE = 100;

const FUNCTIONS = /^\/2015-03-31\/functions\/?$/;
const FUNCTION = /^\/2015-03-31\/functions\/([^/]+)\/?$/;
const CONFIGURATION = /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/;
const VERSIONS = /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/;
const ALIASES = /^\/2015-03-31\/functions\/([^/]+)\/aliases\/?$/;
const ALIAS = /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)\/?$/;
const MAPPINGS = /^\/2015-03-31\/event-source-mappings\/?$/;
const MAPPING = /^\/2015-03-31\/event-source-mappings\/([^/]+)\/?$/;
const ACCOUNT_SETTINGS = /^\/2016-08-19\/account-settings\/?$/;
const CONCURRENCY = /^\/2019-09-30\/functions\/([^/]+)\/concurrency\/?$/;
const TAGS = /^\/2017-03-31\/tags\/([^/]+)\/?$/;
const POLICY = /^\/2015-03-31\/functions\/([^/]+)\/policy\/?$/;
const EVENT_INVOKE_CONFIG = /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/?$/;

/**
 * The read side of Lambda's API over the functions and event source mappings the template
 * declares: GetFunction, GetFunctionConfiguration, ListFunctions, ListVersionsByFunction,
 * GetAlias, ListAliases, GetEventSourceMapping, ListEventSourceMappings,
 * GetFunctionConcurrency, GetFunctionEventInvokeConfig, GetAccountSettings, ListTags, GetPolicy.
 */
export class LambdaReadApi<F extends HasDefinition> {
  constructor(
    private readonly functions: ReadonlyMap<string, F>,
    private readonly directory: FunctionDirectory<F>,
    private readonly mappings: MappingView,
    private readonly place: {
      readonly accountId: string;
      readonly region: string;
      /** Where the zip of a function CreateFunction made is downloaded from (GetFunction's Code.Location). */
      readonly codeUrl?: (definition: FunctionDefinition) => string | undefined;
    },
  ) {}

  /** Answers a GET this API serves, or undefined for any other request. */
  answer(request: RawRequest): RawResponse | undefined {
    if (request.method !== 'GET') return undefined;
    for (const [pattern, operation] of this.#routes) {
      const match = pattern.exec(request.path);
      if (match)
        return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(operation(match, request.query)) };
    }
    return undefined;
  }

  readonly #routes: readonly (readonly [RegExp, (match: RegExpExecArray, query: URLSearchParams) => unknown])[] = [
    [FUNCTIONS, (_, query) => this.#listFunctions(query)],
    [
      FUNCTION,
      (match, query) => {
        const resolved = this.directory.resolve(param(match[1]), query.get('Qualifier'));
        const running = versionDefinition(resolved.fn.definition, resolved.version);
        return functionDetails(running, { version: resolved.version, arn: resolved.arn }, this.place.codeUrl?.(running));
      },
    ],
    [
      CONFIGURATION,
      (match, query) => {
        const resolved = this.directory.resolve(param(match[1]), query.get('Qualifier'));
        return functionConfiguration(versionDefinition(resolved.fn.definition, resolved.version), {
          version: resolved.version,
          arn: resolved.arn,
        });
      },
    ],
    [VERSIONS, (match, query) => this.#listVersions(param(match[1]), query)],
    [ALIASES, (match, query) => this.#listAliases(param(match[1]), query)],
    [ALIAS, (match) => this.#getAlias(param(match[1]), param(match[2]))],
    [MAPPINGS, (_, query) => this.#listMappings(query)],
    [
      MAPPING,
      (match) => {
        const mapping = this.#allMappings().find((m) => m.uuid === param(match[1]));
        if (!mapping) throw new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404);
        return mapping.configuration();
      },
    ],
    [ACCOUNT_SETTINGS, () => this.#accountSettings()],
    [
      CONCURRENCY,
      (match) => {
        const { definition } = this.directory.resolve(param(match[1])).fn;
        return definition.reservedConcurrency === undefined ? {} : { ReservedConcurrentExecutions: definition.reservedConcurrency };
      },
    ],
    [TAGS, (match) => ({ Tags: functionTags(this.#tagged(param(match[1]))) })],
    [
      POLICY,
      (match, query) =>
        policyAnswer(this.functions.get(parseFunctionName(param(match[1])).name)?.definition, {
          FunctionName: param(match[1]),
          ...(query.get('Qualifier') === null ? {} : { Qualifier: query.get('Qualifier') }),
        }),
    ],
    [EVENT_INVOKE_CONFIG, (match, query) => this.#eventInvokeConfig(param(match[1]), query.get('Qualifier'))],
  ];

  #listFunctions(query: URLSearchParams) {
    const all = query.get('FunctionVersion') === 'ALL';
    const configurations = [...this.functions.values()]
      .sort((a, b) => a.definition.name.localeCompare(b.definition.name))
      .flatMap(({ definition }) => (all ? versionConfigurations(definition) : [listedConfiguration(functionConfiguration(definition))]));
    const { items, next } = page(configurations, query, LIST_FUNCTIONS_PAGE, (c) => String(c.FunctionArn));
    return { Functions: items, ...(next ? { NextMarker: next } : {}) };
  }

  #listVersions(name: string, query: URLSearchParams) {
    const { definition } = this.directory.resolve(parseFunctionName(name).name).fn;
    const { items, next } = page(versionConfigurations(definition), query, LIST_FUNCTIONS_PAGE, (c) => String(c.FunctionArn));
    return { Versions: items, ...(next ? { NextMarker: next } : {}) };
  }

  #listAliases(name: string, query: URLSearchParams) {
    const { definition } = this.directory.resolve(parseFunctionName(name).name).fn;
    const version = query.get('FunctionVersion');
    const aliases = (definition.aliases ?? [])
      .filter((alias) => version === null || alias.functionVersion === version)
      .map((alias) => aliasConfiguration(definition, alias));
    const { items, next } = page(aliases, query, LIST_FUNCTIONS_PAGE, (a) => a.AliasArn);
    return { Aliases: items, ...(next ? { NextMarker: next } : {}) };
  }

  #getAlias(name: string, aliasName: string) {
    const { definition } = this.directory.resolve(parseFunctionName(name).name).fn;
    const alias = definition.aliases?.find((a) => a.name === aliasName);
    if (!alias) throw new AwsError('ResourceNotFoundException', `Cannot find alias arn: ${definition.arn}:${aliasName}`, 404);
    return aliasConfiguration(definition, alias);
  }

  /** The function ListTags names: by its unqualified ARN only (Lambda tags no versions or aliases). */
  #tagged(arn: string): FunctionDefinition {
    if (parseFunctionName(arn).qualifier !== undefined) {
      throw new AwsError(
        'InvalidParameterValueException',
        'Tags on function aliases and versions are not supported. Please specify a function ARN.',
      );
    }
    return this.directory.functionOf(arn).definition;
  }

  #listMappings(query: URLSearchParams) {
    const functionName = query.get('FunctionName');
    const eventSourceArn = query.get('EventSourceArn');
    // Lambda matches the function exactly: a mapping on an alias is listed for the alias's ARN, not the function's.
    const wanted = functionName === null ? undefined : this.#mappedArn(functionName);
    const mappings = this.#allMappings()
      .filter((m) => eventSourceArn === null || m.sourceArn === eventSourceArn)
      .filter((m) => wanted === undefined || this.#mappedArn(m.functionReference) === wanted)
      .map((m) => m.configuration());
    const { items, next } = page(mappings, query, LIST_MAPPINGS_PAGE, (m) => m.UUID);
    return { EventSourceMappings: items, ...(next ? { NextMarker: next } : {}) };
  }

  /** Every mapping, SQS's then the streams', with what lists pick them by and its answer. */
  #allMappings() {
    return [
      ...this.mappings.definitions.map((m) => ({
        uuid: m.uuid,
        sourceArn: m.queueArn,
        functionReference: m.functionReference ?? m.functionName,
        configuration: () => this.mappingConfiguration(m),
      })),
      ...(this.mappings.streams?.() ?? []).map((m) => ({
        uuid: m.definition.arn,
        sourceArn: m.definition.sourceArn,
        functionReference: m.definition.targetArn,
        configuration: () => this.streamMappingConfiguration(m),
      })),
    ];
  }

  /** A stream mapping as GetEventSourceMapping answers it (the members Lambda answers for a Kinesis or DynamoDB stream). */
  streamMappingConfiguration({ definition: pipe, state, lastModified, lastProcessingResult }: StreamMapping) {
    const mapping = pipe.mapping;
    return {
      UUID: pipe.arn,
      StartingPosition: pipe.startingPosition,
      ...(pipe.startingPositionTimestampMs === undefined ? {} : { StartingPositionTimestamp: pipe.startingPositionTimestampMs / 1000 }),
      BatchSize: pipe.batchSize,
      MaximumBatchingWindowInSeconds: pipe.maximumBatchingWindowSeconds,
      ParallelizationFactor: mapping?.parallelizationFactor ?? 1,
      EventSourceArn: pipe.sourceArn,
      ...(pipe.filters.length === 0 ? {} : { FilterCriteria: { Filters: pipe.filters.map((Pattern) => ({ Pattern })) } }),
      FunctionArn: this.#mappedArn(pipe.targetArn),
      LastModified: lastModified / 1000,
      LastProcessingResult: lastProcessingResult,
      State: state,
      StateTransitionReason: 'User action',
      DestinationConfig: {
        OnFailure: mapping?.onFailureDestination === undefined ? {} : { Destination: mapping.onFailureDestination },
      },
      MaximumRecordAgeInSeconds: pipe.maximumRecordAgeSeconds,
      BisectBatchOnFunctionError: pipe.bisectOnFailure,
      MaximumRetryAttempts: pipe.maximumRetryAttempts,
      TumblingWindowInSeconds: mapping?.tumblingWindowSeconds ?? 0,
      FunctionResponseTypes: mapping?.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
      EventSourceMappingArn: `arn:aws:lambda:${this.place.region}:${this.place.accountId}:event-source-mapping:${pipe.arn}`,
    };
  }

  /** A function, version or alias named in any of Lambda's forms, as the ARN Lambda compares them by. */
  #mappedArn(nameOrArn: string): string {
    const { name, qualifier } = parseFunctionName(nameOrArn);
    return `${this.directory.arnOf(name)}${qualifier === undefined ? '' : `:${qualifier}`}`;
  }

  /** A mapping as GetEventSourceMapping answers it (and UpdateEventSourceMapping, with its transition). */
  mappingConfiguration(m: SqsMappingDefinition) {
    const { state, lastModified } = this.mappings.status(m.uuid);
    return {
      UUID: m.uuid,
      BatchSize: m.batchSize,
      MaximumBatchingWindowInSeconds: m.maximumBatchingWindowSeconds,
      EventSourceArn: m.queueArn,
      FunctionArn: this.#mappedArn(m.functionReference ?? m.functionName),
      // Epoch seconds, as Lambda's REST-JSON protocol carries timestamps.
      LastModified: lastModified / 1000,
      State: state,
      StateTransitionReason: 'USER_INITIATED',
      FunctionResponseTypes: m.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
      ...(m.maximumConcurrency ? { ScalingConfig: { MaximumConcurrency: m.maximumConcurrency } } : {}),
      ...(m.provisionedPollerConfig ? { ProvisionedPollerConfig: m.provisionedPollerConfig } : {}),
      EventSourceMappingArn: `arn:aws:lambda:${this.place.region}:${this.place.accountId}:event-source-mapping:${m.uuid}`,
    };
  }

  #accountSettings() {
    const definitions = [...this.functions.values()].map((fn) => fn.definition);
    const reserved = definitions.reduce((sum, d) => sum + (d.reservedConcurrency ?? 0), 0);
    return {
      AccountLimit: { ...ACCOUNT_LIMIT, UnreservedConcurrentExecutions: ACCOUNT_LIMIT.ConcurrentExecutions - reserved },
      AccountUsage: {
        TotalCodeSize: definitions.reduce((sum, d) => sum + (d.api?.codeSize ?? codeDigest(d.codePath).size), 0),
        FunctionCount: definitions.length,
      },
    };
  }

  /** GetFunctionEventInvokeConfig: what the template's AWS::Lambda::EventInvokeConfig set (for `$LATEST`). */
  #eventInvokeConfig(name: string, qualifier: string | null) {
    let resolved: ReturnType<typeof this.directory.resolve>;
    try {
      resolved = this.directory.resolve(name, qualifier);
    } catch (error) {
      // Lambda answers a function or version it does not have as one without a configuration.
      if (!(error instanceof AwsError) || !error.message.startsWith('Function not found: ')) throw error;
      const named = parseFunctionName(name);
      const arn = `${this.directory.arnOf(named.name)}:${named.qualifier ?? qualifier ?? '$LATEST'}`;
      throw new AwsError('ResourceNotFoundException', `The function ${arn} doesn't have an EventInvokeConfig`, 404, { cause: error });
    }
    const { definition } = resolved.fn;
    const config = definition.asyncConfig;
    const configured =
      config &&
      (config.maximumRetryAttempts !== undefined ||
        config.maximumEventAgeSeconds !== undefined ||
        config.onSuccess !== undefined ||
        config.onFailure !== undefined);
    if (!configured || resolved.version !== '$LATEST') {
      throw new AwsError('ResourceNotFoundException', `The function ${resolved.arn} doesn't have an EventInvokeConfig`, 404);
    }
    return {
      FunctionArn: `${definition.arn}:$LATEST`,
      LastModified: 0,
      MaximumRetryAttempts: config.maximumRetryAttempts,
      MaximumEventAgeInSeconds: config.maximumEventAgeSeconds,
      DestinationConfig: {
        OnSuccess: config.onSuccess === undefined ? {} : { Destination: config.onSuccess },
        OnFailure: config.onFailure === undefined ? {} : { Destination: config.onFailure },
      },
    };
  }
}

/** `$LATEST` and then each published version, as ListVersionsByFunction lists them (each ARN qualified). */
function versionConfigurations(definition: FunctionDefinition) {
  return ['$LATEST', ...(definition.versions ?? [])].map((version) =>
    listedConfiguration(functionConfiguration(versionDefinition(definition, version), { version, arn: `${definition.arn}:${version}` })),
  );
}

/**
 * One page of a list: `MaxItems` (1 to 10000; at most `limit` are answered) items after
 * `Marker`. The marker is the next item's key, so it stays valid across restarts.
 */
function page<T>(all: readonly T[], query: URLSearchParams, limit: number, key: (item: T) => string): { items: T[]; next?: string } {
  const maxItemsText = query.get('MaxItems');
  let maxItems = limit;
  if (maxItemsText !== null) {
    const value = Number(maxItemsText);
    if (!Number.isInteger(value) || value < 1 || value > 10_000) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${maxItemsText}' at 'maxItems' failed to satisfy constraint: Member must have value ${
          value < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'
        }`,
      );
    }
    maxItems = Math.min(value, limit);
  }
  const marker = query.get('Marker');
  let start = 0;
  if (marker !== null && marker !== '') {
    const decoded = Buffer.from(marker, 'base64url').toString('utf8');
    start = all.findIndex((item) => key(item) === decoded);
    if (start < 0) throw new AwsError('InvalidParameterValueException', `Invalid marker: ${marker}`);
  }
  const items = all.slice(start, start + maxItems);
  const following = all[start + maxItems];
  return { items, next: following === undefined ? undefined : Buffer.from(key(following)).toString('base64url') };
}

/** A path parameter (the endpoint has decoded the path already). */
function param(value: string | undefined): string {
  return value ?? '';
}
