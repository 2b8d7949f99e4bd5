import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Emission } from 'switchyard/kit';
import { SimulationRefusedError, SwitchyardError, toError } from 'switchyard/kit';
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
  /** Whether this delivery applied the effect (false: an earlier one had). */
  readonly applied: boolean;
  /** Whether this delivery published the completion event (false: an earlier one had). */
  readonly emitted: boolean;
}

export interface StageDependencies {
  readonly ledger: Ledger;
  /**
   * How long this delivery's claim on the effect lasts: until the invocation's deadline (a
   * twin may take over only once the holder can no longer be running).
   */
  readonly claimForMs: number;
  /** Names this delivery's claim. @default - a random UUID */
  readonly claimToken?: string;
  /** Told when giving up a claim after a failure did not work (the claim then lapses on its own). */
  readonly onReleaseFailed?: (error: Error) => void;
  /** Whether the job's `simulate` is acted out; when not, a job that carries one is refused. @default false */
  readonly allowSimulatedFailures?: boolean;
  readonly emit: (emissions: readonly Emission[]) => Promise<void>;
  readonly now?: () => Date;
}

/**
 * Runs one stage for one event: applies its effect once (a conditional write to the
 * ledger that also claims the right to announce it), then publishes the stage's completion
 * event, which triggers the next stage; it never calls that stage. A duplicate event finds
 * the effect applied and the event sent and does nothing; one whose earlier delivery died
 * between the two takes the lapsed claim over and sends the event; one that comes while the
 * earlier delivery still holds its claim throws EffectInProgressError and comes back later.
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
  const now = deps.now?.() ?? new Date();
  const token = deps.claimToken ?? randomUUID();
  const { applied, claimed, entry } = await deps.ledger.claim(jobId, effect, output, now, {
    token,
    until: now.getTime() + deps.claimForMs,
  });
  if (!claimed) return { stage, jobId, effect, applied, emitted: false };
  try {
    if (simulated?.failure === 'transient' && attempt <= (simulated.times ?? 1)) {
      // The effect is written and its answer "lost": the retry must find it applied.
      throw new StageUnavailableError(`${effect} for job ${jobId}: no answer (simulated, attempt ${attempt})`);
    }
    const next: AnyEventContract = JOB_STAGE_EVENTS[stage].emits;
    const title = carried.title ?? '';
    await deps.emit([
      {
        contract: next,
        detail: { jobId, title, ...(carried.simulate ? { simulate: carried.simulate } : {}), ...withoutNulls(entry.output) },
      },
    ]);
  } catch (error) {
    // Not announced: hand the claim back so the retry need not wait for it to lapse.
    await deps.ledger.release(jobId, effect, token).catch((thrown: unknown) => deps.onReleaseFailed?.(toError(thrown)));
    throw error;
  }
  await deps.ledger.markEmitted(jobId, effect);
  return { stage, jobId, effect, applied, emitted: true };
}

function withoutNulls(output: Record<string, unknown>): Record<string, unknown> {
  const { title: _title, simulate: _simulate, ...rest } = output;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined && v !== null));
}
