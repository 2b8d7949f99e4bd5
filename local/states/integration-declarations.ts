import type { OutputModelService } from '../endpoint/validation/model.js';
import type { ServiceIam } from '../iam/authorizations.js';
import type { RuntimeSettings, ServiceLookup, ServiceName, ServiceTypes } from '../service-registry/service-module.js';
import type { SdkOperations, SdkServiceMetadata } from './aws-sdk-integrations.js';
import type { TaskRequest } from './engine/index.js';
import type { TaskEnvironment } from './integrations/shared.js';

/*
 * What a module may declare of its Step Functions integrations (local/states runs them:
 * task-integrations.ts). Step Functions' module collects them (`collects: 'stepFunctions'`):
 * the generic module contract (services/service-module.ts) gets the field from here, by
 * declaration merging, and names no service itself.
 */
declare module '../service-registry/service-module.js' {
  interface Contributions {
    stepFunctions: StepFunctionsIntegrations<never, unknown>;
  }
  interface ServiceModule<N extends ServiceName = ServiceName, D = undefined> {
    /**
     * Its Step Functions integrations (`local/<service>/step-functions.ts`): the optimized ones
     * (`arn:aws:states:::sqs:sendMessage`) with their patterns, the AWS SDK ones (`aws-sdk:sqs:*`)
     * with how AWS treats the service, how their errors are named (a refusal's code and status
     * are its `iam.accessDenied`), and what of its running service the tasks call.
     */
    readonly stepFunctions?: StepFunctionsIntegrations<ServiceTypes[N], unknown>;
  }
  interface RegisteredModule {
    readonly stepFunctions?: StepFunctionsIntegrations<never, unknown>;
  }
}

/** How a Task waits on an integration: the request answered, the job run to its end, or the task token sent back. */
export type Pattern = 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken';

/**
 * A service's Step Functions integrations, as its module declares them (`stepFunctions`):
 * what a Task resource may name of the service, what of the running service the tasks call,
 * and how AWS names their errors. Step Functions runs every module's (TaskIntegrations).
 * `S` is the module's service; `O` what its tasks call in process (the service unless `connect` makes another).
 */
export interface StepFunctionsIntegrations<S = unknown, O = S> {
  /** What its tasks call in process, made from the running service (a client, an adapter). @default the service itself */
  connect?(service: S, context: IntegrationContext): O;
  /** Releases what `connect` opened, when Step Functions closes. */
  disconnect?(operations: O): void;
  /** Its optimized integrations: `arn:aws:states:::<its IAM prefix>:<action>`. */
  readonly optimized?: OptimizedIntegrations<O>;
  /** Its AWS SDK integrations, by their name in the ARN (`aws-sdk:sqs:*`): how AWS treats each, and its API operations. */
  readonly sdk?: Readonly<Record<string, SdkIntegration<O>>>;
}

/** What a module's `connect` may use beside its service. */
export interface IntegrationContext {
  readonly services: ServiceLookup;
  readonly settings: RuntimeSettings;
}

export interface OptimizedIntegrations<O> {
  /**
   * The AWS SDK for Java's names in its tasks' errors: `<prefix>.<Exception>`, the cause's
   * `Service:`, and the exception a request IAM refuses fails with (the cause then gives the
   * code and status of the module's `iam.accessDenied`).
   */
  readonly errors: { readonly prefix: string; readonly service: string; readonly accessDenied: string };
  /**
   * botocore's model of the API whose operations' outputs its tasks' results are: what
   * TestState checks a mocked result against. @default none: the results are not an
   * operation's output (Bedrock's InvokeModel answers the model's body)
   */
  readonly outputModel?: OutputModelService;
  /** Its actions (`sendMessage`): the patterns each supports and how a task runs it. */
  readonly actions: Readonly<Record<string, OptimizedAction<O>>>;
  /**
   * Its actions are all those AWS offers for the service, so CreateStateMachine refuses a Task
   * naming another, as AWS does (`The resource provided ... is not recognized`). @default false:
   * AWS offers more than run here, and accepts them
   */
  readonly exhaustive?: boolean;
  /** A Task whose resource is one of the service's own ARNs (a Lambda function's, as ASL allows): how it runs. */
  readonly ownArns?: ArnTasks<O>;
}

export interface OptimizedAction<O> {
  readonly patterns: readonly Pattern[];
  /**
   * The request IAM authorizes for the task: its operation and input; undefined when the task
   * asks nothing of the execution's role (what it calls authorizes the call itself).
   * @default the action in PascalCase, with the task's parameters
   */
  request?(args: Record<string, unknown>): { readonly operation: string; readonly input: unknown } | undefined;
  /**
   * Why Step Functions refuses the task's parameters before it schedules the task (the state
   * then fails with States.Runtime and this cause, nothing scheduled), or undefined. @default none refused
   */
  refuses?(args: Record<string, unknown>): string | undefined;
  run(env: TaskEnvironment, operations: O, args: Record<string, unknown>, request: TaskRequest, pattern: Pattern): Promise<unknown>;
}

/** How an optimized action runs a task: each service's actions are typed with it, their parameters read from it. */
export type ActionRun<O> = OptimizedAction<O>['run'];

export interface ArnTasks<O> {
  /** What they are, for the message of a task that cannot run (`Lambda function ARNs`). */
  readonly label: string;
  /** The request IAM authorizes for a task naming `arn`. */
  request(arn: string): { readonly operation: string; readonly input: unknown };
  run(operations: O, arn: string, input: unknown, signal: AbortSignal): Promise<unknown>;
}

export interface SdkIntegration<O> extends SdkServiceMetadata {
  /** Its API operations in the API's shapes (PascalCase names). @default those apiOperations finds on what the tasks call */
  operations?(operations: O, log?: (line: string) => void): SdkOperations;
}

/** One module's declaration, as the registry hands it to Step Functions: its name, its IAM declaration, its integrations. */
export interface DeclaredIntegrations {
  readonly name: string;
  readonly iam?: ServiceIam;
  readonly stepFunctions: StepFunctionsIntegrations<never, unknown>;
}
