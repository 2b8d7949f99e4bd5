/**
 * What the local IAM check saw in a run, as the read API's `/iam` answers it (part of its
 * contract, clients/read-api-contract.ts, which re-exports it): `switchyard iam --json` and
 * `TestApp.iamReport()`.
 */

/** A request the app's policies do not allow, once per principal, action and resource. */
export interface IamFindingSummary {
  /** The role's ARN, or the service principal (`events.amazonaws.com`). */
  readonly principal: string;
  /** The IAM action, as the service authorization reference names it (`sqs:SendMessage`). */
  readonly action: string;
  /** The resource's ARN, or `*`. */
  readonly resource: string;
  /** What asked: the operation, `rule target <id>`, `subscription <arn>`, `state <name>`. */
  readonly where: string;
  /** AWS's AccessDenied text. */
  readonly message: string;
  /** The grant that would allow it. */
  readonly fix: string;
  /** `warn`: it ran anyway; `enforce`: it was refused. */
  readonly mode: 'warn' | 'enforce';
  /** How many times it was asked. */
  readonly count: number;
  /** When it was first and last asked (ISO-8601). */
  readonly firstAt: string;
  readonly lastAt: string;
}

/** One role: what its sessions asked for in this run, and its grants that nothing used. */
export interface IamRoleReport {
  /** The role's ARN. */
  readonly roleArn: string;
  /** The template resource that declares it: `Stack/LogicalId`. */
  readonly holder: string;
  /** Each action on each resource its sessions asked for. */
  readonly used: readonly { readonly action: string; readonly resource: string; readonly allowed: boolean; readonly count: number }[];
  /** Allow statements none of those requests matched (tighten or remove them before deploy). */
  readonly unused: readonly IamGrantSummary[];
  /** Allow statements with a wildcard action or resource, used or not. */
  readonly wildcards: readonly IamGrantSummary[];
}

/** One Allow statement of a role's policies: its actions on its resources. */
export interface IamGrantSummary {
  /** The policy's name. */
  readonly policy: string;
  /** The statement's actions (`(NotAction)` for a NotAction statement). */
  readonly actions: readonly string[];
  /** The statement's resources (`(NotResource)` for a NotResource statement). */
  readonly resources: readonly string[];
}

/** What the local IAM check saw in this run (`switchyard iam --json`, `TestApp.iamReport()`). */
export interface IamReport {
  /** The runtime's IAM mode. */
  readonly mode: 'off' | 'warn' | 'enforce';
  /** The requests AWS would refuse, once per principal, action and resource. */
  readonly findings: readonly IamFindingSummary[];
  /** Each role of the app, with what its sessions used and the grants nothing used. */
  readonly roles: readonly IamRoleReport[];
  /** Policies that grant nothing as written (AWS accepts them): unknown actions, documents it cannot read. */
  readonly problems: readonly { readonly holder: string; readonly problem: string }[];
}
