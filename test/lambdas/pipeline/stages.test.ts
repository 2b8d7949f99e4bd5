import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Emission } from '../../../lambdas/kit/emit.js';
import { isPermanent } from '../../../lambdas/kit/errors.js';
import { holdBackOf } from '../../../lambdas/kit/hold-back.js';
import { Ledger } from '../../../lambdas/pipeline/ledger.js';
import { runStage } from '../../../lambdas/pipeline/stages.js';
import { type DynaliteHandle, startDynalite } from '../../helpers/dynalite.js';

let dynamo: DynaliteHandle;
let tables = 0;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => dynamo.close());

/** The real ledger on a fresh table (dynalite: DynamoDB's conditional writes, in memory). */
async function harness() {
  const tableName = `ledger-${++tables}`;
  await dynamo.createTable(tableName, 'jobId', 'effect');
  const ledger = new Ledger(dynamo.client, tableName);
  const emitted: Emission[] = [];
  const deps = { ledger, claimForMs: 60_000, emit: async (e: readonly Emission[]) => void emitted.push(...e) };
  return { ledger, emitted, deps };
}

const requested = { jobId: 'JOB-1', title: 'Teapot', brief: 'The pour, the lid, the steam and the price, in thirty seconds.' };

describe('runStage', () => {
  it('applies the stage’s effect and emits its completion event, carrying the job forward', async () => {
    const { ledger, emitted, deps } = await harness();
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
    expect(await ledger.get('JOB-1', 'write-script')).toMatchObject({ applied: 1, emitted: true });
  });

  it('does nothing for a duplicate: the effect stands and its event went out', async () => {
    const { emitted, deps } = await harness();
    await runStage('script', requested, deps);
    expect(await runStage('script', requested, deps)).toMatchObject({ applied: false, emitted: false });
    expect(emitted).toHaveLength(1);
  });

  it('sends the event of an effect applied by a delivery that died before sending it', async () => {
    const { emitted, deps } = await harness();
    await expect(
      runStage('script', requested, { ...deps, emit: async () => Promise.reject(new Error('PutEvents timed out')) }),
    ).rejects.toThrow('PutEvents timed out');
    expect(await runStage('script', requested, deps)).toMatchObject({ applied: false, emitted: true });
    expect(emitted).toHaveLength(1);
  });

  it('does not announce twice when a twin delivery comes while the first still holds its claim', async () => {
    const { ledger, emitted, deps } = await harness();
    let announce!: () => void;
    const slowEmit = async (e: readonly Emission[]) => {
      await new Promise<void>((resolve) => {
        announce = resolve;
      });
      emitted.push(...e);
    };
    const first = runStage('script', requested, { ...deps, emit: slowEmit });
    await vi.waitFor(() => expect(announce).toBeTypeOf('function'));
    // The effect is applied and not yet announced: the twin must neither announce nor give up.
    const twin = await runStage('script', requested, deps).catch((e: Error) => e);
    expect(twin).toMatchObject({ name: 'EffectInProgress' });
    expect(holdBackOf(twin as Error, 0)).toMatchObject({ reason: 'in-progress', ms: expect.any(Number) });
    expect(holdBackOf(twin as Error, 0)?.ms).toBeGreaterThan(50_000);
    announce();
    expect(await first).toMatchObject({ applied: true, emitted: true });
    // Back after the hold, the twin finds the event sent.
    expect(await runStage('script', requested, deps)).toMatchObject({ applied: false, emitted: false });
    expect(emitted).toHaveLength(1);
    expect(await ledger.get('JOB-1', 'write-script')).toMatchObject({ applied: 1, emitted: true });
  });

  it('takes over the claim of a delivery that died before announcing, once that claim lapsed', async () => {
    const { ledger, emitted, deps } = await harness();
    const start = new Date('2026-11-23T10:00:00Z');
    // The first delivery applied the effect and died: its claim runs to its deadline, 10 s on.
    await ledger.claim('JOB-1', 'write-script', { scriptKey: 'jobs/JOB-1/script.md', scenes: 2 }, start, {
      token: 'dead',
      until: start.getTime() + 10_000,
    });
    const early = await runStage('script', requested, { ...deps, now: () => new Date(start.getTime() + 4_000) }).catch((e: Error) => e);
    expect(early).toMatchObject({ name: 'EffectInProgress', retryAfterMs: 6_000 });
    expect(emitted).toHaveLength(0);
    const late = await runStage('script', requested, { ...deps, now: () => new Date(start.getTime() + 10_000) });
    expect(late).toMatchObject({ applied: false, emitted: true });
    expect(emitted.map((e) => e.contract.detailType)).toEqual(['ScriptWritten']);
  });

  it('fails a simulated transient failure after writing the effect, then succeeds without applying it twice', async () => {
    const { ledger, emitted, deps } = await harness();
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
    expect((await ledger.get('JOB-1', 'infer-frames'))?.applied).toBe(1);
    expect(emitted[0]?.detail).toMatchObject({ frames: 48, simulate: storyboard.simulate });
  });

  it('publishes an approved job with the title and video its approval stage recorded', async () => {
    const { emitted, deps } = await harness();
    await runStage('approval', { jobId: 'JOB-1', title: 'Teapot', videoKey: 'jobs/JOB-1/video.mp4', durationSeconds: 8 }, deps);
    await runStage('publish', { jobId: 'JOB-1', approvedBy: 'editor' }, deps);
    expect(emitted.map((e) => [e.contract.detailType, e.detail])).toEqual([
      ['ApprovalRequested', { jobId: 'JOB-1', title: 'Teapot', videoKey: 'jobs/JOB-1/video.mp4' }],
      ['Published', { jobId: 'JOB-1', title: 'Teapot', url: 'https://videos.example.com/JOB-1' }],
    ]);
  });

  it('fails if a job asks for simulated failures where they are not allowed, permanently and before any effect', async () => {
    const { ledger, emitted, deps } = await harness();
    const job = { ...requested, simulate: [{ stage: 'render' as const, failure: 'transient' as const }] };
    const error = await runStage('script', job, deps).catch((e: Error) => e);
    expect(error).toMatchObject({
      name: 'SimulationRefused',
      message: 'job JOB-1 asks for simulated failures, which this deployment refuses',
    });
    expect(isPermanent(error as Error)).toBe(true);
    expect(await ledger.get('JOB-1', 'write-script')).toBeUndefined();
    expect(emitted).toHaveLength(0);
  });

  it('fails if a job is approved before its approval was requested, permanently', async () => {
    const { emitted, deps } = await harness();
    const error = await runStage('publish', { jobId: 'JOB-9' }, deps).catch((e: Error) => e);
    expect(error).toMatchObject({
      name: 'JobNotAwaitingApproval',
      message: 'job JOB-9 was approved, but its approval was never requested',
    });
    expect(isPermanent(error as Error)).toBe(true);
    expect(emitted).toHaveLength(0);
  });
});
