import type { EscalationCondition, EscalationStep } from './escalation-policy-types.js';

/** The JSONata value of `values[step]` for the current (or given) step index. */
export function byStep(values: readonly unknown[], step = '$step'): string {
  const last = JSON.stringify(values.at(-1));
  return values
    .slice(0, -1)
    .reduceRight<string>((otherwise, value, index) => `((${step}) = ${index} ? ${JSON.stringify(value)} : ${otherwise})`, last);
}

/** Refuses an answer whose reviewer is not on the current step (steps naming no reviewers take anyone's). */
export function reviewerProblems(chain: readonly EscalationStep[]): string {
  const allowed = byStep(chain.map((s) => [...(s.reviewers ?? [])]));
  const name = byStep(chain.map((s) => s.name));
  const earlier = byStep(chain.map((_, i) => chain.slice(0, i).flatMap((s) => s.reviewers ?? [])));
  const where = `'step ' & $string($step + 1) & ' (' & ${name} & ')'`;
  return `($d := $states.input; $allowed := ${allowed}; $who := ($type($d) = 'object' and $type($d.reviewer) = 'string') ? $d.reviewer : null;
    $count($allowed) = 0 or $who in $allowed ? [] :
    [($who = null ? 'a reviewer is required on ' & ${where} & ': one of ' & $join($allowed, ', ')
      : 'reviewer ' & $who & ' is not on ' & ${where} & ' of the escalation chain, whose reviewers are ' & $join($allowed, ', ')
        & ($who in ${earlier} ? ': the task was reassigned from an earlier step when its SLA passed' : ''))])`.replace(/\s*\n\s*/g, ' ');
}

function fieldOf(input: string, field: string): string {
  return `${input}.${field}`;
}

/** The JSONata condition (no `{% %}`) that holds when `condition` holds on `input`. */
export function conditionExpression(condition: EscalationCondition, input: string): string {
  switch (condition.kind) {
    case 'confidence-below': {
      const f = fieldOf(input, condition.field ?? 'confidence');
      return `$not($type(${f}) = 'number' and ${f} >= ${condition.threshold})`;
    }
    case 'step-failed': {
      const f = fieldOf(input, condition.field ?? 'failure');
      return condition.errors ? `$exists(${f}) and ${f}.error in ${JSON.stringify(condition.errors)}` : `$exists(${f})`;
    }
    case 'flag':
      return `${fieldOf(input, condition.field)} = true`;
  }
}

/** What `triggers()` names the condition: its label, else one made of its kind. */
export function labelOf(condition: EscalationCondition): string {
  if (condition.label) return condition.label;
  switch (condition.kind) {
    case 'confidence-below':
      return `confidence-below-${condition.threshold}`;
    case 'step-failed':
      return condition.errors?.length === 1 && condition.errors[0] === 'States.Timeout' ? 'step-timed-out' : 'step-failed';
    case 'flag':
      return `flag-${condition.field}`;
  }
}
