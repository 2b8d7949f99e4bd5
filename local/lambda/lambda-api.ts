import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations, OperationCall } from '../endpoint/model-protocols/operations.js';
import { ModelRestJsonProtocol } from '../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { apiOperations } from '../service-registry/operation-table.js';
import type { ApiPlanes } from './api-planes.js';
import { eventInvokeConfigAnswer, eventInvokeConfigList } from './async/event-invoke-configs.js';
import { accountSettings } from './control-plane/account-limits.js';
import { CodeSigningApi } from './control-plane/code-signing-api.js';
import { type Answer, ControlPlane } from './control-plane/control-plane.js';
import { aliasConfiguration, functionConfiguration, functionDetails, listedConfiguration } from './control-plane/function-configuration.js';
import { policyAnswer } from './control-plane/function-permissions.js';
import { FunctionSettingsApi } from './control-plane/function-settings-api.js';
import { versionDefinition } from './core/function-definition.js';
import { type FunctionDirectory, parseFunctionName, taggedFunctionArn } from './core/function-reference.js';
import { validateLambdaInput, validateLambdaRequest } from './core/input-validation.js';
import { lambdaErrorAnswer } from './core/lambda-errors.js';
import { listPage } from './core/list-pages.js';
import type { LambdaTags } from './core/resource-tags.js';
import { DurableApi } from './durable/durable-api.js';
import { EventSourceMappings } from './event-source-mappings/event-source-mappings.js';
import { type InvokeTargets, invoke } from './invoke-route.js';
import { LayerApi } from './layers/layer-api.js';
import type { FunctionDefinition } from './runtime/function-runtime.js';
import { FunctionUrlApi } from './urls/function-url-api.js';

interface HasDefinition {
  readonly definition: FunctionDefinition;
}

/** ListFunctions answers at most 50 functions a call, whatever MaxItems asks for. */
const LIST_FUNCTIONS_PAGE = 50;

type Input = Readonly<Record<string, unknown>>;

/**
 * Lambda's API over the functions the service runs: Invoke and the reads (GetFunction,
 * GetFunctionConfiguration, ListFunctions, ListVersionsByFunction, GetAlias, ListAliases,
 * GetFunctionConcurrency, GetFunctionEventInvokeConfig, ListFunctionEventInvokeConfigs,
 * GetFunctionCodeSigningConfig, GetAccountSettings, ListTags, GetPolicy), each taking its input
 * as the model-driven codec decodes it (the control plane, layers, URLs, settings, code signing,
 * mappings and durable executions are their own classes: LAMBDA_API_TYPES).
 */
export class LambdaApi<F extends HasDefinition> {
  constructor(
    private readonly functions: ReadonlyMap<string, F>,
    private readonly directory: FunctionDirectory<F>,
    private readonly place: {
      readonly accountId: string;
      readonly region: string;
      /** Where the zip of a function CreateFunction made is downloaded from (GetFunction's Code.Location). */
      readonly codeUrl?: (definition: FunctionDefinition) => string | undefined;
      /** The storage the published layer versions' archives take (GetAccountSettings' TotalCodeSize counts them). */
      readonly layerCodeSize?: () => number;
      /** What Invoke reaches of the service. */
      readonly invoke: InvokeTargets;
      /** Where functions' tags are kept (ListTags, GetFunction). */
      readonly tags: LambdaTags;
    },
  ) {}

  async Invoke(input: Input, call: OperationCall) {
    return invoke(input, call, this.place.invoke);
  }

  async ListFunctions(input: Input) {
    return this.#listFunctions(input);
  }

  async GetFunction(input: Input) {
    const resolved = this.#resolve(input);
    const running = versionDefinition(resolved.fn.definition, resolved.version);
    // Tags are the function's, whichever version or alias is named (Lambda tags neither).
    const tags = this.place.tags.of(resolved.fn.definition.arn);
    return functionDetails(running, tags, { version: resolved.version, arn: resolved.arn }, this.place.codeUrl?.(running));
  }

  async GetFunctionConfiguration(input: Input) {
    const resolved = this.#resolve(input);
    return functionConfiguration(versionDefinition(resolved.fn.definition, resolved.version), {
      version: resolved.version,
      arn: resolved.arn,
    });
  }

  async ListVersionsByFunction(input: Input) {
    return this.#listVersions(String(input.FunctionName), input);
  }

  async ListAliases(input: Input) {
    return this.#listAliases(String(input.FunctionName), input);
  }

  async GetAlias(input: Input) {
    return this.#getAlias(String(input.FunctionName), String(input.Name));
  }

  async GetAccountSettings() {
    return accountSettings(
      [...this.functions.values()].map((fn) => fn.definition),
      this.place.layerCodeSize?.() ?? 0,
    );
  }

