import type { OutputModelService } from '../endpoint/validation/model.js';
import type { DeniedAnswer, ServiceIam } from '../iam/authorizations.js';
import type { RuntimeSettings, ServiceLookup, ServiceName } from '../services/service-module.js';
import { apiOperations, SdkIntegrations, type SdkOperations, type SdkServiceMetadata } from './aws-sdk-integrations.js';
import type { TaskRequest } from './engine/index.js';
import type { TaskEnvironment } from './integrations/shared.js';

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
  /** A Task whose resource is one of the service's own ARNs (a Lambda function's, as ASL allows): how it runs. */
  readonly ownArns?: ArnTasks<O>;
}

export interface OptimizedAction<O> {
  readonly patterns: readonly Pattern[];
  /** The request IAM authorizes for the task: its operation and input. @default the action in PascalCase, with the task's parameters */
  request?(args: Record<string, unknown>): { readonly operation: string; readonly input: unknown };
  run(env: TaskEnvironment, operations: O, args: Record<string, unknown>, request: TaskRequest, pattern: Pattern): Promise<unknown>;
}

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

/** A module list whose integrations cannot be told apart, or running services no module declares integrations for. */
export class TaskIntegrationError extends Error {
  override readonly name = 'TaskIntegrationError';
}

/** An AWS SDK integration's service as IAM names it, and its answer to a request IAM refuses (its module's `iam.accessDenied`). */
export interface SdkIam {
  readonly service: string;
  readonly accessDenied: DeniedAnswer;
}

/** The refusal of a service whose module declares no IAM: AWS's most common answer. */
const ACCESS_DENIED: DeniedAnswer = { code: 'AccessDeniedException', status: 400 };

/** An optimized integration's service, by its name in the resource ARN, with what its tasks call (undefined: not running). */
export interface OptimizedService extends OptimizedIntegrations<unknown> {
  readonly accessDenied: DeniedAnswer;
  readonly operations?: unknown;
}

/**
 * Every declared integration by what a Task resource names (an optimized integration's
 * service, an AWS SDK integration's name), with what the runtime runs of them: the running
 * services (`running`, by module name), their AWS SDK integrations listed in that order.
 */
export class TaskIntegrations {
  readonly #optimized = new Map<string, OptimizedService>();
  /** How IAM names each AWS SDK integration's service (`sfn`: `states`) and how the service answers a refusal, by its name in the ARN. */
  readonly #sdkIam = new Map<string, SdkIam>();
  /** The AWS SDK integrations of the running services (and how AWS treats each declared one). */
  readonly sdk: SdkIntegrations;

  constructor(
    declared: readonly DeclaredIntegrations[],
    running: Readonly<Record<string, object | undefined>>,
    log?: (line: string) => void,
  ) {
    const byName = new Map(declared.map((d) => [d.name, d]));
    const unknown = Object.keys(running).filter((name) => !byName.has(name));
    if (unknown.length > 0) {
      throw new TaskIntegrationError(
        `services given for ${unknown.join(', ')}, which no module declares Step Functions integrations for (declared: ${[...byName.keys()].join(', ')})`,
      );
    }
    for (const { name, iam, stepFunctions } of declared) {
      const optimized = stepFunctions.optimized as OptimizedIntegrations<unknown> | undefined;
      if (optimized !== undefined) {
        // An optimized integration's resource names the service as IAM does (`sqs:sendMessage`).
        if (iam === undefined) throw new TaskIntegrationError(`${name} declares optimized integrations but no IAM prefix to name them by`);
        this.#optimized.set(iam.prefix, { ...optimized, accessDenied: iam.accessDenied, operations: running[name] });
      }
      for (const arnName of Object.keys(stepFunctions.sdk ?? {})) {
        if (this.#sdkIam.has(arnName)) throw new TaskIntegrationError(`two modules declare the AWS SDK integration ${arnName}`);
        this.#sdkIam.set(arnName, { service: iam?.prefix ?? arnName, accessDenied: iam?.accessDenied ?? ACCESS_DENIED });
      }
    }
    const order = [...Object.keys(running), ...declared.map((d) => d.name).filter((name) => !(name in running))];
    const sdkServices = order.flatMap((name) =>
      Object.entries((byName.get(name)?.stepFunctions.sdk ?? {}) as Readonly<Record<string, SdkIntegration<object>>>).map(
        ([arnName, metadata]) => {
          const service = running[name];
          const operations = service && (metadata.operations?.(service, log) ?? apiOperations(service));
          return { arnName, metadata, operations };
        },
      ),
    );
    this.sdk = new SdkIntegrations(sdkServices, log);
  }

  /** The optimized integrations' service a resource names (`sqs`), undefined when no module declares it. */
  optimized(service: string): OptimizedService | undefined {
    return this.#optimized.get(service);
  }

  /** What the optimized integrations run, for the message of a task that cannot: their resources, then the ARNs tasks may name. */
  get runs(): string[] {
    const services = [...this.#optimized];
    return [
      ...services.flatMap(([service, { actions }]) => Object.keys(actions).map((action) => `arn:aws:states:::${service}:${action}`)),
      ...services.flatMap(([, { ownArns }]) => (ownArns ? [ownArns.label] : [])),
    ];
  }

  /** How IAM names the service of `aws-sdk:<name>` (`sfn` is `states`), and how the service answers a request IAM refuses. */
  sdkIam(name: string): SdkIam {
    return this.#sdkIam.get(name) ?? { service: name, accessDenied: ACCESS_DENIED };
  }

  /** The botocore model whose output a task's result is (TestState's check of a mock), by what its resource names. */
  outputModel(service: string, sdk: boolean): string | undefined {
    return sdk ? (this.sdk.metadata(service)?.apiModel ?? service) : this.#optimized.get(service)?.outputModel;
  }
}

/**
 * The running services' in-process operations, as their modules' `connect` makes them (by
 * module name), and the release of what that opened: what the states module gives its
 * service (Step Functions' own it runs against itself).
 */
export function connectIntegrations(
  declared: readonly DeclaredIntegrations[],
  context: IntegrationContext,
): { readonly services: Readonly<Record<string, object>>; disconnect(): void } {
  const connected = declared.map(({ name, stepFunctions }) => {
    const integrations = stepFunctions as StepFunctionsIntegrations<unknown, object>;
    const service = context.services.get(name as ServiceName) as object;
    return { name, integrations, operations: integrations.connect?.(service, context) ?? service };
  });
  return {
    services: Object.fromEntries(connected.map(({ name, operations }) => [name, operations])),
    disconnect: () => {
      for (const { integrations, operations } of connected) integrations.disconnect?.(operations);
    },
  };
}
