import type { PolicyDocument } from '../../../local/iam/policy-documents.js';
import { type EvaluationInput, evaluate } from '../../../local/iam/policy-evaluation.js';
import { requestContext } from '../../../local/iam/request-context.js';
import type { EvaluationPrincipal } from '../../../local/iam/statements.js';

/** One request put to the evaluation (policy-evaluation.ts) with the policies that apply, as the AWS examples write them. */
export type Answer = 'allowed' | 'explicit-deny' | 'implicit-deny';
export const V = '2012-10-17';
export const user = (account: string, name: string): EvaluationPrincipal => ({
  type: 'user',
  arn: `arn:aws:iam::${account}:user/${name}`,
  account,
});
export const session = (account: string, role: string, name = 'session'): EvaluationPrincipal => ({
  type: 'role-session',
  arn: `arn:aws:sts::${account}:assumed-role/${role}/${name}`,
  roleArn: `arn:aws:iam::${account}:role/${role}`,
  account,
});
export const policy = (...Statement: Record<string, unknown>[]): PolicyDocument => ({ Version: V, Statement }) as unknown as PolicyDocument;

export interface Ask {
  readonly principal: EvaluationPrincipal;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount?: string;
  readonly context?: Record<string, string | string[]>;
  readonly identity?: PolicyDocument[];
  readonly resourcePolicy?: PolicyDocument;
  readonly boundary?: PolicyDocument;
  readonly sessionPolicy?: PolicyDocument;
  readonly scps?: PolicyDocument[][];
}

export function ask(request: Ask): Answer {
  const resourceAccount = request.resourceAccount ?? request.principal.account ?? '111122223333';
  const input: EvaluationInput = {
    principal: request.principal,
    action: request.action,
    resource: request.resource,
    resourceAccount,
    context: requestContext({ principal: request.principal, resourceAccount, ...(request.context ? { supplied: request.context } : {}) }),
    identityPolicies: request.identity ?? [],
    ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    ...(request.boundary ? { permissionsBoundary: request.boundary } : {}),
    ...(request.sessionPolicy ? { sessionPolicy: request.sessionPolicy } : {}),
    ...(request.scps ? { serviceControlPolicies: request.scps } : {}),
  };
  return evaluate(input).decision;
}
