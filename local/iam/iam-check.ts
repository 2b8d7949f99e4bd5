import { randomUUID } from 'node:crypto';
import type { IamFindingSummary, IamReport } from '../../clients/read-api-contract.js';
import { AwsError } from '../endpoint/aws-error.js';
import type { LoadedApp } from '../template/load.js';
import {
  authorizationsFor,
  type OperationAuthorization,
  type OperationContext,
  type ServiceIam,
  UnknownOperationError,
} from './authorizations.js';
import { currentCaller } from './caller.js';
import { deliveryAuthorizations } from './deliveries.js';
import { describeDenial, grantHint, IamEvaluator } from './evaluator.js';
import { actionsOf } from './iam-catalogue.js';
import { type IamUse, roleReport } from './least-privilege.js';
import { PolicyStore } from './policy-store.js';
import { Principals, sessionArn } from './principals.js';
import type { ResourcePolicySource } from './resource-policies.js';
import type { IamDecision, IamPrincipal, IamRequest, PolicyProblem } from './types.js';

/** `off`: nothing is checked; `warn`: everything runs, what AWS would refuse is printed and listed; `enforce`: refused as AWS refuses. */
export type IamMode = 'off' | 'warn' | 'enforce';
const IAM_MODES: readonly IamMode[] = ['off', 'warn', 'enforce'];

/** An IAM mode that is not one: names where it came from and what it may be. */
class IamModeError extends Error {
  override readonly name = 'IamModeError';
}

/** The mode a setting names; throws naming the setting and the modes when it names none. */
export function parseIamMode(value: string, source: string): IamMode {
  const mode = value.trim().toLowerCase();
  if ((IAM_MODES as readonly string[]).includes(mode)) return mode as IamMode;
  throw new IamModeError(`${source}=${JSON.stringify(value)} is not an IAM mode: use one of ${IAM_MODES.join(', ')}`);
}

/**
 * A request AWS would refuse, as `switchyard failures`, `trace` and `switchyard iam` list it:
 * the read API's finding (clients/iam-report.ts), its times kept as epoch milliseconds.
 */
export interface IamFinding extends Omit<IamFindingSummary, 'firstAt' | 'lastAt'> {
  readonly firstAt: number;
  readonly lastAt: number;
}

/** A refused request: the error a caller answers or records, and the finding it made. */
export interface IamRefusal {
  readonly request: IamRequest;
  readonly decision: IamDecision;
  readonly message: string;
}

export interface IamCheckOptions {
  readonly mode: IamMode;
  /** How IAM authorizes each service's requests, by action prefix (what the service modules declare). */
  readonly services: ReadonlyMap<string, ServiceIam>;
  /** How each resource type sets resource policies (what the service modules declare). */
  readonly resourcePolicies: ReadonlyMap<string, ResourcePolicySource>;
  readonly accountId: string;
  readonly region: string;
  /** What role session keys' secrets derive from (the runtime's signing secret). */
  readonly masterSecret: string;
  /** Lookups the operations' authorizations need (a queue's key, an alias's key). */
  readonly lookups?: Omit<OperationContext, 'accountId' | 'region'>;
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

/**
 * IAM as the local runtime applies it: who calls (principals.ts), what each request needs
 * (each service's iam-authorizations.ts), what the app's policies decide (policy-store.ts, evaluator.ts), and what
 * the mode does with a refusal. Every refusal is a finding, printed once per principal,
 * action and resource; every authorization a role's session makes is counted for
 * `switchyard iam` (used, missing and unused grants).
 */
export class IamCheck {
  readonly principals: Principals;
  #store: PolicyStore;
  #evaluator: IamEvaluator;
  readonly #context: OperationContext;
  readonly #findings = new Map<string, IamFinding>();
  readonly #uses = new Map<string, Map<string, IamUse>>();
  readonly #unmapped = new Set<string>();
  readonly #listeners: (() => void)[] = [];
  /** The app whose policies the store holds (a reload compares the new one's with them). */
  #app: LoadedApp;
  /** Resource policies set through the API (SetQueueAttributes, PutPermission, ...), by ARN: a reload keeps them. */
  readonly #setThroughApi = new Map<string, unknown>();

  constructor(
    app: LoadedApp,
    private readonly options: IamCheckOptions,
  ) {
    this.principals = new Principals(options.masterSecret);
    this.#app = app;
    this.#store = PolicyStore.fromApp(app, options);
    this.#evaluator = this.#evaluatorOf(this.#store);
    this.#context = { accountId: options.accountId, region: options.region, ...options.lookups };
    // The catalogue of each service's actions is read on first use: read the services' now, not on the app's first request.
    if (options.mode !== 'off') for (const prefix of options.services.keys()) actionsOf(prefix);
  }

  get mode(): IamMode {
    return this.options.mode;
  }

  /** The policies as loaded (switchyard iam reads the roles' grants). */
  get store(): PolicyStore {
    return this.#store;
  }

  /** Policies the template holds that grant nothing as written (named at start-up). */
  get problems(): readonly PolicyProblem[] {
    return this.#store.problems;
  }