  async GetFunctionConcurrency(input: Input) {
    const { definition } = this.directory.resolve(String(input.FunctionName)).fn;
    return definition.reservedConcurrency === undefined ? {} : { ReservedConcurrentExecutions: definition.reservedConcurrency };
  }

  async ListTags(input: Input) {
    return { Tags: this.place.tags.of(this.#tagged(String(input.Resource)).arn) };
  }

  async GetPolicy(input: Input) {
    const name = String(input.FunctionName);
    return policyAnswer(this.functions.get(parseFunctionName(name).name)?.definition, {
      FunctionName: name,
      ...(input.Qualifier === undefined ? {} : { Qualifier: input.Qualifier }),
    });
  }

  async GetFunctionEventInvokeConfig(input: Input) {
    return eventInvokeConfigAnswer(this.directory, { FunctionName: input.FunctionName, Qualifier: input.Qualifier });
  }

  async ListFunctionEventInvokeConfigs(input: Input) {
    return eventInvokeConfigList(this.directory, String(input.FunctionName), input);
  }

  /** The template's CodeSigningConfigArn (not enforced locally); none is answered as Lambda answers it: an empty object. */
  async GetFunctionCodeSigningConfig(input: Input) {
    const { definition } = this.directory.functionOf(String(input.FunctionName));
    const arn = definition.template?.CodeSigningConfigArn;
    return typeof arn === 'string' ? { CodeSigningConfigArn: arn, FunctionName: definition.name } : {};
  }

  #resolve(input: Input) {
    return this.directory.resolve(String(input.FunctionName), (input.Qualifier as string | undefined) ?? null);
  }

  #listFunctions(query: Input) {
    const all = query.FunctionVersion === 'ALL';
    const configurations = [...this.functions.values()]
      .sort((a, b) => a.definition.name.localeCompare(b.definition.name))
      .flatMap(({ definition }) => (all ? versionConfigurations(definition) : [listedConfiguration(functionConfiguration(definition))]));
    const { items, next } = listPage(configurations, query, LIST_FUNCTIONS_PAGE, (c) => String(c.FunctionArn));
    return { Functions: items, ...(next ? { NextMarker: next } : {}) };
  }

  #listVersions(name: string, query: Input) {
    const { definition } = this.directory.resolve(parseFunctionName(name).name).fn;
    const { items, next } = listPage(versionConfigurations(definition), query, LIST_FUNCTIONS_PAGE, (c) => String(c.FunctionArn));
    return { Versions: items, ...(next ? { NextMarker: next } : {}) };
  }

  #listAliases(name: string, query: Input) {
    const { definition } = this.directory.resolve(parseFunctionName(name).name).fn;
    const version = query.FunctionVersion;
    const aliases = (definition.aliases ?? [])
      .filter((alias) => version === undefined || alias.functionVersion === version)
      .map((alias) => aliasConfiguration(definition, alias));
    const { items, next } = listPage(aliases, query, LIST_FUNCTIONS_PAGE, (a) => a.AliasArn);
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
    return this.directory.functionOf(taggedFunctionArn(arn)).definition;
  }
}

/** `$LATEST` and then each published version, as ListVersionsByFunction lists them (each ARN qualified). */
function versionConfigurations(definition: FunctionDefinition) {
  return ['$LATEST', ...(definition.versions ?? [])].map((version) =>
    listedConfiguration(functionConfiguration(versionDefinition(definition, version), { version, arn: `${definition.arn}:${version}` })),
  );
}

/** The classes whose PascalCase methods are the operations of Lambda's API the local service serves (its module declares them). */
export const LAMBDA_API_TYPES = [
  LambdaApi,
  ControlPlane,
  LayerApi,
  FunctionUrlApi,
  FunctionSettingsApi,
  CodeSigningApi,
  EventSourceMappings,
  DurableApi,
] as const;

/** Operations the SDK has (its resource policies, 2026-07-09) that the model, botocore 1.43.11's, predates: answered as unsupported, by name. */
const NEWER_ROUTES = [
  { operation: 'GetResourcePolicy', method: 'GET', requestUri: '/2026-07-09/resource-policy/{ResourceArn}' },
  { operation: 'PutResourcePolicy', method: 'PUT', requestUri: '/2026-07-09/resource-policy/{ResourceArn}' },
  { operation: 'DeleteResourcePolicy', method: 'DELETE', requestUri: '/2026-07-09/resource-policy/{ResourceArn}' },
];

/** Path labels whose values hold `/`: a durable execution's ARN (`.../durable-execution/<name>/<id>`), a callback id (base64). */
const GREEDY_LABELS = ['DurableExecutionArn', 'CallbackId'];

