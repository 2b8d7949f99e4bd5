import { setTimeout as sleep } from 'node:timers/promises';
import type { EmitCause } from 'switchyard-cdk/kit';
import { prepareEvent, SimulationRefusedError, SwitchyardError } from 'switchyard-cdk/kit';
import {
  type AnyEventContract,
  type FramesInferred,
  JOB_STAGE_EFFECTS,
  JOB_STAGE_EVENTS,
  type JobApproved,
  type JobRequested,
  type JobStage,
  PIPELINE_ERRORS,
  type Rendered,
  type ScriptWritten,
  type StoryboardDrawn,
} from '../../domain/index.js';
import type { Ledger } from './ledger.js';

/** A stage's dependency did not answer; the queue brings the record back after a backoff. */
export class StageUnavailableError extends Error {
  override readonly name = PIPELINE_ERRORS.stageUnavailable;
}

/** JobApproved for a job that never asked for approval: retrying cannot help, so it is dead-lettered at once. */
export class NotAwaitingApprovalError extends SwitchyardError {
  override readonly name = PIPELINE_ERRORS.notAwaitingApproval;
  override get retryable(): boolean {
    return false;
  }
}

/**
 * The work of each stage: what it produces from the event that triggered it. Each is the
 * domain step alone (here deterministic stand-ins for a model, a storyboard artist, an
 * inference endpoint and a renderer); `runStage` makes its effect happen once.
 */
export const STAGE_WORK = {
  script: (job: JobRequested) => ({
    scriptKey: `jobs/${job.jobId}/script.md`,
    scenes: Math.min(12, 1 + Math.floor(job.brief.length / 40)),
  }),
  storyboard: (script: ScriptWritten) => ({ storyboardKey: `jobs/${script.jobId}/storyboard.json`, panels: script.scenes }),
  inference: (storyboard: StoryboardDrawn) => ({ framesKey: `jobs/${storyboard.jobId}/frames/`, frames: storyboard.panels * 24 }),
  render: (frames: FramesInferred) => ({ videoKey: `jobs/${frames.jobId}/video.mp4`, durationSeconds: Math.ceil(frames.frames / 24) * 4 }),
  approval: (rendered: Rendered) => ({ videoKey: rendered.videoKey }),
  publish: (approved: JobApproved) => ({ url: `https://videos.example.com/${approved.jobId}` }),
} as const;

/** The trigger's fields every stage event carries forward. */
interface CarriedFields {
  readonly jobId: string;
  readonly title?: string;
  readonly simulate?: readonly { stage: string; failure?: 'transient'; times?: number; delayMs?: number }[];
}

export interface StageOutcome {
  readonly stage: JobStage;
  readonly jobId: string;
  readonly effect: string;
  /** Whether this delivery applied the effect (false: an earlier one had, and the outbox sends its event). */
  readonly applied: boolean;
}

export interface StageDependencies {
  readonly ledger: Ledger;
  /** The trigger event: the completion event carries its correlation id on and names it as its cause, as `emit` does. */
  readonly cause: EmitCause;
  /** Whether the job's `simulate` is acted out; when not, a job that carries one is refused. @default false */
  readonly allowSimulatedFailures?: boolean;
  readonly now?: () => Date;
}

/**
 * Runs one stage for one event: applies its effect once, in one conditional write to the
 * ledger that also stores the stage's completion event (the ledger's outbox publishes it,
 * and it triggers the next stage; no stage calls another). A duplicate event's write is
 * refused and it does nothing: there is no window in which the effect is applied and its
 * event neither stored nor sent, so no crash can make a redelivery send it twice.
 */
export async function runStage(
  stage: JobStage,
  trigger: CarriedFields & Record<string, unknown>,
  deps: StageDependencies,
): Promise<StageOutcome> {
  const effect = JOB_STAGE_EFFECTS[stage];
  const { jobId } = trigger;
  let carried: CarriedFields = trigger;
  if (stage === 'publish') {
    // JobApproved comes from a person and carries only the job id: the rest is the approval stage's.
    const asked = await deps.ledger.get(jobId, JOB_STAGE_EFFECTS.approval);
    if (asked === undefined) throw new NotAwaitingApprovalError(`job ${jobId} was approved, but its approval was never requested`);
    carried = { jobId, ...(asked.output as Omit<CarriedFields, 'jobId'>) };
  }
  if (carried.simulate !== undefined && !deps.allowSimulatedFailures) {
    throw new SimulationRefusedError(`job ${jobId} asks for simulated failures, which this deployment refuses`);
  }
  const simulated = carried.simulate?.find((s) => s.stage === stage);
  if (simulated?.delayMs) await sleep(simulated.delayMs);
  const attempt = simulated?.failure ? await deps.ledger.countAttempt(jobId, effect) : 0;

  const work = (STAGE_WORK[stage] as (detail: unknown) => Record<string, unknown>)(trigger);
  const output = stage === 'approval' ? { ...work, title: carried.title, simulate: carried.simulate } : work;
  const next: AnyEventContract = JOB_STAGE_EVENTS[stage].emits;
  // Checked against its contract before anything is written: an event that cannot be sent is never stored.
  const announcement = prepareEvent(
    {
      contract: next,
      detail: { jobId, title: carried.title ?? '', ...(carried.simulate ? { simulate: carried.simulate } : {}), ...withoutNulls(output) },
    },
    deps.cause,
  );
  const applied = await deps.ledger.apply(jobId, effect, output, deps.now?.() ?? new Date(), announcement);
  if (simulated?.failure === 'transient' && attempt <= (simulated.times ?? 1)) {
    // The effect is written (its event too) and its answer "lost": the retry must find it applied.
    throw new StageUnavailableError(`${effect} for job ${jobId}: no answer (simulated, attempt ${attempt})`);
  }
  return { stage, jobId, effect, applied };
}

function withoutNulls(output: Record<string, unknown>): Record<string, unknown> {
  const { title: _title, simulate: _simulate, ...rest } = output;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined && v !== null));
}
