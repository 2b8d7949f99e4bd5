import type { DatabaseSync } from 'node:sqlite';
import type { PolicyDocument } from '../iam/policy-documents.js';
import type { Clock } from '../time/clock.js';
import type { DestinationSender } from './async/destinations.js';
import type { S3Reader } from './control-plane/function-code.js';
import type { NetworkLookup } from './control-plane/vpc-config.js';
import type { SqsForPoller, SqsMappingDefinition } from './event-source-mappings/sqs-event-source.js';
import type { RoleCredentials } from './runtime/function-environment.js';
import type { FunctionDefinition, FunctionLogs, InvocationNote, LogSink } from './runtime/function-runtime.js';
import type { InvocationFaults } from './runtime/invocation-faults.js';
import type { RuntimeSdk } from './runtime/runtime-sdk.js';
import type { FunctionUrls } from './urls/function-urls.js';

/** What the local Lambda service runs and is connected to (LambdaService). */
export interface LambdaServiceOptions {
  readonly functions: readonly FunctionDefinition[];
  /** The app's layers' folders, by what a function's `Layers` names them with: what a function CreateFunction makes may name. @default none */
  readonly layerFolders?: Readonly<Record<string, string>>;
  readonly sqsMappings: readonly SqsMappingDefinition[];
  readonly sqs: SqsForPoller;
  /** Variables every function gets on top of its own: the local endpoint, credentials, Lambda's reserved variables. */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  /**
   * The credentials of a function's execution role session, as Lambda puts them in its
   * environment (the endpoint knows the function's role by them). @default the base environment's
   */
  readonly roleCredentials?: RoleCredentials;
  readonly region: string;
  /**
   * IAM for an SQS event source mapping, checked before it polls: AWS's refusal (as
   * CreateEventSourceMapping answers it) when the function's role may not read the queue
   * and IAM enforces, else undefined. @default none
   */
  readonly authorizeSource?: (roleArn: string, queueArn: string, functionName: string) => Promise<string | undefined>;
  /** The account the functions' ARNs are in. @default the account of the first function's ARN, else 000000000000 */
  readonly accountId?: string;
  readonly log: LogSink;
  /** CloudWatch Logs, where every invocation's lines also go (the function's log group). @default the console only */
  readonly logs?: FunctionLogs;
  /** Where the asynchronous invocation queue lives. @default an in-memory database */
  readonly db?: DatabaseSync;
  readonly clock?: Clock;
  /** Where invocation records and dead-lettered events go. @default none: sending fails and is logged */
  readonly destinations?: DestinationSender;
  /** Asynchronous invocation timing for tests: the retry delays' factor and the queue's poll interval. */
  readonly asyncTiming?: { readonly delayScale?: number; readonly pollIntervalMs?: number };
  /** Called when each invocation starts and ends (the read API's lineage). */
  readonly onInvocation?: (note: InvocationNote) => void;
  /** Failures the testing API injects into invocations. */
  readonly faults?: InvocationFaults;
  /** The AWS SDK functions get without bundling it. @default what switchyard-cli carries, nothing fetched */
  readonly sdk?: RuntimeSdk;
  /** The template's function URLs, served at the endpoint (for the start-up report's addresses). */
  readonly functionUrls?: FunctionUrls;
  /** What new code needs before it first runs (the SDK packages it leaves to the runtime, fetched). @default nothing */
  readonly prepareCode?: (definition: FunctionDefinition) => Promise<void>;
  /** Where the code of functions CreateFunction makes is unpacked (they are kept in `db`). @default a temporary folder, made when first needed */
  readonly folder?: string;
  /** Reads a deployment package CreateFunction names in S3 (`Code.S3Bucket`). @default none: such a request is refused */
  readonly readS3?: S3Reader;
  /** EC2, which checks the subnets and security groups of a function's VpcConfig. @default none: a VpcConfig is taken as given */
  readonly network?: NetworkLookup;
  /** The endpoint's base URL: where GetFunction's Code.Location downloads a package CreateFunction uploaded. @default none */
  readonly url?: string;
  /** Where the policies AddPermission writes on the functions the API made go (IAM evaluates them); undefined removes one. @default none */
  readonly onPolicyChange?: (resourceArn: string, policy: PolicyDocument | undefined) => void;
}
