import { type AnyEventContract, type Detail, defineContract } from 'switchyard-cdk/contracts';
// TypeBox's builders as a namespace import rather than switchyard-cdk/contracts' `Type` object: a
// handler bundle then keeps only the builders called here, not all of TypeBox (see domain/index.ts).
import * as Type from 'typebox';

/**
 * The content pipeline: a job moves through queue stages, each triggered by the event the
 * one before emitted (choreography: no stage calls the next). A person approves or rejects
 * the rendered job; an approved job is published.
 *
 *   JobRequested -> script -> ScriptWritten -> storyboard -> StoryboardDrawn -> inference
 *   -> FramesInferred -> render -> Rendered -> approval -> ApprovalRequested
 *   -> (a person) JobApproved -> publish -> Published        (or JobRejected: the job ends)
 *
 * Every event carries `jobId`. Its place in a job's history is fixed by its detail-type
 * (JOB_EVENT_SEQUENCE), so the read model's fold needs no clock and no delivery order.
 */
export const JOB_STAGES = ['script', 'storyboard', 'inference', 'render', 'approval', 'publish'] as const;
export type JobStage = (typeof JOB_STAGES)[number];

/** The side effect each stage writes to the pipeline's ledger, once per job. */
export const JOB_STAGE_EFFECTS = {
  script: 'write-script',
  storyboard: 'draw-storyboard',
  inference: 'infer-frames',
  render: 'render-video',
  approval: 'request-approval',
  publish: 'publish',
} as const satisfies Record<JobStage, string>;

/** Stable error names of the pipeline's stages. */
export const PIPELINE_ERRORS = {
  /** A stage's dependency (the model, the renderer) did not answer; the same call may succeed later. */
  stageUnavailable: 'StageUnavailable',
  /** JobApproved for a job whose approval was never requested: retrying will not help. */
  notAwaitingApproval: 'JobNotAwaitingApproval',
} as const;

const jobId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/**
 * Failures and latency to simulate, for tests and demos. `stage` fails `times` times
 * (default: once) with a transient error raised after its effect is written (a lost
 * answer: the retry must find the effect applied), and/or takes `delayMs` before it works.
 * The job's events carry the list forward, so a later stage sees it.
 */
export const JobSimulationSchema = Type.Object(
  {
    stage: Type.Union(JOB_STAGES.map((s) => Type.Literal(s))),
    failure: Type.Optional(Type.Literal('transient')),
    times: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 20_000 })),
  },
  { additionalProperties: false },
);
const simulate = Type.Optional(Type.Array(JobSimulationSchema, { maxItems: JOB_STAGES.length }));

/** The fields every stage event carries forward: the job, what it is, and its simulations. */
const jobFields = {
  jobId,
  title: Type.String({ minLength: 1, maxLength: 256 }),
  simulate,
};

/** Someone asked for a video: the first stage writes its script. */
export const JobRequested = defineContract({
  detailType: 'JobRequested',
  source: 'switchyard.pipeline',
  description: 'A content job was requested; the pipeline writes, storyboards, infers, renders it, then asks for approval.',
  properties: {
    ...jobFields,
    /** What the video is about. */
    brief: Type.String({ minLength: 1, maxLength: 4096 }),
  },
  idempotencyFields: ['jobId'],
});
export type JobRequested = Detail<typeof JobRequested>;

export const ScriptWritten = defineContract({
  detailType: 'ScriptWritten',
  source: 'switchyard.pipeline',
  description: "The job's script was written.",
  properties: {
    ...jobFields,
    scriptKey: Type.String({ minLength: 1, maxLength: 1024 }),
    scenes: Type.Integer({ minimum: 1, maximum: 100 }),
  },
  idempotencyFields: ['jobId'],
});
export type ScriptWritten = Detail<typeof ScriptWritten>;

export const StoryboardDrawn = defineContract({
  detailType: 'StoryboardDrawn',
  source: 'switchyard.pipeline',
  description: "The job's storyboard was drawn, one panel per scene.",
  properties: {
    ...jobFields,
    storyboardKey: Type.String({ minLength: 1, maxLength: 1024 }),
    panels: Type.Integer({ minimum: 1, maximum: 100 }),
  },
  idempotencyFields: ['jobId'],
});
export type StoryboardDrawn = Detail<typeof StoryboardDrawn>;

