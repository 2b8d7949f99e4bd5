import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { AwsError } from '../endpoint/aws-error.js';
import { type ApiModel, loadModel, type ModelService } from '../endpoint/validation/model.js';
import { type InputValidator, modelValidator } from '../endpoint/validation/validator.js';
import type { IdempotentCall } from '../store/idempotent-requests.js';
import { asRequestTypes } from './aws-sdk-parameters.js';
import { TaskFailure } from './engine/index.js';

/**
 * Step Functions' AWS SDK service integrations (`arn:aws:states:::aws-sdk:<service>:<action>`)
 * against the services this runtime hosts. AWS runs them on the AWS SDK for Java v2, and
 * that shows in what a state machine sees:
 * - the action is the API operation with a lower-case first letter (`sendTaskSuccess`);
 * - parameter and result members are PascalCase, even for services whose JSON names are
 *   camelCase (Step Functions itself: `TaskToken`, `Output`);
 * - timestamps come back as ISO-8601 text; blobs as base64 text, except a payload blob
 *   (Lambda's `Payload`), which is its text;
 * - a service error is `<Service>.<Exception>`: the Java SDK's exception class for an error
 *   the service's API model declares (`QueueDoesNotExist` -> `QueueDoesNotExistException`),
 *   else the service's base exception (`Sqs.SqsException`); the cause is the service's
 *   message and `(Service: Sqs, Status Code: 400, Request ID: ...) (SDK Attempt Count: 1)`.
 */

/**
 * A hosted service as the integrations reach it: its API operations by name, taking and
 * returning the API's shapes. The signal aborts when the task does (SQS ends a long poll);
 * the idempotency key, for tasks of durable executions, lets a service that honours it
 * answer a task run again after a restart with its first answer.
 */
export type SdkCallOptions = {
  readonly signal?: AbortSignal;
  /** IAM's check of the call for the execution's role: throws the AwsError a refused request answers. */
  readonly authorize?: () => Promise<void>;
} & IdempotentCall;
export type SdkOperations = Readonly<Record<string, (input: never, options?: SdkCallOptions) => Promise<unknown>>>;

/** What the integrations need to know of a service beyond its operations: what its module declares (its `stepFunctions.sdk`). */
export interface SdkServiceMetadata {
  /** The Java SDK's name for the service: the error prefix and the `Service:` of a cause (AWS's "exception prefix": `Sqs`, `DynamoDb`). */
  readonly name: string;
  /** How the service spells members on its wire; camelCase ones are translated from and to PascalCase. */
  readonly wireCase: 'pascal' | 'camel';
  /** Result members (PascalCase) the service answers in epoch seconds; the integration answers ISO-8601 text. @default none */
  readonly timestamps?: ReadonlySet<string>;
  /**
   * The JS SDK package whose commands are the API's operations and whose exported exceptions
   * are the errors the API model declares, and their base class. @default none: a state
   * machine may name any action, and every error is `<name>.<name>Exception`
   */
  readonly model?: { readonly package: string; readonly baseException: string };
  /** Whether the service answers each request with an extended request id (S3's `x-amz-id-2`), which the Java SDK's error message names. */
  readonly extendedRequestId?: boolean;
  /** Actions AWS does not offer as SDK integrations for this service. */
  readonly unsupported?: ReadonlySet<string>;
  /**
   * The API model the service checks requests against (lengths, ranges, enums, required
   * members), which in-process calls skip the endpoint for. Member types are not checked:
   * the integration converts parameters to the SDK's request types as it can. TestState
   * checks a mocked result against its outputs (without one, against the outputs of the
   * model named as the ARN names the service).
   */
  readonly apiModel?: ModelService;
}

/** A service aws-sdk integrations may name, by its name in the ARN: how AWS treats it, and its operations when the runtime hosts it. */
export interface SdkService {
  readonly arnName: string;
  readonly metadata: SdkServiceMetadata;
  readonly operations?: SdkOperations;
}

/**
 * The API operations of a service object: its `operations` record when it has one (as
 * StatesService and EventsService do), else its PascalCase methods (SqsService).
 */
export function apiOperations(service: object): SdkOperations {
  const declared = (service as { operations?: unknown }).operations;
  if (typeof declared === 'object' && declared !== null) return declared as SdkOperations;
  const operations: Record<string, (input: never, options?: SdkCallOptions) => Promise<unknown>> = {};
  for (let proto: object | null = service; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const method = (service as Record<string, unknown>)[name];
      if (/^[A-Z]/.test(name) && typeof method === 'function' && !(name in operations)) {
        operations[name] = (input: never, options?: SdkCallOptions) =>
          (method as (input: unknown, options?: unknown) => Promise<unknown>).call(service, input, options);
      }
    }
  }
  return operations;
}

/** The aws-sdk integrations of the services given, by their names in the ARN: those given their operations run here. */
export class SdkIntegrations {
  readonly #known = new Map<string, SdkServiceMetadata>();
  readonly #services = new Map<
    string,
    { metadata: SdkServiceMetadata; operations: SdkOperations; validate?: InputValidator; model?: ApiModel }
  >();

