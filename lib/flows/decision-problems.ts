import { TICKET_QUEUES } from '../../domain/index.js';

/**
 * A JSONata expression listing what is wrong with a reviewer's answer (`$states.input`)
 * as an EscalationDecision (contracts/tickets.ts), one line per problem; empty if it is
 * a valid decision. It checks exactly what the contract's schema checks.
 */
export function decisionProblems(): string {
  const queues = JSON.stringify(TICKET_QUEUES);
  const fields = JSON.stringify(['decision', 'queue', 'reviewer', 'reason']);
  const shown = (value: string) => `($exists(${value}) ? $string(${value}) : 'nothing')`;
  const check = (valid: string, problem: string) => `(${valid} ? [] : [${problem}])`;
  const decision = check(
    `($type($d.decision) = 'string' ? $d.decision in ["approve", "reject"] : false)`,
    `'decision must be "approve" or "reject" (got ' & ${shown('$d.decision')} & ')'`,
  );
  const queue = check(
    `($exists($d.queue) ? ($type($d.queue) = 'string' ? $d.queue in ${queues} : false) : true)`,
    `'queue must be one of ${TICKET_QUEUES.join(', ')} (got ' & ${shown('$d.queue')} & ')'`,
  );
  const reviewer = check(
    `($exists($d.reviewer) ? ($type($d.reviewer) = 'string' ? ($length($d.reviewer) >= 1 and $length($d.reviewer) <= 256) : false) : true)`,
    `'reviewer must be a string of 1 to 256 characters (got ' & ${shown('$d.reviewer')} & ')'`,
  );
  const reason = check(
    `($exists($d.reason) ? ($type($d.reason) = 'string' ? ($length($d.reason) >= 1 and $length($d.reason) <= 1000) : false) : true)`,
    `'reason must be a string of 1 to 1000 characters (got ' & ${shown('$d.reason')} & ')'`,
  );
  const unknown = `$map($filter($keys($d), function($k) { $not($k in ${fields}) }), function($k) { 'unknown field ' & $k })`;
  return `($d := $states.input; $type($d) = 'object' ? $append($append($append($append(${decision}, ${queue}), ${reviewer}), ${reason}), ${unknown}) : ['the answer must be a JSON object (got ' & $type($d) & ')'])`;
}