export const FramesInferred = defineContract({
  detailType: 'FramesInferred',
  source: 'switchyard.pipeline',
  description: "The model inferred the job's frames from its storyboard (slow, fails sometimes).",
  properties: { ...jobFields, framesKey: Type.String({ minLength: 1, maxLength: 1024 }), frames: Type.Integer({ minimum: 1 }) },
  idempotencyFields: ['jobId'],
});
export type FramesInferred = Detail<typeof FramesInferred>;

export const Rendered = defineContract({
  detailType: 'Rendered',
  source: 'switchyard.pipeline',
  description: "The job's frames were rendered into a video (slow, fails sometimes).",
  properties: { ...jobFields, videoKey: Type.String({ minLength: 1, maxLength: 1024 }), durationSeconds: Type.Integer({ minimum: 1 }) },
  idempotencyFields: ['jobId'],
});
export type Rendered = Detail<typeof Rendered>;

export const ApprovalRequested = defineContract({
  detailType: 'ApprovalRequested',
  source: 'switchyard.pipeline',
  description: 'The rendered job waits for a person: send JobApproved or JobRejected with its jobId.',
  properties: { ...jobFields, videoKey: Type.String({ minLength: 1, maxLength: 1024 }) },
  idempotencyFields: ['jobId'],
});
export type ApprovalRequested = Detail<typeof ApprovalRequested>;

/** The human step: sent by a person (`npx switchyard send JobApproved --detail '{"jobId":"..."}'`). */
export const JobApproved = defineContract({
  detailType: 'JobApproved',
  source: 'switchyard.pipeline',
  description: 'A person approved a rendered job; the pipeline publishes it.',
  properties: {
    jobId,
    /** Who approved. */
    approvedBy: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  idempotencyFields: ['jobId'],
});
export type JobApproved = Detail<typeof JobApproved>;

export const JobRejected = defineContract({
  detailType: 'JobRejected',
  source: 'switchyard.pipeline',
  description: 'A person rejected a rendered job; it is not published.',
  properties: {
    jobId,
    rejectedBy: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    reason: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  idempotencyFields: ['jobId'],
});
export type JobRejected = Detail<typeof JobRejected>;

export const Published = defineContract({
  detailType: 'Published',
  source: 'switchyard.pipeline',
  description: 'An approved job was published.',
  properties: { ...jobFields, url: Type.String({ minLength: 1, maxLength: 2048 }) },
  idempotencyFields: ['jobId'],
});
export type Published = Detail<typeof Published>;

/** Every event of a job, in the order of its history: its place is the event's sequence number (1-based; JobApproved and JobRejected share theirs). */
export const JOB_EVENTS = [
  JobRequested,
  ScriptWritten,
  StoryboardDrawn,
  FramesInferred,
  Rendered,
  ApprovalRequested,
  JobApproved,
  JobRejected,
  Published,
] as const satisfies readonly AnyEventContract[];

export type JobEventType = (typeof JOB_EVENTS)[number]['detailType'];

/** The place of each event in a job's history: a decision (approved or rejected) is 7 either way. */
export const JOB_EVENT_SEQUENCE: Readonly<Record<string, number>> = {
  JobRequested: 1,
  ScriptWritten: 2,
  StoryboardDrawn: 3,
  FramesInferred: 4,
  Rendered: 5,
  ApprovalRequested: 6,
  JobApproved: 7,
  JobRejected: 7,
  Published: 8,
};

/** What triggers each stage and what it emits when its effect is done. */
export const JOB_STAGE_EVENTS = {
  script: { trigger: JobRequested, emits: ScriptWritten },
  storyboard: { trigger: ScriptWritten, emits: StoryboardDrawn },
  inference: { trigger: StoryboardDrawn, emits: FramesInferred },
  render: { trigger: FramesInferred, emits: Rendered },
  approval: { trigger: Rendered, emits: ApprovalRequested },
  publish: { trigger: JobApproved, emits: Published },
} as const satisfies Record<JobStage, { trigger: AnyEventContract; emits: AnyEventContract }>;