  constructor(
    services: readonly SdkService[],
    private readonly log?: (line: string) => void,
  ) {
    for (const { arnName, metadata, operations } of services) {
      this.#known.set(arnName, metadata);
      const validate = metadata.apiModel ? modelValidator(metadata.apiModel, { wrongType: () => undefined }) : undefined;
      const model = metadata.apiModel ? loadModel(metadata.apiModel) : undefined;
      if (operations) this.#services.set(arnName, { metadata, operations, validate, model });
    }
  }

  /** The services hosted here, by their names in the ARN. */
  get services(): string[] {
    return [...this.#services.keys()];
  }

  /** How AWS treats `aws-sdk:<service>`, hosted here or not; undefined when no module declares it. */
  metadata(service: string): SdkServiceMetadata | undefined {
    return this.#known.get(service);
  }

  /**
   * Why AWS rejects an aws-sdk Task resource when the state machine is created, or undefined:
   * SDK integrations have no `.sync` pattern, and the action must be an operation of the
   * service's API, spelled in camelCase (checked for the services whose SDK package is
   * declared and installed; any other service's actions are accepted here).
   */
  resourceError(resource: string): string | undefined {
    const m = /^arn:[^:]+:states:::aws-sdk:([a-z0-9-]+):([A-Za-z0-9]+)(?:\.(.+))?$/.exec(resource);
    if (!m) return undefined;
    const [, service = '', action = ''] = m;
    const pattern = m[3];
    const model = this.#known.get(service)?.model;
    // Checked against the SDK package's commands where it is installed (switchyard-cli need not carry every client).
    const sdk = model === undefined ? undefined : sdkModule(model.package);
    const known = sdk === undefined || (/^[a-z]/.test(action) && typeof sdk[`${pascal(action)}Command`] === 'function');
    if ((pattern === undefined || pattern === 'waitForTaskToken') && known) return undefined;
    return unrecognizedResource(resource);
  }

  /** Why `aws-sdk:<service>:<action>` cannot run here, or undefined when it can. */
  unsupported(service: string, action: string): string | undefined {
    const hosted = this.#services.get(service);
    if (!hosted) return `the local runtime does not host ${service}`;
    if (hosted.metadata.unsupported?.has(action)) return `AWS does not offer ${service}:${action} as an SDK integration`;
    if (!/^[a-z]/.test(action) || !hosted.operations[pascal(action)]) {
      return `the local ${service} does not implement ${pascal(action)}`;
    }
    return undefined;
  }

  /** Calls `<service>:<action>` with the task's parameters; answers the result as the integration does, or throws its TaskFailure. */
  async call(service: string, action: string, parameters: Record<string, unknown>, options: SdkCallOptions = {}): Promise<unknown> {
    const reason = this.unsupported(service, action);
    if (reason)
      throw new TaskFailure(
        'States.Runtime',
        `The resource 'arn:aws:states:::aws-sdk:${service}:${action}' cannot run locally: ${reason}.`,
      );
    const { metadata } = this.#services.get(service) as { metadata: SdkServiceMetadata };
    let output: unknown;
    try {
      output = await this.request(service, action, parameters, options);
    } catch (error) {
      throw this.#failure(metadata, error);
    }
    return resultShape(output ?? {}, metadata);
  }

  /**
   * Calls `<service>:<action>` of a hosted service with PascalCase parameters, as the AWS SDK
   * integrations and EventBridge's universal targets (`arn:aws:events:::aws-sdk:<service>:<action>`)
   * do: converted to the service's request types and checked against its API model. Answers
   * the service's own answer and throws the service's own error (an AwsError, or an SDK
   * client's); `call` above makes them what a state machine sees.
   * @throws TypeError when the runtime cannot run it (check `unsupported` first)
   */
  async request(service: string, action: string, parameters: Record<string, unknown>, options: SdkCallOptions = {}): Promise<unknown> {
    const hosted = this.#services.get(service);
    const reason = this.unsupported(service, action);
    if (!hosted || reason) throw new TypeError(`aws-sdk:${service}:${action} cannot run locally: ${reason}`);
    const { metadata, operations, validate, model } = hosted;
    const operation = operations[pascal(action)] as (input: unknown, options: SdkCallOptions) => Promise<unknown>;
    const renamed = metadata.wireCase === 'camel' ? renameMembers(parameters, camel) : parameters;
    const input = model ? asRequestTypes(model, pascal(action), renamed) : renamed;
    validate?.(pascal(action), input);
    await options.authorize?.();
    return operation(input, options);
  }

  #failure(metadata: SdkServiceMetadata, error: unknown): TaskFailure {
    if (error instanceof TaskFailure) return error;
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
    const code = error instanceof AwsError ? error.code : e.$metadata ? e.name : undefined;
    if (code === undefined) this.log?.(`aws-sdk ${metadata.name} call failed: ${(error as Error).stack ?? String(error)}`);
    const status = error instanceof AwsError ? error.status : (e.$metadata?.httpStatusCode ?? 500);
    const requestId = e.$metadata?.requestId ?? randomUUID();
    // Query-protocol services (SNS) answer a short code that the model maps to its exception (`ParameterValueInvalid`).
    const queryException = code === undefined || !metadata.model ? undefined : queryErrorExceptions(metadata.model.package).get(code);
    const modeledName = code === undefined || !metadata.model ? undefined : modeledException(metadata.model, code);
    const exception = queryException ?? modeledName ?? `${metadata.name}Exception`;
    const extended = metadata.extendedRequestId ? `, Extended Request ID: ${randomBytes(56).toString('base64')}` : '';
    // The Java SDK (since 2.30, January 2025) ends its message with the attempts it made: one, as the integration does not retry.
    return new TaskFailure(
      `${metadata.name}.${exception}`,
      `${e.message ?? String(error)} (Service: ${metadata.name}, Status Code: ${status}, Request ID: ${requestId}${extended}) (SDK Attempt Count: 1)`,
    );
  }
}

