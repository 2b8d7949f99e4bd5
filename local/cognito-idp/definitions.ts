import type { LoadedApp } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import { clientRecord, groupRecord, poolRecord } from './pools.js';
import type { ClientRecord, GroupRecord, PoolRecord } from './records.js';
import { RUN_TRIGGERS } from './triggers.js';

export interface CognitoDefinitions {
  readonly pools: PoolRecord[];
  readonly clients: ClientRecord[];
  readonly groups: GroupRecord[];
  /** Each pool's `UserPoolTags`, by the pool's ARN: its tags again at each start. */
  readonly tags: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly warnings: string[];
}

/** The template's user pools, app clients and groups, under the ids their Ref and Fn::GetAtt give (resource-types.ts). */
export function cognitoDefinitions(app: LoadedApp, where: { readonly now: number }): CognitoDefinitions {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const warnings: string[] = [];
  const tags = new Map<string, Record<string, string>>();
  const pools = resources
    .filter((r) => r.type === 'AWS::Cognito::UserPool')
    .map((r) => {
      const arn = r.attributes.Arn;
      if (arn === undefined) throw new Error(`${whereOf(r)} has no Arn: the loader names every user pool`);
      const triggers = Object.keys((r.properties.LambdaConfig ?? {}) as object).filter(
        (key) => !(RUN_TRIGGERS as readonly string[]).includes(key),
      );
      if (triggers.length > 0) {
        warnings.push(
          `${whereOf(r)}: its Lambda triggers ${triggers.join(', ')} are not invoked locally (pre sign-up, post confirmation and pre token generation are)`,
        );
      }
      const mfas = r.properties.EnabledMfas;
      if (r.properties.MfaConfiguration === 'ON' && Array.isArray(mfas) && !mfas.includes('SOFTWARE_TOKEN_MFA')) {
        warnings.push(
          `${whereOf(r)}: MFA is required on AWS by ${mfas.join(', ')}; locally only TOTP (SOFTWARE_TOKEN_MFA) is run, so no MFA challenge is given`,
        );
      }
      const given = r.properties.UserPoolTags;
      if (given !== undefined && !isTagMap(given)) {
        warnings.push(
          `${whereOf(r)}: its UserPoolTags is not a map of tag key to value (CloudFormation's Json); the pool is left untagged`,
        );
      }
      tags.set(arn, isTagMap(given) ? given : {});
      return poolRecord(r.properties, { id: r.ref, name: r.physicalName, arn, now: where.now, origin: 'template' });
    });
  // A client or group whose UserPoolId names no pool the loader resolved is left out, named: it would belong to no pool.
  const poolOf = (r: (typeof resources)[number]): string | undefined => {
    const id = r.properties.UserPoolId;
    if (typeof id === 'string' && pools.some((p) => p.Id === id)) return id;
    warnings.push(`${whereOf(r)}: its UserPoolId ${JSON.stringify(id)} is none of the app's user pools; it is left out`);
    return undefined;
  };
  const clients = resources
    .filter((r) => r.type === 'AWS::Cognito::UserPoolClient')
    .flatMap((r) => {
      const poolId = poolOf(r);
      if (poolId === undefined) return [];
      return clientRecord(r.properties, {
        id: r.ref,
        poolId,
        name: r.physicalName,
        ...(r.attributes.ClientSecret === undefined ? {} : { secret: r.attributes.ClientSecret }),
        now: where.now,
        origin: 'template',
      });
    });
  const groups = resources
    .filter((r) => r.type === 'AWS::Cognito::UserPoolGroup')
    .flatMap((r) => {
      const poolId = poolOf(r);
      return poolId === undefined ? [] : [groupRecord(r.properties, { poolId, name: r.physicalName, now: where.now })];
    });
  return { pools, clients, groups, tags, warnings };
}

/** Whether a pool's `UserPoolTags` is what CloudFormation and CreateUserPool take: a map of tag key to string value. */
function isTagMap(given: unknown): given is Record<string, string> {
  return (
    typeof given === 'object' && given !== null && !Array.isArray(given) && Object.values(given).every((value) => typeof value === 'string')
  );
}
