import type { LoadedResource } from '../template/load.js';

/**
 * Resource policy statements the template declares as resources of their own rather than as
 * policy documents: a Lambda permission and the older form of an event bus policy. Each is
 * turned into the statement the service's own read API shows (Lambda's GetPolicy,
 * EventBridge's DescribeEventBus), so the evaluator reads them as AWS does.
 */

/** The function ARN a permission's FunctionName names: a name (`f`, `f:alias`), a partial ARN (`123456789012:function:f`) or an ARN. */
export function functionArnOf(functionName: string, region: string, accountId: string): string {
  if (functionName.startsWith('arn:')) return functionName;
  const partial = /^(\d{12}):function:(.+)$/.exec(functionName);
  if (partial) return `arn:aws:lambda:${region}:${partial[1]}:function:${partial[2]}`;
  return `arn:aws:lambda:${region}:${accountId}:function:${functionName}`;
}

/** How a Lambda permission's Principal appears in GetPolicy: an account as its root ARN, a service by name, an ARN as given. */
function permissionPrincipal(who: string): unknown {
  if (who === '*') return '*';
  if (/^\d{12}$/.test(who)) return { AWS: `arn:aws:iam::${who}:root` };
  if (who.startsWith('arn:')) return { AWS: who };
  return { Service: who };
}

/**
 * The statement GetPolicy shows for an `AWS::Lambda::Permission` or an AddPermission request
 * (their members have the same names; "Viewing resource-based IAM policies in Lambda"):
 * SourceArn as `ArnLike AWS:SourceArn`, SourceAccount as `StringEquals AWS:SourceAccount`,
 * FunctionUrlAuthType, PrincipalOrgID and EventSourceToken as `StringEquals` on their keys (in
 * the order AWS's recorded answers show), InvokedViaFunctionUrl as `Bool lambda:InvokedViaFunctionUrl`.
 */
export function permissionStatement(
  sid: string,
  properties: Readonly<Record<string, unknown>>,
  functionArn: string,
): Record<string, unknown> {
  const p = properties;
  const text = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : undefined);
  const stringEquals: Record<string, string> = {};
  const keys = {
    SourceAccount: 'AWS:SourceAccount',
    FunctionUrlAuthType: 'lambda:FunctionUrlAuthType',
    PrincipalOrgID: 'aws:PrincipalOrgID',
    EventSourceToken: 'lambda:EventSourceToken',
  };
  for (const [member, key] of Object.entries(keys)) {
    const value = text(member);
    if (value) stringEquals[key] = value;
  }
  const sourceArn = text('SourceArn');
  // A statement for a function URL's calls (Lambda asks InvokeFunction of them too since October 2025).
  const viaUrl = p.InvokedViaFunctionUrl === true || p.InvokedViaFunctionUrl === 'true';
  const condition = {
    ...(Object.keys(stringEquals).length > 0 ? { StringEquals: stringEquals } : {}),
    ...(sourceArn ? { ArnLike: { 'AWS:SourceArn': sourceArn } } : {}),
    ...(viaUrl ? { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } : {}),
  };
  return {
    Sid: sid,
    Effect: 'Allow',
    // A Principal the template could not resolve is kept as it is: the store names it as a problem.
    Principal: typeof p.Principal === 'string' ? permissionPrincipal(p.Principal) : p.Principal,
    Action: p.Action,
    Resource: functionArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/**
 * An `AWS::Events::EventBusPolicy`: its `Statement`, or the older form (`Action`,
 * `Principal` an account id or `*`, `Condition` with Type/Key/Value, `StatementId`), which
 * EventBridge writes as a statement on the bus's ARN.
 */
export function busPolicyStatement(r: LoadedResource, busArn: string): unknown {
  const p = r.properties as Record<string, unknown>;
  if (p.Statement !== undefined) return p.Statement;
  const condition = p.Condition as { Key?: unknown; Type?: unknown; Value?: unknown } | undefined;
  const who = p.Principal;
  return {
    Sid: typeof p.StatementId === 'string' ? p.StatementId : r.logicalId,
    Effect: 'Allow',
    Principal: who === '*' ? '*' : typeof who === 'string' && /^\d{12}$/.test(who) ? { AWS: `arn:aws:iam::${who}:root` } : who,
    Action: p.Action ?? 'events:PutEvents',
    Resource: busArn,
    ...(condition && typeof condition.Key === 'string'
      ? { Condition: { [typeof condition.Type === 'string' ? condition.Type : 'StringEquals']: { [condition.Key]: condition.Value } } }
      : {}),
  };
}

/** The key policy AWS gives a key created without one ("Default key policy"): the account's IAM policies decide. */
export function defaultKeyPolicy(accountId: string): unknown {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}
