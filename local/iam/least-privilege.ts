import type { IamGrantSummary, IamRoleReport } from '../../clients/read-api-contract.js';
import { grantedOnlyOnAnyResource } from './iam-catalogue.js';

/** One action on one resource a role used, and whether its grants allowed it. */
export interface IamUse {
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
  readonly count: number;
}

/** A policy document as the store hands it out (only what least privilege reads). */
interface PolicyStatement {
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotAction?: unknown;
  readonly NotResource?: unknown;
}

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** An IAM wildcard pattern (`*` any run of characters, `?` one) as a regular expression; actions match without case. */
function glob(pattern: string, ignoreCase: boolean): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
}

/**
 * What a role used against what it holds, as IAM Access Analyzer's policy generation reads
 * CloudTrail: each Allow statement is unused when no request of the role's sessions matched
 * one of its actions on one of its resources, and a wildcard when it names `*` in an action
 * or a resource. Statements with NotAction or NotResource are listed as wildcards (they
 * grant everything but what they name).
 */
export function roleReport(
  role: { readonly roleArn: string; readonly holder: string },
  policies: readonly { readonly name: string; readonly policy: unknown }[],
  used: readonly IamUse[],
): IamRoleReport {
  const unused: IamGrantSummary[] = [];
  const wildcards: IamGrantSummary[] = [];
  for (const { name, policy } of policies) {
    const statements = (policy as { Statement?: PolicyStatement | readonly PolicyStatement[] } | undefined)?.Statement;
    for (const statement of Array.isArray(statements) ? statements : statements ? [statements] : []) {
      if ((statement as PolicyStatement).Effect !== 'Allow') continue;
      const actions = list((statement as PolicyStatement).Action);
      const resources = list((statement as PolicyStatement).Resource);
      const summary = {
        policy: name,
        actions: actions.length > 0 ? actions : ['(NotAction)'],
        resources: resources.length > 0 ? resources : ['(NotResource)'],
      };
      const negated = (statement as PolicyStatement).NotAction !== undefined || (statement as PolicyStatement).NotResource !== undefined;
      // `*` is no wildcard for actions IAM grants on nothing narrower (dynamodb:ListStreams): a policy must name it.
      const onlyOnAny = resources.length === 1 && resources[0] === '*' && actions.length > 0 && actions.every(grantedOnlyOnAnyResource);
      const broad = actions.some((a) => a.includes('*')) || (!onlyOnAny && resources.some((r) => r.includes('*')));
      if (negated || broad) wildcards.push(summary);
      if (negated) continue;
      const actionPatterns = actions.map((a) => glob(a, true));
      const resourcePatterns = resources.map((r) => glob(r, false));
      const matched = used.some(
        (use) => actionPatterns.some((a) => a.test(use.action)) && resourcePatterns.some((r) => r.test(use.resource)),
      );
      if (!matched) unused.push(summary);
    }
  }
  return { roleArn: role.roleArn, holder: role.holder, used, unused, wildcards };
}
