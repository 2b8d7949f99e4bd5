/**
 * How consumers treat the events of an archive replay. EventBridge gives a replayed event
 * one mark only: its `replay-name` (the name passed to StartReplay). The policy travels in
 * that name, so the CLI that starts a replay and the consumer kit that receives its events
 * agree through this one module, on AWS as locally, with nothing else to deploy.
 *
 * A replay name is `<policy>--<label>` (StartReplay allows `[\.\-_A-Za-z0-9]+`, at most 64
 * characters). A name without a known policy prefix (a replay started from the console or
 * the AWS CLI) is `reprocess`: a replay means "deliver these events again" unless told
 * otherwise.
 */

export const REPLAY_POLICIES = ['reprocess', 'skip', 'dry-run'] as const;
export type ReplayPolicy = (typeof REPLAY_POLICIES)[number];

/** What a replay name without a policy means. */
export const DEFAULT_REPLAY_POLICY: ReplayPolicy = 'reprocess';

/** Between the policy and the rest of the name; `dry-run` has a single dash, so a double one is unambiguous. */
const SEPARATOR = '--';
const REPLAY_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
export const MAX_REPLAY_NAME_LENGTH = 64;

export function isReplayPolicy(value: unknown): value is ReplayPolicy {
  return typeof value === 'string' && (REPLAY_POLICIES as readonly string[]).includes(value);
}

/**
 * The policy a replay name carries; `fallback` for a name without one (or no name at all):
 * a consumer's own default, else `reprocess`.
 */
export function replayPolicyOf(replayName: string | undefined, fallback: ReplayPolicy = DEFAULT_REPLAY_POLICY): ReplayPolicy {
  if (replayName === undefined) return fallback;
  const at = replayName.indexOf(SEPARATOR);
  const prefix = at < 0 ? undefined : replayName.slice(0, at);
  return isReplayPolicy(prefix) ? prefix : fallback;
}

/**
 * A replay name carrying `policy`: `<policy>--<label>`, the label cut so the whole fits in
 * 64 characters. The label must be made of the characters StartReplay allows.
 * @throws Error when the policy is unknown or the label is empty or has other characters
 */
export function replayNameFor(policy: ReplayPolicy, label: string): string {
  if (!isReplayPolicy(policy)) throw new Error(`unknown replay policy ${JSON.stringify(policy)}: one of ${REPLAY_POLICIES.join(', ')}`);
  const name = `${policy}${SEPARATOR}${label}`.slice(0, MAX_REPLAY_NAME_LENGTH);
  if (label === '' || !REPLAY_NAME.test(name)) {
    throw new Error(`replay name label ${JSON.stringify(label)} must be letters, digits, '.', '-' and '_'`);
  }
  return name;
}

/** A label that makes a replay name unique: the start time to the millisecond, `20261122T141503123Z`. */
export function replayLabel(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/**
 * The fixed messages a consumer logs for each replayed event, with the fields in
 * REPLAY_LOG_FIELDS: one it did not run under the policy (skip, dry run), and one it
 * reprocessed, with what became of it. The CLI finds them with FilterLogEvents
 * (`{ $.replayName = "<name>" }`) after a replay, to say what the replay did or a dry run
 * would do; a changed message here changes on both sides.
 */
export const REPLAY_LOG_MESSAGES = {
  skipped: 'replayed event acknowledged without running: replay policy skip',
  dryRun: 'replay dry run: the handler was not run',
  reprocessed: 'replayed event reprocessed',
} as const;

/**
 * What a dry run found of a replayed event's idempotency claim (read, never written):
 * `applied`, the fact was processed already and the handler would not run again (a
 * duplicate); `in-progress`, another delivery holds the claim; `none`, the handler would run;
 * `unknown`, the claim could not be read (the consumer logs why).
 */
export const REPLAY_CLAIM_STATES = ['applied', 'in-progress', 'none', 'unknown'] as const;
export type ReplayClaimState = (typeof REPLAY_CLAIM_STATES)[number];

/**
 * What became of a reprocessed replayed event: the handler `ran`; it was a `duplicate` of a
 * fact already processed (skipped, as already applied); `superseded` by a later record of its
 * key (debounce); `held-back` by flow control or a twin in progress (it comes back); `failed`
 * (retried, or dead-lettered when permanent or out of receives).
 */
export const REPROCESS_OUTCOMES = ['ran', 'duplicate', 'superseded', 'held-back', 'failed'] as const;
export type ReprocessOutcome = (typeof REPROCESS_OUTCOMES)[number];

/** The structured fields of those log lines (Powertools logs them as top-level JSON keys). */
export const REPLAY_LOG_FIELDS = {
  replayName: 'replayName',
  replayPolicy: 'replayPolicy',
  /** Whether the event passed its contract (dry run). */
  valid: 'valid',
  /** The contract problems of an invalid event (dry run). */
  problems: 'problems',
  /** What the handler would have done, as the consumer describes it (dry run). */
  wouldRun: 'wouldRun',
  /** The event's idempotency claim, a ReplayClaimState (dry run of a consumer that claims). */
  claim: 'claim',
  /** What became of a reprocessed event, a ReprocessOutcome. */
  outcome: 'outcome',
} as const;
