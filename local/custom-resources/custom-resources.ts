/**
 * Runs the custom resources whose provider the runtime can play, as CloudFormation runs them on
 * a deploy: CDK's AwsCustomResources (`Custom::AWS`: a new resource's `Create` call, a changed
 * one's `Update` call (none when it has no `Update`: CDK already made `Create` onCreate or
 * onUpdate), a removed one's `Delete` call) and the provider framework's (`cr.Provider`: the
 * app's onEvent function given the CloudFormation request, then its isComplete function), each once. What ran is kept in the data folder (by stack and logical id, with the hash of
 * the properties it ran with), so a restart runs nothing again. A failing call is said with
 * the resource, the call and AWS's error, and the rest of the app runs (the deploy would have
 * failed there); it is tried again at the next start.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { CustomResourceOutcome } from '../template/custom-resource-references.js';
import type { LoadedApp } from '../template/load.js';
import { AWS_CUSTOM_RESOURCE_PROVIDER } from '../template/not-run.js';
import {
  type CallTarget,
  flattenedResponse,
  makeSdkCall,
  outputsOf,
  type SdkCall,
  SdkCallFormatError,
  sdkCallOf,
  withPhysicalId,
} from './aws-sdk-call.js';

export const AWS_CUSTOM_RESOURCE = 'Custom::AWS';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS custom_resource (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  definition TEXT NOT NULL,
  physical_id TEXT NOT NULL,
  data TEXT NOT NULL
);`;

interface RanRow {
  id: string;
  hash: string;
  definition: string;
  physical_id: string;
  data: string;
}

/** One custom resource of the template the runtime runs, with what plays its provider. */
export interface CustomResourceDefinition {
  /** `Stack/LogicalId`. */
  readonly id: string;
  readonly logicalId: string;
  readonly type: string;
  readonly stackId: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly provider:
    | { readonly kind: 'aws' /** The provider function's execution role (what the call is signed as). */; readonly roleArn?: string }
    | { readonly kind: 'framework'; readonly onEvent: string; readonly isComplete?: string }
    /** A plain Lambda-backed one: the app's function, which answers at the request's ResponseURL. */
    | { readonly kind: 'lambda'; readonly functionArn: string };
}

/** The template's custom resources the runtime runs: `Custom::AWS`, those whose provider is CDK's provider framework, and plain Lambda-backed ones. */
export function customResources(app: LoadedApp): CustomResourceDefinition[] {
  const found: CustomResourceDefinition[] = [];
  for (const stack of app.stacks) {
    for (const r of stack.resources) {
      if (!r.type.startsWith('Custom::') && r.type !== 'AWS::CloudFormation::CustomResource') continue;
      const token = r.properties.ServiceToken;
      const fn = stack.resources.find((f) => f.type === 'AWS::Lambda::Function' && f.attributes.Arn === token);
      const variables = (fn?.properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const base = {
        id: `${r.stackName}/${r.logicalId}`,
        logicalId: r.logicalId,
        type: r.type,
        stackId: stack.description.stackId,
        properties: r.properties,
      };
      // An AwsCustomResource whose `resourceType` is another `Custom::` type has the same provider, and runs as one.
      if (r.type === AWS_CUSTOM_RESOURCE || fn?.logicalId.startsWith(AWS_CUSTOM_RESOURCE_PROVIDER)) {
        const role = fn?.properties.Role;
        found.push({ ...base, provider: { kind: 'aws', ...(typeof role === 'string' ? { roleArn: role } : {}) } });
      } else if (typeof variables.USER_ON_EVENT_FUNCTION_ARN === 'string') {
        const isComplete = variables.USER_IS_COMPLETE_FUNCTION_ARN;
        found.push({
          ...base,
          provider: {
            kind: 'framework',
            onEvent: variables.USER_ON_EVENT_FUNCTION_ARN,
            ...(typeof isComplete === 'string' ? { isComplete } : {}),
          },
        });
      } else if (fn !== undefined && fn.customResourceProvider !== true && typeof token === 'string') {
        // The loader keeps the app's function (it is not a provider of CDK's own): see lambdaBackedProvider.
        found.push({ ...base, provider: { kind: 'lambda', functionArn: token } });
      }
    }
  }
  return found;
}

/** A request that failed, and why (said in the log as it failed). */
export class RequestFailed {
  constructor(readonly reason: string) {}
}

/** Says that a request failed (`where`: the resource and request), and answers so. */
export function failedWith(log: (line: string) => void, where: string, reason: string): RequestFailed {
  log(`${where} failed: ${reason}`);
  return new RequestFailed(reason);
}

/** What a request got: the physical id and data its provider answered, or its failure. */
export type RequestOutcome = { physicalId: string; data: Record<string, unknown> } | RequestFailed;

/** One request as a provider handles it: the physical id and data it answers, or why it failed (said). */
export type RunRequest = (
  resource: CustomResourceDefinition,
  request: {
    readonly requestType: 'Create' | 'Update' | 'Delete';
    readonly physicalId: string;
    readonly oldProperties?: Readonly<Record<string, unknown>>;
  },
) => Promise<RequestOutcome>;

/**
 * CloudFormation's request to a custom resource's provider, as it sends it
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html):
 * OldResourceProperties on Update, PhysicalResourceId but on Create.
 */
export function cloudFormationRequest(
  resource: CustomResourceDefinition,
  { requestType, physicalId, oldProperties }: Parameters<RunRequest>[1],
  responseUrl: string,
): Record<string, unknown> {
  return {
    RequestType: requestType,
    ServiceToken: resource.properties.ServiceToken,
    ResponseURL: responseUrl,
    StackId: resource.stackId,
    RequestId: randomUUID(),
    LogicalResourceId: resource.logicalId,
    ResourceType: resource.type,
    ResourceProperties: resource.properties,
    ...(oldProperties === undefined ? {} : { OldResourceProperties: oldProperties }),
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: physicalId }),
  };
}

