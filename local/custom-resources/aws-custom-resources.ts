/**
 * Runs CDK's AwsCustomResources (`Custom::AWS`) as CloudFormation and their provider run them
 * on a deploy: a new resource's `Create` call, a changed one's `Update` call (none when it has
 * no `Update`: CDK already made `Create` onCreate or onUpdate), a removed one's `Delete` call,
 * each once. What ran is kept in the data folder (by stack and logical id, with the hash of
 * the properties it ran with), so a restart runs nothing again. A failing call is said with
 * the resource, the call and AWS's error, and the rest of the app runs (the deploy would have
 * failed there); it is tried again at the next start.
 */
import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { LoadedApp } from '../template/load.js';
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
CREATE TABLE IF NOT EXISTS aws_custom_resource (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  properties TEXT NOT NULL,
  physical_id TEXT NOT NULL,
  role TEXT,
  data TEXT NOT NULL
);`;

interface RanRow {
  id: string;
  hash: string;
  properties: string;
  physical_id: string;
  role: string | null;
  data: string;
}

/** One `Custom::AWS` of the template, with the role its provider function runs as. */
export interface AwsCustomResourceDefinition {
  /** `Stack/LogicalId`. */
  readonly id: string;
  readonly logicalId: string;
  readonly properties: Readonly<Record<string, unknown>>;
  /** The provider function's execution role (what the call is signed as), when the template gives it. */
  readonly roleArn?: string;
}

/** The template's `Custom::AWS` resources, each with its provider function's role. */
export function awsCustomResources(app: LoadedApp): AwsCustomResourceDefinition[] {
  const found: AwsCustomResourceDefinition[] = [];
  for (const stack of app.stacks) {
    for (const r of stack.resources.filter((resource) => resource.type === AWS_CUSTOM_RESOURCE)) {
      const token = r.properties.ServiceToken;
      const provider = stack.resources.find((f) => f.type === 'AWS::Lambda::Function' && f.attributes.Arn === token);
      const role = provider?.properties.Role;
      found.push({
        id: `${r.stackName}/${r.logicalId}`,
        logicalId: r.logicalId,
        properties: r.properties,
        ...(typeof role === 'string' ? { roleArn: role } : {}),
      });
    }
  }
  return found;
}

/** The role a call is signed as: its session's credentials. */
export type CallerOf = (roleArn: string | undefined, sessionName: string) => CallTarget;

export class AwsCustomResources {
  constructor(
    private readonly db: DatabaseSync,
    private readonly callerOf: CallerOf,
    private readonly log: (line: string) => void,
  ) {
    db.exec(SCHEMA);
  }

  /** Brings the resources to what the template says: new ones created, changed ones updated, gone ones deleted. Answers what ran. */
  async apply(resources: readonly AwsCustomResourceDefinition[]): Promise<string[]> {
    const ran: string[] = [];
    const rows = new Map((this.db.prepare('SELECT * FROM aws_custom_resource').all() as unknown as RanRow[]).map((r) => [r.id, r]));
    for (const resource of resources) {
      const hash = createHash('sha256').update(JSON.stringify(resource.properties)).digest('hex');
      const before = rows.get(resource.id);
      rows.delete(resource.id);
      if (before?.hash === hash) continue;
      const requestType = before === undefined ? 'Create' : 'Update';
      const outcome = await this.#run(resource.id, requestType, resource.properties, before?.physical_id ?? '', resource.roleArn);
      if (outcome === undefined) continue;
      this.db
        .prepare('INSERT OR REPLACE INTO aws_custom_resource (id, hash, properties, physical_id, role, data) VALUES (?, ?, ?, ?, ?, ?)')
        .run(
          resource.id,
          hash,
          JSON.stringify(resource.properties),
          outcome.physicalId,
          resource.roleArn ?? null,
          JSON.stringify(outcome.data),
        );
      ran.push(`${resource.id} (${requestType.toLowerCase()})`);
    }
    for (const gone of rows.values()) {
      const properties = JSON.parse(gone.properties) as Record<string, unknown>;
      await this.#run(gone.id, 'Delete', properties, gone.physical_id, gone.role ?? undefined);
      // CloudFormation removes the resource whatever its Delete answered (a failed delete leaves the stack in DELETE_FAILED); locally it is forgotten.
      this.db.prepare('DELETE FROM aws_custom_resource WHERE id = ?').run(gone.id);
      ran.push(`${gone.id} (delete)`);
    }
    return ran;
  }

  /** The attributes (the call's response, flattened) a resource's last call gave, by `Stack/LogicalId`. */
  data(id: string): Readonly<Record<string, unknown>> | undefined {
    const row = this.db.prepare('SELECT data FROM aws_custom_resource WHERE id = ?').get(id) as { data: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.data) as Record<string, unknown>);
  }

  /** One request as the provider handles it: the physical id and data it answers, or undefined when it failed (said). */
  async #run(
    id: string,
    requestType: 'Create' | 'Update' | 'Delete',
    properties: Readonly<Record<string, unknown>>,
    physicalIdBefore: string,
    roleArn: string | undefined,
  ): Promise<{ physicalId: string; data: Record<string, unknown> } | undefined> {
    const logicalId = id.slice(id.indexOf('/') + 1);
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
      this.log(`custom resource ${id} (Custom::AWS) ${requestType} failed: ${error.message}`);
      return undefined;
    }
    if (call === undefined) return { physicalId, data: {} };
    const named = `${call.service}.${call.action}`;
    let data: Record<string, unknown> = {};
    let flat: Record<string, unknown> = {};
    try {
      const target = this.callerOf(roleArn, logicalId.replace(/[^\w+=,.@-]/g, '').slice(0, 64));
      const response = await makeSdkCall(call, withPhysicalId(call.parameters, physicalId), target);
      flat = { region: call.region ?? target.region, ...(await flattenedResponse(response)) };
      data = outputsOf(call, flat);
      this.log(`custom resource ${id} (Custom::AWS) ${requestType}: ${named} made`);
    } catch (error) {
      const code = (error as Error).name ?? 'Error';
      if (call.ignoreErrorCodesMatching !== undefined && new RegExp(call.ignoreErrorCodesMatching).test(code)) {
        this.log(`custom resource ${id} (Custom::AWS) ${requestType}: ${named} answered ${code}, ignored (ignoreErrorCodesMatching)`);
      } else {
        this.log(
          `custom resource ${id} (Custom::AWS) ${requestType} failed: ${named} answered ${code}: ${(error as Error).message} (the deploy would fail here; tried again at the next start)`,
        );
        return undefined;
      }
    }
    if (call.physicalResourceId?.responsePath !== undefined) physicalId = String(flat[call.physicalResourceId.responsePath] ?? physicalId);
    return { physicalId, data };
  }
}
