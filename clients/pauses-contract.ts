/** What the read API's /pauses takes and answers (read-api-contract.ts re-exports it): `switchyard pause`'s report and what it can pause. */

/** A consumer of the app (an SQS event source mapping, a schedule, a scheduled rule) as it is now, or as a pause left it. */
export interface PausedConsumer {
  /** `<queue> -> <function>` for a mapping, `schedule <name>`, `scheduled rule <name>`. */
  readonly consumer: string;
  readonly kind: 'mapping' | 'schedule' | 'rule';
  /** How the target names it: the mapping's UUID, the schedule's `<group>/<name>`, the rule's name. */
  readonly id: string;
  /** Its state in its service's words: Enabled, Disabling, Disabled (Lambda); ENABLED, DISABLED (Scheduler, EventBridge). */
  readonly state: string;
  /** When it last changed (ISO 8601): a mapping's LastModified, a schedule's LastModificationDate; rules keep none. */
  readonly since?: string;
  /** Whether its template disables it: no pause's to undo, left alone by resume too. */
  readonly enabledInTemplate: boolean;
}

/** What a pause or resume did to one consumer. */
export interface PauseOutcomeView extends PausedConsumer {
  /** False when it already was as asked, or its template disables it. */
  readonly changed: boolean;
}

/** A flow, function or queue `switchyard pause` takes, and its consumers now. */
export interface PauseTargetView {
  readonly name: string;
  readonly kind: 'flow' | 'function' | 'queue';
  readonly consumers: readonly (PausedConsumer & { readonly paused: boolean })[];
}

export interface PausesPage {
  readonly targets: readonly PauseTargetView[];
}

/** What POST /pauses asks. */
export interface PauseRequest {
  /** A flow, function or queue of the app, by the name `switchyard pause` takes. */
  readonly target: string;
  readonly action: 'pause' | 'resume';
}

/** What POST /pauses answers: `switchyard pause|resume --json`'s report. */
export interface PauseAnswer {
  readonly action: 'pause' | 'resume';
  readonly targets: readonly { readonly name: string; readonly kind: string }[];
  readonly consumers: readonly PauseOutcomeView[];
  /** The consumers the template has and the runtime does not. */
  readonly missing: readonly string[];
}