/**
 * Where what ran is kept: the data folder's database, opened only when there is something to
 * run or something ran before (its file exists), so that an app without custom resources does
 * not open (nor create) it at every start.
 */
export interface RanStore {
  open(): DatabaseSync;
  exists(): boolean;
}

export class CustomResources {
  #db: DatabaseSync | undefined;

  constructor(
    private readonly store: RanStore,
    private readonly handlers: Readonly<Record<CustomResourceDefinition['provider']['kind'], RunRequest>>,
    /** Where each resource's answer goes as it is known (the template's loader resolves references to it from there). */
    private readonly outcomes: Map<string, CustomResourceOutcome> = new Map(),
  ) {}

  /** The database, opened when `create` or when it exists; undefined otherwise (nothing ever ran). */
  #database(create: boolean): DatabaseSync | undefined {
    if (this.#db === undefined && (create || this.store.exists())) {
      this.#db = this.store.open();
      this.#db.exec(SCHEMA);
    }
    return this.#db;
  }

  /**
   * Brings the resources to what the template says: new ones created, changed ones updated, gone
   * ones deleted; each one's answer (an unchanged one's, kept from when it ran) recorded in
   * `outcomes`. Those `tried` names are left alone (a start applies the template's resources wave
   * by wave, as their references resolve), and those held back (`held`) only count as present.
   * Answers what ran.
   */
  async apply(resources: readonly CustomResourceDefinition[], tried = new Set<string>(), held: readonly string[] = []): Promise<string[]> {
    const ran: string[] = [];
    const db = this.#database(resources.length + held.length > 0);
    if (db === undefined) return ran;
    const rows = new Map((db.prepare('SELECT * FROM custom_resource').all() as unknown as RanRow[]).map((r) => [r.id, r]));
    for (const id of held) rows.delete(id);
    for (const resource of resources) {
      const before = rows.get(resource.id);
      rows.delete(resource.id);
      if (tried.has(resource.id)) continue;
      tried.add(resource.id);
      const hash = createHash('sha256').update(JSON.stringify(resource.properties)).digest('hex');
      if (before?.hash === hash) {
        this.outcomes.set(resource.id, { status: 'SUCCESS', physicalId: before.physical_id, data: JSON.parse(before.data) });
        continue;
      }
      const outcome = await this.#run(db, resource, hash, before);
      this.outcomes.set(resource.id, outcome);
      if (outcome.status === 'SUCCESS') ran.push(`${resource.id} (${before === undefined ? 'create' : 'update'})`);
    }
    for (const gone of rows.values()) {
      const resource = JSON.parse(gone.definition) as CustomResourceDefinition;
      await this.handlers[resource.provider.kind](resource, { requestType: 'Delete', physicalId: gone.physical_id });
      // CloudFormation removes the resource whatever its Delete answered (a failed delete leaves the stack in DELETE_FAILED); locally it is forgotten.
      db.prepare('DELETE FROM custom_resource WHERE id = ?').run(gone.id);
      ran.push(`${gone.id} (delete)`);
    }
    return ran;
  }

  /** Sends a new resource's Create or a changed one's Update, keeping what it answered; its outcome. */
  async #run(
    db: DatabaseSync,
    resource: CustomResourceDefinition,
    hash: string,
    before: RanRow | undefined,
  ): Promise<CustomResourceOutcome> {
    const oldProperties = before === undefined ? undefined : (JSON.parse(before.definition) as CustomResourceDefinition).properties;
    const request = {
      requestType: before === undefined ? ('Create' as const) : ('Update' as const),
      physicalId: before?.physical_id ?? '',
      ...(oldProperties === undefined ? {} : { oldProperties }),
    };
    const outcome = await this.handlers[resource.provider.kind](resource, request);
    if (outcome instanceof RequestFailed) return { status: 'FAILED', reason: outcome.reason };
    db.prepare('INSERT OR REPLACE INTO custom_resource (id, hash, definition, physical_id, data) VALUES (?, ?, ?, ?, ?)').run(
      resource.id,
      hash,
      JSON.stringify(resource),
      outcome.physicalId,
      JSON.stringify(outcome.data),
    );
    return { status: 'SUCCESS', physicalId: outcome.physicalId, data: outcome.data };
  }

  /** The attributes (the provider's Data) a resource's last request gave, by `Stack/LogicalId`. */
  data(id: string): Readonly<Record<string, unknown>> | undefined {
    const row = this.#database(false)?.prepare('SELECT data FROM custom_resource WHERE id = ?').get(id) as { data: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.data) as Record<string, unknown>);
  }
}