  /**
   * Takes a reloaded app's policies (`switchyard dev`); what was found and used so far stays.
   * A policy set through the API holds on, unless the new template changes that resource's
   * policy (as a deploy would set it again).
   */
  reload(app: LoadedApp): void {
    const settings = this.options;
    const before = PolicyStore.fromApp(this.#app, settings);
    this.#store = PolicyStore.fromApp(app, settings);
    this.#app = app;
    for (const [arn, policy] of this.#setThroughApi) {
      if (JSON.stringify(before.resourcePolicy(arn)) === JSON.stringify(this.#store.resourcePolicy(arn))) {
        this.#store.setResourcePolicy(arn, policy as never);
      } else this.#setThroughApi.delete(arn);
    }
    this.#evaluator = this.#evaluatorOf(this.#store);
    for (const listener of this.#listeners) listener();
  }

  /** A resource policy changed through the API (SetQueueAttributes `Policy`, AddPermission). */
  setResourcePolicy(arn: string, policy: unknown): void {
    this.#setThroughApi.set(arn, policy);
    this.#store.setResourcePolicy(arn, policy as never);
    for (const listener of this.#listeners) listener();
  }

  /**
   * Authorizes the request the endpoint is answering (its caller from the request's
   * signature): nothing for the administrator or with IAM off; under `enforce` a refusal
   * throws the service's AccessDenied error.
   */
  async authorizeCall(prefix: string, operation: string, input: unknown): Promise<void> {
    if (this.options.mode === 'off') return;
    const principal = this.principals.principalOf(currentCaller()?.accessKeyId);
    if (principal.kind === 'admin') return;
    const refusal = await this.authorize(principal, this.#authorizations(prefix, operation, input), operation);
    if (refusal) throw this.accessDenied(prefix, refusal);
  }

  /**
   * Authorizes what a principal asks outside a request to the endpoint (a delivery, a state
   * machine's task): the first refusal under `enforce`; under `warn` refusals are recorded
   * and undefined comes back.
   */
  async authorize(principal: IamPrincipal, requests: readonly OperationAuthorization[], where: string): Promise<IamRefusal | undefined> {
    return (await this.decideAll(principal, requests, where)).refusal;
  }

  /**
   * As `authorize`, and whether the policies allowed every authorization (not only let it run
   * under warn): what a caller may remember until `onChange` says the policies changed.
   */
  async decideAll(
    principal: IamPrincipal,
    requests: readonly OperationAuthorization[],
    where: string,
  ): Promise<{ readonly refusal?: IamRefusal; readonly allowed: boolean }> {
    if (this.options.mode === 'off' || principal.kind === 'admin') return { allowed: true };
    let allowed = true;
    for (const authorization of requests) {
      const request: IamRequest = { principal, ...authorization };
      const decision = await this.#evaluator.decide(request);
      this.#use(principal, authorization, decision.allowed);
      if (decision.allowed) continue;
      allowed = false;
      // The message is the one of the service whose action it is (SQS's, KMS's through SQS).
      const message = describeDenial(request, decision, this.options.services.get(request.action.split(':')[0] ?? '')?.accessDenied);
      this.#find(request, decision, message, where);
      if (this.options.mode === 'enforce') return { refusal: { request, decision, message }, allowed };
    }
    return { allowed };
  }

  /** Calls `listener` whenever the policies change (a reload, a resource policy set through the API). */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Authorizes a delivery a service makes (a rule's target, a subscription, a notification):
   * as the service principal, or as the role it assumes for the target; `synchronous` when
   * the service waits for the target's answer (a pipe's enrichment).
   */
  async authorizeDelivery(
    from: IamPrincipal,
    targetArn: string,
    source: { readonly arn: string; readonly account: string },
    where: string,
    synchronous = false,
  ): Promise<IamRefusal | undefined> {
    if (this.options.mode === 'off') return undefined;
    return this.authorize(from, deliveryAuthorizations(targetArn, source, this.#context, synchronous), where);
  }

  /**
   * Why a service may not assume a role of the template (its trust policy does not allow
   * `sts:AssumeRole` to the service principal, global or regional: `states.amazonaws.com` or
   * `states.<region>.amazonaws.com`), or undefined when it may or the role is not the
   * template's. AWS refuses to create the resource that names such a role. `onBehalfOf` is
   * the resource the service assumes the role for, when the service names it as AWS does
   * (Step Functions: the state machine, as `aws:SourceArn`, and its account as
   * `aws:SourceAccount`), so a trust policy that guards against the confused deputy with
   * those keys is evaluated as AWS evaluates it.
   */
  async untrustedBy(roleArn: string, service: string, onBehalfOf?: string): Promise<string | undefined> {
    if (this.options.mode === 'off' || !this.#store.roles().some((r) => r.roleArn === roleArn)) return undefined;
    const regional = service.replace(/\.amazonaws\.com$/, `.${this.options.region}.amazonaws.com`);
    const context = onBehalfOf === undefined ? undefined : { 'aws:SourceArn': onBehalfOf, 'aws:SourceAccount': this.options.accountId };
    for (const principal of [service, regional]) {
      const decision = await this.#evaluator.decide({
        principal: { kind: 'service', service: principal },
        action: 'sts:AssumeRole',
        resource: roleArn,
        ...(context ? { context } : {}),
      });
      if (decision.allowed) return undefined;
    }
    return `the trust policy of ${roleArn} does not let ${service} assume it`;
  }

  /** The authorizations of an operation, for callers that check them as another principal (a state machine's role). */
  authorizationsOf(prefix: string, operation: string, input: unknown): readonly OperationAuthorization[] {
    return this.#authorizations(prefix, operation, input);
  }

  /**
   * The error a service answers for a refused request. A refused KMS key behind a service's
   * resource (an encrypted queue or topic) is the service's KMS error (SQS's
   * `KMS.AccessDeniedException`, SNS's `KMSAccessDenied`) with KMS's message and the
   * details of KMS's answer after it, as the service relays them.
   */
  accessDenied(prefix: string, refusal: IamRefusal): AwsError {
    const answer = this.options.services.get(prefix)?.accessDenied ?? { code: 'AccessDeniedException', status: 400 };
    if (prefix !== 'kms' && refusal.request.action.startsWith('kms:')) {
      const { code, status } = answer.kms ?? { code: 'KMS.AccessDeniedException', status: 400 };
      const kms = `(Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: ${randomUUID()}; Proxy: null)`;
      return new AwsError(code, `${refusal.message} ${kms}`, status);
    }
    return new AwsError(answer.code, refusal.message, answer.status);
  }

  /** The read API's IAM report: the mode, the findings, per role used and unused grants, the policies' problems. */
  report(): IamReport {
    const uses = this.uses();
    return {
      mode: this.options.mode,
      findings: this.findings().map((f) => ({
        ...f,
        firstAt: new Date(f.firstAt).toISOString(),
        lastAt: new Date(f.lastAt).toISOString(),
      })),
      roles: this.#store.roles().map((role) => roleReport(role, this.#store.identityPolicies(role.roleArn), uses.get(role.roleArn) ?? [])),
      problems: this.#store.problems,
    };
  }

  /** What AWS would have refused, newest last. */
  findings(): readonly IamFinding[] {
    return [...this.#findings.values()];
  }

  /** Per role, each action on each resource its sessions asked for. */
  uses(): ReadonlyMap<string, readonly IamUse[]> {
    return new Map([...this.#uses].map(([role, uses]) => [role, [...uses.values()]]));
  }

  #evaluatorOf(store: PolicyStore): IamEvaluator {
    const { accountId, region, now } = this.options;
    return new IamEvaluator(store, { accountId, region, ...(now ? { now } : {}) });
  }

  #authorizations(prefix: string, operation: string, input: unknown): readonly OperationAuthorization[] {
    try {
      return authorizationsFor(this.options.services.get(prefix), operation, input, this.#context);
    } catch (error) {
      if (!(error instanceof UnknownOperationError)) throw error;
      // Not knowing an operation's action is ours to fix, not the caller's: said once, let through.
      const key = `${prefix}:${operation}`;
      if (!this.#unmapped.has(key)) {
        this.#unmapped.add(key);
        this.options.log(`[iam] ${key} is not checked: the local runtime does not know which IAM actions it needs`);
      }
      return [];
    }
  }

  #use(principal: IamPrincipal, authorization: OperationAuthorization, allowed: boolean): void {
    if (principal.kind !== 'role') return;
    const uses = this.#uses.get(principal.roleArn) ?? new Map<string, IamUse>();
    this.#uses.set(principal.roleArn, uses);
    const key = `${authorization.action} ${authorization.resource}`;
    const before = uses.get(key);
    uses.set(key, { action: authorization.action, resource: authorization.resource, allowed, count: (before?.count ?? 0) + 1 });
  }

  #find(request: IamRequest, decision: IamDecision, message: string, where: string): void {
    const principal = principalName(request.principal);
    const key = `${principal} ${request.action} ${request.resource}`;
    const now = this.options.now?.() ?? Date.now();
    const before = this.#findings.get(key);
    const mode = this.options.mode === 'enforce' ? 'enforce' : 'warn';
    const fix = grantHint(request, decision);
    this.#findings.delete(key);
    this.#findings.set(key, {
      principal,
      action: request.action,
      resource: request.resource,
      where,
      message,
      fix,
      mode,
      count: (before?.count ?? 0) + 1,
      firstAt: before?.firstAt ?? now,
      lastAt: now,
    });
    if (before) return;
    const verb = mode === 'enforce' ? 'refused' : 'AWS would refuse';
    this.options.log(`[iam] ${verb}: ${principal} ${request.action} on ${request.resource} (${where}): ${message}. Fix: ${fix}`);
  }
}

/** How a finding names its principal: a role's ARN (its session is in the message), a service's name, `anonymous`. */
function principalName(principal: IamPrincipal): string {
  if (principal.kind === 'role') return principal.roleArn;
  if (principal.kind === 'service') return principal.service;
  if (principal.kind === 'anonymous') return 'anonymous';
  return 'administrator';
}

export type { IamUse };
export { sessionArn };