/** `sendTaskSuccess` -> `SendTaskSuccess`. */
const pascal = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
const camel = (name: string) => `${name.charAt(0).toLowerCase()}${name.slice(1)}`;

/** The Java SDK v2 class of a modeled error: a `Fault` suffix becomes `Exception`, any other name gains it. */
function javaExceptionName(code: string): string {
  const base = code.replace(/Fault$/, '');
  return base.endsWith('Exception') ? base : `${base}Exception`;
}

const requireSdk = createRequire(import.meta.url);
const sdkModules = new Map<string, Record<string, unknown> | undefined>();

/** A service's JS SDK client package: its API model, as commands and exceptions (loaded when first needed); undefined if not installed. */
function sdkModule(name: string): Record<string, unknown> | undefined {
  if (!sdkModules.has(name)) {
    try {
      sdkModules.set(name, requireSdk(name) as Record<string, unknown>);
    } catch {
      sdkModules.set(name, undefined);
    }
  }
  return sdkModules.get(name);
}

const modeled = new Map<string, ReadonlySet<string>>();

/** The error names a service's API model declares: the exceptions its JS SDK client exports. */
function modeledErrors(model: NonNullable<SdkServiceMetadata['model']>): ReadonlySet<string> {
  let names = modeled.get(model.package);
  if (!names) {
    const sdk = sdkModule(model.package) ?? {};
    const base = sdk[model.baseException] as (new (...args: never[]) => unknown) | undefined;
    names = new Set(
      base
        ? Object.entries(sdk)
            .filter(([, value]) => typeof value === 'function' && value.prototype instanceof base)
            .map(([name]) => name)
        : [],
    );
    modeled.set(model.package, names);
  }
  return names;
}

/**
 * The Java SDK's class of an error code a service's model declares (`ResourceNotFoundException`,
 * `InternalServerError` -> `InternalServerErrorException`); undefined for one it does not
 * (`ValidationException` of DynamoDB), which the SDK throws as its service's generic exception.
 */
export function modeledException(model: NonNullable<SdkServiceMetadata['model']>, code: string): string | undefined {
  const declared = modeledErrors(model);
  return declared.has(code) || declared.has(`${code}Exception`) ? javaExceptionName(code) : undefined;
}

const queryExceptions = new Map<string, ReadonlyMap<string, string>>();

/**
 * Query error code -> exception name for a query-protocol service (`NotFound` ->
 * `NotFoundException`, `ParameterValueInvalid` -> `InvalidParameterValueException`), from
 * the `awsQueryError` traits of the error schemas its SDK package exports (`<Name>$`).
 */
export function queryErrorExceptions(sdkPackage: string): ReadonlyMap<string, string> {
  let byCode = queryExceptions.get(sdkPackage);
  if (!byCode) {
    const found = new Map<string, string>();
    for (const [name, schema] of Object.entries(sdkModule(sdkPackage) ?? {})) {
      if (!name.endsWith('Exception$') || !Array.isArray(schema)) continue;
      const code = (schema[3] as { awsQueryError?: [string, number] } | undefined)?.awsQueryError?.[0];
      if (typeof code === 'string') found.set(code, name.slice(0, -1));
    }
    byCode = found;
    queryExceptions.set(sdkPackage, byCode);
  }
  return byCode;
}

/** A service's answer as the integration's result: PascalCase members, ISO-8601 timestamps, base64 bytes, no undefined members. */
function resultShape(output: unknown, metadata: SdkServiceMetadata): unknown {
  const renamed = metadata.wireCase === 'camel' ? renameMembers(output, pascal) : output;
  return normalize(renamed, metadata.timestamps ?? new Set());
}

function normalize(value: unknown, timestamps: ReadonlySet<string>, key?: string): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'number' && key !== undefined && timestamps.has(key)) return new Date(Math.round(value * 1000)).toISOString();
  if (Array.isArray(value)) return value.map((item) => normalize(item, timestamps));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = normalize(v, timestamps, k);
  return out;
}

/** Renames the members of structures, at every depth; only camelCase services go through here, and their API has no maps with user keys. */
function renameMembers(value: unknown, rename: (name: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameMembers(item, rename));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), renameMembers(v, rename)]));
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** AWS's InvalidDefinition reason for a Task resource it does not know. */
export const unrecognizedResource = (resource: string) =>
  `The resource provided ${resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.`;
