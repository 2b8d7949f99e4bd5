import type { PolicyDocument } from '../../../../local/iam/policy-documents.js';
import { evaluate } from '../../../../local/iam/policy-evaluation.js';
import { requestContext } from '../../../../local/iam/request-context.js';
import { type DifferentialCase, type Policy, RCP_FULL_AWS_ACCESS } from './cases.js';
import { type Answer, oracleAnswer } from './oracle.js';

/** The generated policies are JSON documents, as a template holds them. */
const doc = (policy: Policy) => policy as unknown as PolicyDocument;

/** Our evaluation of a case, with the context it built (the oracle is given the same), less the keys the oracle left out. */
export function ourAnswer(
  c: DifferentialCase,
  leftOut: readonly string[] = [],
): { answer: Answer; context: Record<string, string | string[]> } {
  const context = requestContext({ principal: c.principal, resourceAccount: c.resourceAccount, supplied: c.context });
  for (const key of leftOut) context.delete(key.toLowerCase());
  const evaluation = evaluate({
    principal: c.principal,
    action: c.action,
    resource: c.resource,
    resourceAccount: c.resourceAccount,
    context,
    identityPolicies: c.identityPolicies.map(doc),
    ...(c.permissionsBoundary ? { permissionsBoundary: doc(c.permissionsBoundary) } : {}),
    ...(c.sessionPolicy ? { sessionPolicy: doc(c.sessionPolicy) } : {}),
    ...(c.resourcePolicy ? { resourcePolicy: doc(c.resourcePolicy) } : {}),
    ...(c.serviceControlPolicies ? { serviceControlPolicies: c.serviceControlPolicies.map((level) => level.map(doc)) } : {}),
    // RCPFullAWSAccess is attached to every level by AWS (and the oracle adds it by itself).
    ...(c.resourceControlPolicies
      ? { resourceControlPolicies: c.resourceControlPolicies.map((level) => [RCP_FULL_AWS_ACCESS, ...level].map(doc)) }
      : {}),
  });
  return {
    answer: evaluation.decision,
    context: Object.fromEntries([...context].map(([k, v]) => [k, v.length === 1 && !ARRAY_KEYS.has(k) ? (v[0] as string) : [...v]])),
  };
}

/** Keys that are lists whatever their length (the oracle reads a one-item list as a list). */
const ARRAY_KEYS = new Set(['aws:tagkeys', 'kms:encryptioncontextkeys', 'dynamodb:attributes']);

export interface Compared {
  readonly case: DifferentialCase;
  readonly ours: Answer;
  readonly oracle?: Answer;
  readonly oracleError?: string;
}

/** A case asked of both: the oracle with our full context, ours again without what the oracle left out. */
export async function compare(c: DifferentialCase): Promise<Compared> {
  const first = ourAnswer(c);
  const oracle = await oracleAnswer(c, first.context);
  if (oracle.error) return { case: c, ours: first.answer, oracleError: oracle.error };
  const ours = oracle.ignoredKeys.length > 0 ? ourAnswer(c, oracle.ignoredKeys).answer : first.answer;
  return { case: c, ours, ...(oracle.answer ? { oracle: oracle.answer } : {}) };
}
