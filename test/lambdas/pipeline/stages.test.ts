import { describe, expect, it } from 'vitest';
import { OUTBOX_ATTRIBUTE } from '../../../contracts/index.js';
import { ScriptWritten } from '../../../domain/index.js';
import { EventPublisher } from '../../../lambdas/kit/emit.js';
import { isPermanent } from '../../../lambdas/kit/errors.js';
import { Ledger } from '../../../lambdas/pipeline/ledger.js';
import { runStage } from '../../../lambdas/pipeline/stages.js';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';
import { FakeEventBridge } from '../../helpers/fake-eventbridge.js';

const dynamo = useDynamoDb();
let tables = 0;

/** The event that triggered the stage: its correlation id travels on, its id becomes the causation id. */
const cause = { correlationId: 'corr-1', envelope: { id: 'event-1' } };

/** The real ledger on a fresh table (the local DynamoDB engine: conditional writes, in memory). */
async function harness() {
  const tableName = `ledger-${++tables}`;
  await dynamo.createTable(tableName, 'jobId', 'effect');
  const ledger = new Ledger(dynamo.client, tableName);
  /** What the outbox would send for the job's effect: the stored announcement, its detail parsed. */
  const announced = async (jobId: string, effect: string) => {
    const entry = await ledger.get(jobId, effect);
    if (entry?.announcement === undefined) return undefined;
    const { source, detailType, detail } = entry.announcement;
    return { source, detailType, detail: JSON.parse(detail) as Record<string, unknown>, text: detail };
  };
  return { ledger, announced, deps: { ledger, cause } };
}

const requested = { jobId: 'JOB-1', title: 'Teapot', brief: 'The pour, the lid, the steam and the price, in thirty seconds.' };
const metadata = { correlationId: 'corr-1', causationId: 'event-1' };

describe('runStage', () => {
  it('applies the stage’s effect and stores its completion event in the same write, carrying the job forward', async () => {
    const { ledger, announced, deps } = await harness();
    expect(await runStage('script', requested, deps)).toEqual({ stage: 'script', jobId: 'JOB-1', effect: 'write-script', applied: true });
    expect(await announced('JOB-1', 'write-script')).toMatchObject({
      source: 'switchyard.pipeline',
      detailType: 'ScriptWritten',
      detail: { jobId: 'JOB-1', title: 'Teapot', scriptKey: 'jobs/JOB-1/script.md', scenes: 2, metadata },
    });
    expect(await ledger.get('JOB-1', 'write-script')).toMatchObject({ applied: 1 });
    expect(OUTBOX_ATTRIBUTE).toBe('announcement');
  });

  it('stores the detail byte for byte as the kit’s emit would have sent it', async () => {
    const { announced, deps } = await harness();
    await runStage('script', requested, deps);
    const bus = new FakeEventBridge();
    const detail = { jobId: 'JOB-1', title: 'Teapot', scriptKey: 'jobs/JOB-1/script.md', scenes: 2 };
    await new EventPublisher({ client: bus.client, eventBusName: 'hub' }).emit([{ contract: ScriptWritten, detail }], cause);
    const stored = await announced('JOB-1', 'write-script');
    expect(stored?.text).toBe(bus.published[0]?.Detail);
    expect([stored?.source, stored?.detailType]).toEqual([bus.published[0]?.Source, bus.published[0]?.DetailType]);
  });

  it('does nothing for a duplicate: its write is refused, so the item and its announcement stay as the first wrote them', async () => {
    const { ledger, deps } = await harness();
    await runStage('script', requested, { ...deps, now: () => new Date('2026-11-23T10:00:00Z') });
    const first = await ledger.get('JOB-1', 'write-script');
    const twin = { ...deps, cause: { correlationId: 'corr-2', envelope: { id: 'event-2' } }, now: () => new Date('2026-11-23T10:05:00Z') };
    expect(await runStage('script', requested, twin)).toMatchObject({ applied: false });
    expect(await ledger.get('JOB-1', 'write-script')).toEqual(first);
  });

  it('fails if the completion event breaks its contract, before anything is written', async () => {
    const { ledger, deps } = await harness();
    const error = await runStage('storyboard', { jobId: 'JOB-1', title: 'Teapot', scriptKey: 'k', scenes: -3 }, deps).catch(
      (e: Error) => e,
    );
    expect(error).toMatchObject({ name: 'InvalidEvent' });
    expect(await ledger.get('JOB-1', 'draw-storyboard')).toBeUndefined();
  });

  it('fails a simulated transient failure after writing the effect, then succeeds without applying it twice', async () => {
    const { ledger, announced, deps } = await harness();
    const storyboard = {
      jobId: 'JOB-1',
      title: 'Teapot',
      storyboardKey: 'k',
      panels: 2,
      simulate: [{ stage: 'inference' as const, failure: 'transient' as const }],
    };
    const demo = { ...deps, allowSimulatedFailures: true };
    await expect(runStage('inference', storyboard, demo)).rejects.toMatchObject({ name: 'StageUnavailable' });
    // The effect and its event are written before the answer is "lost": the outbox sends it.
    expect((await announced('JOB-1', 'infer-frames'))?.detail).toMatchObject({ frames: 48, simulate: storyboard.simulate });
    expect(await runStage('inference', storyboard, demo)).toMatchObject({ applied: false });
    expect((await ledger.get('JOB-1', 'infer-frames'))?.applied).toBe(1);
  });

  it('publishes an approved job with the title and video its approval stage recorded', async () => {
    const { announced, deps } = await harness();
    await runStage('approval', { jobId: 'JOB-1', title: 'Teapot', videoKey: 'jobs/JOB-1/video.mp4', durationSeconds: 8 }, deps);
    await runStage('publish', { jobId: 'JOB-1', approvedBy: 'editor' }, deps);
    const events = [await announced('JOB-1', 'request-approval'), await announced('JOB-1', 'publish')];
    expect(events.map((e) => [e?.detailType, e?.detail])).toEqual([
      ['ApprovalRequested', { jobId: 'JOB-1', title: 'Teapot', videoKey: 'jobs/JOB-1/video.mp4', metadata }],
      ['Published', { jobId: 'JOB-1', title: 'Teapot', url: 'https://videos.example.com/JOB-1', metadata }],
    ]);
  });

  it('fails if a job asks for simulated failures where they are not allowed, permanently and before any effect', async () => {
    const { ledger, deps } = await harness();
    const job = { ...requested, simulate: [{ stage: 'render' as const, failure: 'transient' as const }] };
    const error = await runStage('script', job, deps).catch((e: Error) => e);
    expect(error).toMatchObject({
      name: 'SimulationRefused',
      message: 'job JOB-1 asks for simulated failures, which this deployment refuses',
    });
    expect(isPermanent(error as Error)).toBe(true);
    expect(await ledger.get('JOB-1', 'write-script')).toBeUndefined();
  });

  it('fails if a job is approved before its approval was requested, permanently', async () => {
    const { ledger, deps } = await harness();
    const error = await runStage('publish', { jobId: 'JOB-9' }, deps).catch((e: Error) => e);
    expect(error).toMatchObject({
      name: 'JobNotAwaitingApproval',
      message: 'job JOB-9 was approved, but its approval was never requested',
    });
    expect(isPermanent(error as Error)).toBe(true);
    expect(await ledger.get('JOB-9', 'publish')).toBeUndefined();
  });
});