/**
 * Lambda's REST-JSON protocol, driven by its model (`endpoint/aws-models/lambda.json`): every path
 * under its API versions' prefixes (`/2015-03-31`, `/2018-10-31`, ...) is its own, its
 * operations those of LAMBDA_API_TYPES, its errors Lambda's document (lambda-errors.ts). A
 * function named in the path is checked to be in the endpoint's region first.
 */
export function lambdaProtocol(parts: {
  readonly api: LambdaApi<HasDefinition>;
  readonly planes: ApiPlanes;
  readonly mappings: EventSourceMappings;
  readonly durable: DurableApi;
  readonly checkRegion: (functionName: string) => void;
}): ModelRestJsonProtocol {
  const model = loadModel('lambda');
  const operations: Record<string, (input: Input, call: OperationCall) => Promise<unknown>> = {
    ...table(parts.api, LambdaApi),
    ...table(parts.planes.functions, ControlPlane, answered),
    ...table(parts.planes.layers, LayerApi),
    ...table(parts.planes.urls, FunctionUrlApi),
    ...table(parts.planes.settings, FunctionSettingsApi, answered, true),
    ...table(parts.planes.codeSigning, CodeSigningApi, answered, true),
    ...table(parts.mappings, EventSourceMappings),
    ...table(parts.durable, DurableApi),
  };
  // A mapping's tags are the mappings'; a function's the control plane's (TagResource, UntagResource) or the reads' (ListTags).
  for (const name of ['TagResource', 'UntagResource', 'ListTags'] as const) {
    const theFunctions = operations[name] as (input: Input, call: OperationCall) => Promise<unknown>;
    operations[name] = async (input, call) => parts.mappings.tagging(name, input) ?? theFunctions(input, call);
  }
  for (const [name, operation] of Object.entries(operations)) {
    const inPath = model.shapes[model.operations[name]?.input ?? '']?.members?.FunctionName?.location === 'uri';
    if (inPath)
      operations[name] = async (input, call) => {
        parts.checkRegion(String(input.FunctionName));
        return operation(input, call);
      };
  }
  const routes = [...Object.values(model.operations).map((o) => o.http), ...Object.values(model.otherOperations ?? {}), ...NEWER_ROUTES];
  const prefixes = new Set(routes.map((http) => http.requestUri.split(/[/?]/)[1] ?? ''));
  return new ModelRestJsonProtocol(
    model,
    // Its operations take the call (Invoke answers under the request id it runs with).
    operations as unknown as ModelOperations,
    { serviceName: 'Lambda', validate: validateLambdaRequest },
    {
      paths: new RegExp(`^/(${[...prefixes].join('|')})(/|$)`),
      maxBodyBytes: MAX_REQUEST_BYTES,
      greedyLabels: GREEDY_LABELS,
      newerRoutes: NEWER_ROUTES,
      errorDocument: (error, operation) => lambdaErrorAnswer(tooLarge(error, operation)),
      bodyRefusal: (reason, cause) =>
        new AwsError('InvalidRequestContentException', `Could not parse request body into json: ${reason}`, 400, { cause }),
    },
  );
}

/** Lambda's limit on a request to its API (AWS's answer to CreateFunction names it). */
const MAX_REQUEST_BYTES = 70_167_211;

/** The endpoint's refusal of a body over MAX_REQUEST_BYTES, in Lambda's words, naming the operation. */
function tooLarge(error: AwsError, operation: string | undefined): AwsError {
  if (error.code !== 'RequestEntityTooLarge' || operation === undefined) return error;
  const refusal = `Request must be smaller than ${MAX_REQUEST_BYTES} bytes for the ${operation} operation`;
  return new AwsError('RequestEntityTooLargeException', refusal, 413, { cause: error });
}

/** A control plane's answer (its status is the model's, which the codec answers) as the operation's output. */
const answered = (answer: unknown) => (answer as Answer).body ?? {};

/**
 * The operations a class declares on one of its objects, each given its input and call;
 * `output` makes the method's result the operation's output, `validated` checks the whole
 * input against the model first (the planes that read it as it comes).
 */
function table(
  object: object,
  type: { readonly prototype: object },
  output: (result: unknown) => unknown = (result) => result,
  validated = false,
): Record<string, (input: Input, call: OperationCall) => Promise<unknown>> {
  const methods = object as Record<string, (input: Input, call: OperationCall) => unknown>;
  const operation = (name: string) => async (input: Input, call: OperationCall) => {
    if (validated) validateLambdaInput(name, input ?? {});
    return output(await methods[name]?.call(object, input ?? {}, call));
  };
  return Object.fromEntries(apiOperations(type).map((name) => [name, operation(name)]));
}
