import type { DatabaseSync } from 'node:sqlite';
import type { ModelBackend } from '../bedrock/simulated.js';
import type { ResourceOf, ServiceIam } from '../iam/authorizations.js';
import type { AsyncJob } from '../store/async-jobs.js';
import type { LoadedResource } from '../template/load.js';
import type { ResourceTypes } from '../template/resource-spec.js';
import type { Clock } from '../time/clock.js';

/** A request's members, in the API's JSON shape. */
export type Input = Readonly<Record<string, unknown>>;

/** An S3 object a request names (Textract's `S3Object`: Bucket, Name, Version). */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
  readonly version?: string;
}

/** What a leaf service's answers may use of the runtime. */
export interface LeafContext {
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly clock: Clock;
  /** A number drawn from the request's digest: the seed of whatever the answer makes up. */
  readonly seed: number;
  /** The request's digest (hex), for ids that one request always gets. */
  readonly digest: string;
  /**
   * An S3 object's bytes, read as the caller (its role's s3:GetObject, checked by IAM; in a
   * job's work, the caller that submitted it); the S3 error (NoSuchKey, AccessDenied) for one
   * that cannot be read, for the service to word.
   */
  readObject(location: S3Location): Promise<Buffer>;
  /**
   * Writes an object to S3: as the service (Transcribe's transcript in the output bucket), or
   * with `asCaller` as the caller (its s3:PutObject checked, as Data Automation writes its output).
   */
  writeObject(location: S3Location, body: Buffer, contentType: string, options?: { readonly asCaller?: true }): Promise<void>;
  /** The template's resources of a type (Data Automation's projects and blueprints), as the loader identified them. */
  resources(type: string): readonly LoadedResource[];
  /** A schema-valid value of one of the model's shapes, drawn from the seed. */
  example(shape: string): unknown;
  /** The service's asynchronous jobs (declared by its `jobs`). */
  readonly jobs: LeafJobs;
  /** The service's database in the data folder (declared by its `stateful`): what its API creates, kept across restarts. */
  db(): DatabaseSync;
}

/** A leaf service's asynchronous jobs: submitted by its Start operations, read by its Get and List. */
export interface LeafJobs {
  /** Accepts a job of `kind` (one its declaration's `jobs` runs); a token already used for that kind answers its job. */
  submit(kind: string, input: Input, options: { readonly id?: string; readonly token?: string }): AsyncJob<Input, unknown>;
  get(kind: string, id: string): AsyncJob<Input, unknown> | undefined;
  list(kind: string): AsyncJob<Input, unknown>[];
  delete(id: string): void;
}

/** An operation answered as a model call (Translate, Comprehend's classification) when its service's backend is a model. */
export interface ModelCall {
  /** What the model is asked: its instructions and the text. */
  prompt(input: Input): { readonly system: string; readonly text: string };
  /** The operation's output from the model's answer text. */
  output(answer: string, input: Input): unknown;
}

/** One operation of a leaf service. */
export interface LeafOperation {
  /**
   * Its simulated answer, meaningful where that is cheap (Textract reading a document's
   * text). @default a schema-valid output drawn from the request's digest (shapeExample)
   */
  simulate?(input: Input, context: LeafContext): Promise<unknown> | unknown;
  /** How a model backend answers it. @default it is simulated whatever the backend */
  readonly modelCall?: ModelCall;
}

/** A kind of asynchronous job: its work once due, and how long it queues and runs on the runtime's clock. */
export interface LeafJobKind {
  readonly queuedMs: number;
  readonly runMs: number;
  /** The job's output; AsyncJobFailed for a failure AWS reports in the job (an object it cannot read). */
  run(input: Input, context: LeafContext, id: string): Promise<unknown>;
  /** Told once the job has ended (Textract's NotificationChannel, Data Automation's EventBridge event). */
  settled?(job: AsyncJob<Input, unknown>, notify: LeafNotify): Promise<void>;
}

/** Where a job's completion notice goes. */
export interface LeafNotify {
  /** Publishes a message to an SNS topic. */
  publish(topicArn: string, message: string): Promise<void>;
  /** Puts a service's event on the account's default event bus. */
  putEvent(event: {
    readonly source: string;
    readonly 'detail-type': string;
    readonly resources: string[];
    readonly detail: unknown;
  }): void;
}

/**
 * A leaf service as the engine (local/ai-services/) serves it: everything the runtime
 * knows of it beyond its botocore model, which gives its protocol, its operations' input
 * and output shapes and its errors.
 */
export interface LeafServiceDeclaration {
  /** botocore's model name, the module's name and the IAM prefix (`textract`). */
  readonly name: LeafServiceName;
  /** As the start-up report and the Java SDK name it (`Textract`): Step Functions' errors are `<title>.<Exception>`. */
  readonly title: string;
  /** The AWS SDK for JavaScript v3 client whose API it answers. */
  readonly sdkClient: { readonly package: string; readonly serviceId: string; readonly baseException: string };
  /** The operations it serves. */
  readonly operations: Readonly<Record<string, LeafOperation>>;
  /**
   * It keeps what its API creates (Rekognition's collections and faces) in its database,
   * which its answers reach as `context.db()`. @default only a service with `jobs` has one
   */
  readonly stateful?: true;
  /** Its kinds of asynchronous jobs. @default none */
  readonly jobs?: Readonly<Record<string, LeafJobKind>>;
  /**
   * The resource each operation is authorized on where the Service Authorization Reference
   * requires one (a Transcribe job's ARN); the others are authorized on `*`. @default none
   */
  readonly iamResources?: Readonly<Record<string, ResourceOf>>;
  /** A REST-JSON service's paths (Polly's `/v1/...`). */
  readonly restPaths?: RegExp;
  /** Result members in epoch seconds, which Step Functions answers as ISO-8601 text. @default none */
  readonly timestamps?: readonly string[];
  /**
   * How IAM authorizes its operations, for a service whose actions are another's prefix
   * (Data Automation's `bedrock:InvokeDataAutomationAsync`, on its project and profile).
   * @default each operation `<name>:<Operation>` on `*`
   */
  readonly iam?: ServiceIam;
  /** Its name in Step Functions' `aws-sdk:<name>:<action>` tasks. @default its name */
  readonly stepFunctionsName?: string;
  /** The CloudFormation resource types it reads from the template (`resources`). @default none */
  readonly resourceTypes?: ResourceTypes;
}

/** The leaf services, each declared in its own file of this folder. */
export type LeafServiceName =
  | 'textract'
  | 'comprehend'
  | 'translate'
  | 'rekognition'
  | 'polly'
  | 'transcribe'
  | 'bedrock-data-automation-runtime';

/** What a model-call operation needs of its backend. */
export type { ModelBackend };
