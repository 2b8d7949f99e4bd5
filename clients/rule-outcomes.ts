/** What this reads of an event record's rule matches (the read API's RuleMatch has it). */
export interface RuleMatchLike {
  readonly ruleArn?: string;
  readonly targets: readonly { readonly id: string; readonly arn: string; readonly outcome: TargetOutcome; readonly reason?: string }[];
}

/** `delivered`, `failed`, `dead-lettered` or `pending` (still retrying). */
export type TargetOutcome = 'delivered' | 'failed' | 'dead-lettered' | 'pending';

/** What became of one rule target's delivery of an event, as the read API records it and its live feed announces it. */
export interface TargetOutcomeUpdate {
  readonly ruleArn: string;
  readonly targetId: string;
  readonly outcome: TargetOutcome;
  readonly reason?: string;
}

/**
 * The rule matches of an event record with one target's outcome set; undefined when the rule
 * is not among them. An event a rule forwarded to another bus keeps its id there (EventBridge
 * sends it on unchanged), so a record with the event's id may be the target bus's copy, whose
 * rules are others: the outcome belongs to the record the rule matched.
 */
export function withTargetOutcome<M extends RuleMatchLike>(matched: readonly M[], update: TargetOutcomeUpdate): M[] | undefined {
  if (!matched.some((match) => match.ruleArn === update.ruleArn)) return undefined;
  return matched.map((match) =>
    match.ruleArn !== update.ruleArn
      ? match
      : {
          ...match,
          targets: match.targets.map((target) =>
            target.id === update.targetId
              ? { id: target.id, arn: target.arn, outcome: update.outcome, ...(update.reason ? { reason: update.reason } : {}) }
              : target,
          ),
        },
  );
}
