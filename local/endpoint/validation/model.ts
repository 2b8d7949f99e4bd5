import { readdirSync, readFileSync } from 'node:fs';

/**
 * A trimmed botocore service model (`../aws-models/<service>.json`, written by
 * `../aws-models/refresh-models.ts`): the input shapes of the operations a local service serves.
 */
export interface ApiModel {
  readonly botocoreVersion: string;
  readonly metadata: {
    readonly apiVersion: string;
    readonly protocol: string;
    readonly targetPrefix?: string;
    /** The namespace of a query service's XML answers (services whose protocol is driven by the model). */
    readonly xmlNamespace?: string;
    readonly signingName?: string;
    /** The service's endpoint prefix, its signing name where the model gives none. */
    readonly endpointPrefix?: string;
    readonly serviceId?: string;
    /** botocore's `<service>-<api version>`: the Smithy namespace of RPC v2 CBOR's error types (protocol-driven models only). */
    readonly uid?: string;
  };
  readonly operations: Readonly<Record<string, ModelOperation>>;
  /** The service's other operations, by name, with their routes: what the local service does not serve (protocol-driven models only). */
  readonly otherOperations?: Readonly<Record<string, ModelOperation['http']>>;
  /** Error shape -> the member its text travels in (`message`, or `Message`), for the served operations' errors (models not protocol-driven only). */
  readonly errorMessages?: Readonly<Record<string, string>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

export interface ModelOperation {
  /** The input structure's shape name; absent for operations without input. */
  readonly input?: string;
  /** The output structure's shape name (protocol-driven models only). */
  readonly output?: string;
  /** The query protocol's element wrapping the output (`SendEmailResult`). */
  readonly resultWrapper?: string;
  /** The error shapes the operation answers with (protocol-driven models only). */
  readonly errors?: readonly string[];
  readonly http: {
    readonly method: string;
    readonly requestUri: string;
    readonly responseCode?: number;
    /**
     * An unserved REST-XML operation's required query-string and header members, which tell its
     * route from a served one's on the same path (ListParts' `uploadId`; protocol-driven models only).
     */
    readonly requiredQuery?: readonly string[];
    readonly requiredHeaders?: readonly string[];
  };
}

export type ShapeType =
  | 'structure'
  | 'list'
  | 'map'
  | 'string'
  | 'integer'
  | 'long'
  | 'float'
  | 'double'
  | 'boolean'
  | 'timestamp'
  | 'blob';

export interface Shape {
  readonly type: ShapeType;
  readonly required?: readonly string[];
  readonly members?: Readonly<Record<string, MemberRef>>;
  readonly member?: MemberRef;
  readonly key?: MemberRef;
  readonly value?: MemberRef;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  /** AWS leaves the value of a sensitive member out of its error messages. */
  readonly sensitive?: boolean;
  /** A query list or map without its `member`/`entry` wrapper (protocol-driven models only). */
  readonly flattened?: boolean;
  /** The XML element name of a list's members (protocol-driven models only). */
  readonly locationName?: string;
  readonly timestampFormat?: string;
  /** Any JSON value (Smithy's `document`), modelled as a structure without members. */
  readonly document?: boolean;
  /** An error shape's code (when not the shape's name), HTTP status and fault (protocol-driven models only). */
  readonly error?: { readonly code?: string; readonly httpStatusCode?: number; readonly senderFault?: boolean };
  readonly exception?: boolean;
  /** The member that is a REST request's or response's whole body (Polly's AudioStream; protocol-driven models only). */
  readonly payload?: string;
  /** A union whose members are the events of an event stream (ConverseStream's; protocol-driven models only). */
  readonly eventstream?: boolean;
}

export interface MemberRef {
  readonly shape: string;
  /** Where a REST member travels: `uri`, `querystring`, `header`, `headers` (absent: the body). */
  readonly location?: string;
  readonly locationName?: string;
  /** The EC2 protocol's name of an input member, where not its capitalized `locationName` (protocol-driven models only). */
  readonly queryName?: string;
  readonly flattened?: boolean;
  readonly timestampFormat?: string;
}

/**
 * The APIs whose models are in `../aws-models/`, by botocore's name, each with the module that
 * serves it: a module that declares an API (`apis` in local/<service>/module.ts) adds it here
 * (TypeScript merges the declarations), so a model is loaded by a name some module serves.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each local/<service>/module.ts
export interface ApiModels {}

/** The name of an API model some module serves. */
export type ModelService = keyof ApiModels & string;

const loaded = new Map<ModelService, ApiModel>();

/** The model of a service, read once from the repository. */
export function loadModel(service: ModelService): ApiModel {
  let model = loaded.get(service);
  if (model === undefined) {
    model = JSON.parse(readFileSync(new URL(`../aws-models/${service}.json`, import.meta.url), 'utf8')) as ApiModel;
    loaded.set(service, model);
  }
  return model;
}

/** Every API model in `../aws-models/` (each one some module serves), by name. */
export function apiModelNames(): ModelService[] {
  return readdirSync(new URL('../aws-models/', import.meta.url))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length) as ModelService);
}

