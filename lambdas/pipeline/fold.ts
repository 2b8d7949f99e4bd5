import {
  type ApprovalRequested,
  type FramesInferred,
  JOB_EVENT_SEQUENCE,
  type JobApproved,
  type JobRejected,
  type JobRequested,
  type Published,
  type Rendered,
  type ScriptWritten,
  type StoryboardDrawn,
} from '../../domain/index.js';

/** Where a job stands, as its read model says. */
export type JobStatus =
  | 'requested'
  | 'scripted'
  | 'storyboarded'
  | 'frames-inferred'
  | 'rendered'
  | 'awaiting-approval'
  | 'approved'
  | 'rejected'
  /** Both a JobApproved and a JobRejected were sent for the job: a person must look. */
  | 'decision-conflict'
  | 'published';

/**
 * A job's read model: the fold of its events. Every field comes from the events' details
 * (no clock, no event ids, no delivery order), so folding the same events again, in any
 * order, gives the same item: that is what makes a rebuild by replay equal to the live one.
 */
export interface JobView {
  readonly jobId: string;
  readonly status: JobStatus;
  /** The highest sequence number folded (JOB_EVENT_SEQUENCE). */
  readonly version: number;
  /** How many events were folded: the token each write is conditional on. */
  readonly revision: number;
  /** The detail-types folded, in sequence order. */
  readonly events: readonly string[];
  readonly title?: string;
  readonly brief?: string;
  readonly script?: { readonly scriptKey: string; readonly scenes: number };
  readonly storyboard?: { readonly storyboardKey: string; readonly panels: number };
  readonly frames?: { readonly framesKey: string; readonly frames: number };
  readonly video?: { readonly videoKey: string; readonly durationSeconds: number };
  readonly approval?: { readonly approvedBy?: string };
  readonly rejection?: { readonly rejectedBy?: string; readonly reason: string };
  readonly url?: string;
}

/** One event of a job, as the projector receives it: its detail-type and validated detail. */
export type JobEvent =
  | { readonly detailType: 'JobRequested'; readonly detail: JobRequested }
  | { readonly detailType: 'ScriptWritten'; readonly detail: ScriptWritten }
  | { readonly detailType: 'StoryboardDrawn'; readonly detail: StoryboardDrawn }
  | { readonly detailType: 'FramesInferred'; readonly detail: FramesInferred }
  | { readonly detailType: 'Rendered'; readonly detail: Rendered }
  | { readonly detailType: 'ApprovalRequested'; readonly detail: ApprovalRequested }
  | { readonly detailType: 'JobApproved'; readonly detail: JobApproved }
  | { readonly detailType: 'JobRejected'; readonly detail: JobRejected }
  | { readonly detailType: 'Published'; readonly detail: Published };

export type FoldResult =
  | { readonly outcome: 'applied'; readonly view: JobView }
  /** `view` is the state that stands (undefined if the job has none yet). */
  | { readonly outcome: 'ignored'; readonly reason: 'duplicate' | 'other-job'; readonly view: JobView | undefined };

/**
 * Folds one event into a job's view. Pure and deterministic: the result depends only on
 * the view and the event. Each event type is a fact the job has at most once (a second
 * copy is a duplicate, ignored), each writes its own fields, and the status is derived
 * from the set of facts, not from the last one: so late and out-of-order events fold to
 * the same view as events in order.
 */
export function foldJob(view: JobView | undefined, event: JobEvent): FoldResult {
  const { detailType, detail } = event;
  const sequence = JOB_EVENT_SEQUENCE[detailType];
  if (sequence === undefined) throw new TypeError(`not a job event: ${JSON.stringify(detailType)}`);
  if (view !== undefined && view.jobId !== detail.jobId) return { outcome: 'ignored', reason: 'other-job', view };
  if (view?.events.includes(detailType)) return { outcome: 'ignored', reason: 'duplicate', view };

  const events = [...(view?.events ?? []), detailType].sort(bySequence);
  const facts: Partial<Omit<JobView, 'jobId' | 'status' | 'version' | 'revision' | 'events'>> = factsOf(event);
  const next: JobView = {
    ...view,
    ...facts,
    jobId: detail.jobId,
    events,
    version: Math.max(view?.version ?? 0, sequence),
    revision: (view?.revision ?? 0) + 1,
    status: statusOf(events),
  };
  return { outcome: 'applied', view: next };
}

/** Folds a job's events from nothing: the view a rebuild produces. */
export function foldJobEvents(events: readonly JobEvent[]): JobView | undefined {
  let view: JobView | undefined;
  for (const event of events) view = foldJob(view, event).view;
  return view;
}

function factsOf(event: JobEvent): Partial<JobView> {
  switch (event.detailType) {
    case 'JobRequested':
      return { title: event.detail.title, brief: event.detail.brief };
    case 'ScriptWritten':
      return { title: event.detail.title, script: { scriptKey: event.detail.scriptKey, scenes: event.detail.scenes } };
    case 'StoryboardDrawn':
      return { title: event.detail.title, storyboard: { storyboardKey: event.detail.storyboardKey, panels: event.detail.panels } };
    case 'FramesInferred':
      return { title: event.detail.title, frames: { framesKey: event.detail.framesKey, frames: event.detail.frames } };
    case 'Rendered':
      return { title: event.detail.title, video: { videoKey: event.detail.videoKey, durationSeconds: event.detail.durationSeconds } };
    case 'ApprovalRequested':
      return { title: event.detail.title };
    case 'JobApproved':
      return { approval: withoutUndefined({ approvedBy: event.detail.approvedBy }) };
    case 'JobRejected':
      return { rejection: withoutUndefined({ rejectedBy: event.detail.rejectedBy, reason: event.detail.reason }) };
    case 'Published':
      return { title: event.detail.title, url: event.detail.url };
  }
}

const STATUS_BY_EVENT: Readonly<Record<string, JobStatus>> = {
  JobRequested: 'requested',
  ScriptWritten: 'scripted',
  StoryboardDrawn: 'storyboarded',
  FramesInferred: 'frames-inferred',
  Rendered: 'rendered',
  ApprovalRequested: 'awaiting-approval',
  JobApproved: 'approved',
  JobRejected: 'rejected',
  Published: 'published',
};

/** The status a set of facts means: the furthest one, except that a contradictory decision says so. */
function statusOf(events: readonly string[]): JobStatus {
  if (events.includes('Published')) return 'published';
  if (events.includes('JobApproved') && events.includes('JobRejected')) return 'decision-conflict';
  return STATUS_BY_EVENT[events.at(-1) ?? 'JobRequested'] ?? 'requested';
}

function bySequence(a: string, b: string): number {
  return (JOB_EVENT_SEQUENCE[a] ?? 0) - (JOB_EVENT_SEQUENCE[b] ?? 0) || a.localeCompare(b);
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
