import { describe, expect, it } from 'vitest';
import type { Emission } from '../../../lambdas/kit/emit.js';
import { isPermanent } from '../../../lambdas/kit/errors.js';
import type { Ledger, LedgerEntry } from '../../../lambdas/pipeline/ledger.js';
import { runStage } from '../../../lambdas/pipeline/stages.js';

/** The ledger's contract in memory: one entry per job and effect, applied at most once. */
class MemoryLedger {
  readonly entries = new Map<string, LedgerEntry & { applied: number }>();
  readonly attempts = new Map<string, number>();

  async applyOnce(jobId: string, effect: string, output: Record<string, unknown>) {
    const key = `${jobId}/${effect}`;
    const existing = this.entries.get(key);
    if (existing) return { applied: false, entry: existing };
    const entry = { jobId, effect, applied: 1, output };
    this.entries.set(key, entry);
    return { applied: true, entry };
  }
  async get(jobId: string, effect: string) {
    return this.entries.get(`${jobId}/${effect}`);
  }
  async markEmitted(jobId: string, effect: string) {
    const entry = this.entries.get(`${jobId}/${effect}`);
    if (entry) this.entries.set(`${jobId}/${effect}`, { ...entry, emitted: true });
  }
  async countAttempt(jobId: string, effect: string) {
    const n = (this.attempts.get(`${jobId}/${effect}`) ?? 0) + 1;
    this.attempts.set(`${jobId}/${effect}`, n);
    return n;
  }
}

function harness() {
  const ledger = new MemoryLedger();
  const emitted: Emission[] = [];
  const deps = { ledger: ledger as unknown as Ledger, emit: async (e: readonly Emission[]) => void emitted.push(...e) };
  return { ledger, emitted, deps };
}

const requested = { jobId: 'JOB-1', title: 'Teapot', brief: 'The pour, the lid, the steam and the price, in thirty seconds.' };

describe('runStage', () => {
  it('applies the stage’s effect and emits its completion event, carrying the job forward', async () => {
    const { ledger, emitted, deps } = harness();
    expect(await runStage('script', requested, deps)).toEqual({
      stage: 'script',
      jobId: 'JOB-1',
      effect: 'write-script',
      applied: true,
      emitted: true,
    });
    expect(emitted.map((e) => [e.contract.detailType, e.detail])).toEqual([
      ['ScriptWritten', { jobId: 'JOB-1', title: 'Teapot', scriptKey: 'jobs/JOB-1/script.md', scenes: 2 }],
    ]);
    expect(ledger.entries.get('JOB-1/write-script')).toMatchObject({ applied: 1, emitted: true });
  });

  it('does nothing for a duplicate: the effect stands and its event went out', async () => {
    const { emitted, deps } = harness();
    await runStage('script', requested, deps);
    expect(await runStage('script', requested, deps)).toMatchObject({ applied: false, emitted: false });
    expect(emitted).toHaveLength(1);
  });

  it('sends the event of an effect applied by a delivery that died before sending it', async () => {
    const { emitted, deps } = harness();
    await expect(
      runStage('script', requested, { ...deps, emit: async () => Promise.reject(new Error('PutEvents timed out')) }),
    ).rejects.toThrow('PutEvents timed out');
    expect(await runStage('script', requested, deps)).toMatchObject({ applied: false, emitted: true });
    expect(emitted).toHaveLength(1);
  });

  it('fails a simulated transient failure after writing the effect, then succeeds without applying it twice', async () => {
    const { ledger, emitted, deps } = harness();
    const storyboard = {
      jobId: 'JOB-1',
      title: 'Teapot',
      storyboardKey: 'k',
      panels: 2,
      simulate: [{ stage: 'inference' as const, failure: 'transient' as const }],
    };
    const demo = { ...deps, allowSimulatedFailures: true };
    await expect(runStage('inference', storyboard, demo)).rejects.toMatchObject({ name: 'StageUnavailable' });
    expect(emitted).toHaveLength(0);
    expect(await runStage('inference', storyboard, demo)).toMatchObject({ applied: false, emitted: true });
    expect(ledger.entries.get('JOB-1/infer-frames')?.applied).toBe(1);
    expect(emitted[0]?.detail).toMatchObject({ frames: 48, simulate: storyboard.simulate });
  });

  it('publishes an approved job with the title and video its approval stage recorded', async () => {
    const { emitted, deps } = harness();
    await runStage('approval', { jobId: 'JOB-1', title: 'Teapot', videoKey: 'jobs/JOB-1/video.mp4', durationSeconds: 8 }, deps);
    await runStage('publish', { jobId: 'JOB-1', approvedBy: 'editor' }, deps);
    expect(emitted.map((e) => [e.contract.detailType, e.detail])).toEqual([
      ['ApprovalRequested', { jobId: 'JOB-1', title: 'Teapot', videoKey: 'jobs/JOB-1/video.mp4' }],
      ['Published', { jobId: 'JOB-1', title: 'Teapot', url: 'https://videos.example.com/JOB-1' }],
    ]);
  });

  it('fails if a job asks for simulated failures where they are not allowed, permanently and before any effect', async () => {
    const { ledger, emitted, deps } = harness();
    const job = { ...requested, simulate: [{ stage: 'render' as const, failure: 'transient' as const }] };
    const error = await runStage('script', job, deps).catch((e: Error) => e);
    expect(error).toMatchObject({
      name: 'SimulationRefused',
      message: 'job JOB-1 asks for simulated failures, which this deployment refuses',
    });
    expect(isPermanent(error as Error)).toBe(true);
    expect(ledger.entries.size).toBe(0);
    expect(emitted).toHaveLength(0);
  });

  it('fails if a job is approved before its approval was requested, permanently', async () => {
    const { emitted, deps } = harness();
    const error = await runStage('publish', { jobId: 'JOB-9' }, deps).catch((e: Error) => e);
    expect(error).toMatchObject({
      name: 'JobNotAwaitingApproval',
      message: 'job JOB-9 was approved, but its approval was never requested',
    });
    expect(isPermanent(error as Error)).toBe(true);
    expect(emitted).toHaveLength(0);
  });
});