/**
 * The member of an error's JSON body that carries its text, as the service's model declares
 * the error's shape: `message` unless it says otherwise (DynamoDB's TransactionCanceledException
 * says `Message`, and the SDK reads it from there), and for errors the model does not declare.
 */
export function errorMessageMember(service: ModelService, code: string): string {
  const model = loadModel(service);
  const named = model.errorMessages?.[code];
  if (named !== undefined) return named;
  // A model the endpoint speaks the protocol of keeps the error shapes themselves (Lambda's ResourceNotFoundException's `Message`).
  return Object.keys(model.shapes[code]?.members ?? {}).find((member) => member.toLowerCase() === 'message') ?? 'message';
}

/**
 * Services Step Functions calls (AWS SDK integrations most used from state machines) that no
 * module serves from an API model here: refresh-models.ts writes their output shapes beside
 * those of every API model. None at present (Secrets Manager, the last, serves its model).
 */
export const OUTPUT_ONLY_MODELS: readonly string[] = [];

/** The name of a service whose output shapes are in `../aws-models/outputs/`. */
export type OutputModelService = string;

let outputModels: ReadonlySet<OutputModelService> | undefined;

/**
 * The services whose output shapes are in `../aws-models/outputs/`: every API model's, and
 * OUTPUT_ONLY_MODELS' (refresh-models.ts writes them); what TestState checks a mocked result
 * against (`mock.fieldValidationMode`). Read from the folder, so that a model added is checked.
 */
export function outputModelServices(): ReadonlySet<OutputModelService> {
  outputModels ??= new Set(
    readdirSync(new URL('../aws-models/outputs/', import.meta.url))
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -'.json'.length)),
  );
  return outputModels;
}

/** A trimmed botocore model of a service's outputs: each operation's output shape, and the shapes they reach. */
export interface OutputModel {
  readonly botocoreVersion: string;
  /** Operation name -> its output structure's shape name (operations without output are absent). */
  readonly operations: Readonly<Record<string, string>>;
  readonly shapes: Readonly<Record<string, OutputShape>>;
}

/** An output shape: an input shape's checks, with members naming their shapes directly (and `document`, any JSON). */
export interface OutputShape extends Pick<Shape, 'required' | 'min' | 'max' | 'enum'> {
  readonly type: ShapeType | 'document';
  /** Member name -> shape name. */
  readonly members?: Readonly<Record<string, string>>;
  readonly member?: string;
  readonly key?: string;
  readonly value?: string;
}

const loadedOutputs = new Map<OutputModelService, OutputModel>();

/** The output model of a service, read once from the repository. */
export function loadOutputModel(service: OutputModelService): OutputModel {
  let model = loadedOutputs.get(service);
  if (model === undefined) {
    model = JSON.parse(readFileSync(new URL(`../aws-models/outputs/${service}.json`, import.meta.url), 'utf8')) as OutputModel;
    loadedOutputs.set(service, model);
  }
  return model;
}
