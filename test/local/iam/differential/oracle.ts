// The oracle: @cloud-copilot/iam-simulate (AGPL-3.0-or-later), a devDependency only, never
// shipped (test/licences.test.ts fails if a shipped file imports it).
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { DifferentialCase } from './cases.js';

export type Answer = 'allowed' | 'explicit-deny' | 'implicit-deny';

export interface OracleAnswer {
  readonly answer?: Answer;
  /** Why it could not answer (its validation errors), when it could not. */
  readonly error?: string;
  /** Context keys it left out as not applying to the action (our evaluation is then asked without them too). */
  readonly ignoredKeys: readonly string[];
}

const ANSWERS: Readonly<Record<string, Answer>> = {
  Allowed: 'allowed',
  ExplicitlyDenied: 'explicit-deny',
  ImplicitlyDenied: 'implicit-deny',
};

const levels = (policies: DifferentialCase['serviceControlPolicies']) =>
  (policies ?? []).map((level, i) => ({
    orgIdentifier: `level-${i}`,
    policies: level.map((policy, j) => ({ name: `p${i}-${j}`, policy })),
  }));

/** The oracle's answer for a case, with `context` the full request context our evaluation built. */
export async function oracleAnswer(c: DifferentialCase, context: Record<string, string | string[]>): Promise<OracleAnswer> {
  const result = await runSimulation(
    {
      request: {
        principal: c.principal.arn,
        action: c.action,
        resource: { resource: c.resource, accountId: c.resourceAccount },
        contextVariables: context,
      },
      identityPolicies: c.identityPolicies.map((policy, i) => ({ name: `identity-${i}`, policy })),
      serviceControlPolicies: levels(c.serviceControlPolicies),
      resourceControlPolicies: levels(c.resourceControlPolicies),
      ...(c.resourcePolicy ? { resourcePolicy: c.resourcePolicy } : {}),
      ...(c.permissionsBoundary ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: c.permissionsBoundary }] } : {}),
      ...(c.sessionPolicy ? { sessionPolicy: c.sessionPolicy } : {}),
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') return { error: JSON.stringify(result.errors), ignoredKeys: [] };
  const ignoredKeys =
    result.resultType === 'single' ? (result.result.ignoredContextKeys ?? []) : (result.results[0]?.ignoredContextKeys ?? []);
  return { answer: ANSWERS[result.overallResult] as Answer, ignoredKeys };
}