/** The role a call is signed as: its session's credentials. */
export type CallerOf = (roleArn: string | undefined, sessionName: string) => CallTarget;

/** An AwsCustomResource's request as its provider handles it: the call of that request type, if any, made as the provider's role. */
export function awsCallRunner(callerOf: CallerOf, log: (line: string) => void): RunRequest {
  return async (resource, { requestType, physicalId: physicalIdBefore }) => {
    const { id, logicalId, properties, type } = resource;
    const roleArn = resource.provider.kind === 'aws' ? resource.provider.roleArn : undefined;
    let call: SdkCall | undefined;
    let physicalId: string;
    try {
      const calls = {
        Create: sdkCallOf(properties.Create, `${id}'s Create`),
        Update: sdkCallOf(properties.Update, `${id}'s Update`),
        Delete: sdkCallOf(properties.Delete, `${id}'s Delete`),
      };
      call = calls[requestType];
      // The provider's physical id: the call's own, else (Create) any call's, else the logical id; (Update, Delete) the one before.
      physicalId =
        requestType === 'Create'
          ? (calls.Create?.physicalResourceId?.id ??
            calls.Update?.physicalResourceId?.id ??
            calls.Delete?.physicalResourceId?.id ??
            logicalId)
          : (call?.physicalResourceId?.id ?? physicalIdBefore);
    } catch (error) {
      if (!(error instanceof SdkCallFormatError)) throw error;
      return failedWith(log, `custom resource ${id} (${type}) ${requestType}`, error.message);
    }
    if (call === undefined) return { physicalId, data: {} };
    const named = `${call.service}.${call.action}`;
    let data: Record<string, unknown> = {};
    let flat: Record<string, unknown> = {};
    try {
      const target = callerOf(roleArn, logicalId.replace(/[^\w+=,.@-]/g, '').slice(0, 64));
      const response = await makeSdkCall(call, withPhysicalId(call.parameters, physicalId), target);
      flat = { region: call.region ?? target.region, ...(await flattenedResponse(response)) };
      data = outputsOf(call, flat);
      log(`custom resource ${id} (${type}) ${requestType}: ${named} made`);
    } catch (error) {
      const code = (error as Error).name ?? 'Error';
      if (call.ignoreErrorCodesMatching !== undefined && new RegExp(call.ignoreErrorCodesMatching).test(code)) {
        log(`custom resource ${id} (${type}) ${requestType}: ${named} answered ${code}, ignored (ignoreErrorCodesMatching)`);
      } else {
        return failedWith(
          log,
          `custom resource ${id} (${type}) ${requestType}`,
          `${named} answered ${code}: ${(error as Error).message} (the deploy would fail here; tried again at the next start)`,
        );
      }
    }
    if (call.physicalResourceId?.responsePath !== undefined) physicalId = String(flat[call.physicalResourceId.responsePath] ?? physicalId);
    return { physicalId, data };
  };
}
