import type { DeniedAnswer } from '../iam/authorizations.js';
import type { ServiceName } from '../service-registry/service-module.js';
import { apiOperations, SdkIntegrations, unrecognizedResource } from './aws-sdk-integrations.js';
import type {
  DeclaredIntegrations,
  IntegrationContext,
  OptimizedIntegrations,
  SdkIntegration,
  StepFunctionsIntegrations,
} from './integration-declarations.js';

export type {
  ActionRun,
  ArnTasks,
  DeclaredIntegrations,
  IntegrationContext,
  OptimizedAction,
  OptimizedIntegrations,
  Pattern,
  SdkIntegration,
  StepFunctionsIntegrations,
} from './integration-declarations.js';

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

  /**
   * Why AWS rejects a Task resource when the state machine is created, or undefined: an AWS SDK
   * integration's reasons (SdkIntegrations.resourceError), or an action an optimized
   * integration that lists all of AWS's does not list.
   */
  resourceError(resource: string): string | undefined {
    const [, service = '', action = ''] = /^arn:[^:]+:states:::([a-z0-9-]+):([A-Za-z0-9]+)(?:\.[a-z0-9:]+)?$/.exec(resource) ?? [];
    const optimized = this.#optimized.get(service);
    if (optimized?.exhaustive && !Object.hasOwn(optimized.actions, action)) return unrecognizedResource(resource);
    return this.sdk.resourceError(resource);
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
