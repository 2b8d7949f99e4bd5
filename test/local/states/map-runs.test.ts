import { afterEach, describe, expect, it } from 'vitest';
import { createMachine, createStates, errorCode, executionArn, finished, type TestStates } from './helpers.js';

let t: TestStates;
afterEach(async () => t?.close());

/** A distributed Map over the input's items; an item `{ fail: true }` fails its child, and `tolerated` failures are allowed. */
const distributedMap = (extra: Record<string, unknown> = {}) => ({
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      MaxConcurrency: 2,
      ItemsPath: '$.items',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Check',
        States: {
          Check: { Type: 'Choice', Choices: [{ Variable: '$.fail', IsPresent: true, Next: 'Boom' }], Default: 'Done' },
          Boom: { Type: 'Fail', Error: 'Item.Bad' },
          Done: { Type: 'Pass', End: true },
        },
      },
      End: true,
      ...extra,
    },
  },
});

async function runMap(definition: object, items: unknown[]) {
  const stateMachineArn = await createMachine(t.states, 'fan', definition);
  const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, input: JSON.stringify({ items }) });
  await finished(t.states, arn);
  const { mapRuns } = await t.states.ListMapRuns({ executionArn: arn });
  return { arn, stateMachineArn, mapRuns };
}

describe('MapRuns', () => {
  it("lists an execution's Map Run and describes it with its settings and how its items went", async () => {
    t = await createStates();
    const { arn, stateMachineArn, mapRuns } = await runMap(distributedMap({ ToleratedFailureCount: 1 }), [{}, { fail: true }, {}]);
    expect(mapRuns).toEqual([
      {
        executionArn: arn,
        mapRunArn: expect.stringMatching(/^arn:aws:states:us-east-1:000000000000:mapRun:fan\/[0-9a-f-]{36}:[0-9a-f-]{36}$/),
        stateMachineArn: expect.stringMatching(new RegExp(`^${stateMachineArn}/[0-9a-f-]{36}$`)),
        startDate: expect.any(Number),
        stopDate: expect.any(Number),
      },
    ]);
    const counts = { pending: 0, running: 0, succeeded: 2, failed: 1, timedOut: 0, aborted: 0, total: 3, resultsWritten: 3 };
    expect(await t.states.DescribeMapRun({ mapRunArn: mapRuns[0]?.mapRunArn })).toMatchObject({
      executionArn: arn,
      status: 'SUCCEEDED',
      maxConcurrency: 2,
      toleratedFailureCount: 1,
      toleratedFailurePercentage: 0,
      itemCounts: counts,
      executionCounts: counts,
    });
  });

  it('counts the items of each batch, and a Map Run that fails writes no results', async () => {
    t = await createStates();
    const { mapRuns } = await runMap(distributedMap({ ItemBatcher: { MaxItemsPerBatch: 2 } }), [{}, {}, {}]);
    const described = await t.states.DescribeMapRun({ mapRunArn: mapRuns[0]?.mapRunArn });
    expect(described).toMatchObject({
      status: 'SUCCEEDED',
      itemCounts: { total: 3, succeeded: 3 },
      executionCounts: { total: 2, succeeded: 2 },
    });
    const failing = await t.states.ListMapRuns({ executionArn: (await runFailing()).arn });
    expect(await t.states.DescribeMapRun({ mapRunArn: failing.mapRuns[0]?.mapRunArn })).toMatchObject({
      status: 'FAILED',
      executionCounts: { failed: 1, resultsWritten: 0 },
    });
  });

  it('lists a Map Run whose ItemReader fails, FAILED with nothing counted, from its MapRunStarted on', async () => {
    t = await createStates();
    // A negative MaxItems fails the Map Run as it reads, before any item is read (States.ItemReaderFailed).
    const reader = { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'items', Key: 'items.json' } };
    const definition = distributedMap({ ItemReader: { ...reader, ReaderConfig: { InputType: 'JSON', MaxItemsPath: '$.max' } } });
    const stateMachineArn = await createMachine(t.states, 'unread', definition);
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, input: JSON.stringify({ max: -1 }) });
    const described = await finished(t.states, arn);
    expect([described.status, described.error]).toEqual(['FAILED', 'States.ItemReaderFailed']);
    const { events } = await t.states.GetExecutionHistory({ executionArn: arn, maxResults: 1000 });
    const started = events.find((e) => e.type === 'MapRunStarted')?.mapRunStartedEventDetails as { mapRunArn: string };
    const { mapRuns } = await t.states.ListMapRuns({ executionArn: arn });
    expect(mapRuns).toEqual([expect.objectContaining({ mapRunArn: started.mapRunArn, stopDate: expect.any(Number) })]);
    const nothing = { pending: 0, running: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, total: 0, resultsWritten: 0 };
    expect(await t.states.DescribeMapRun({ mapRunArn: started.mapRunArn })).toMatchObject({
      executionArn: arn,
      status: 'FAILED',
      startDate: expect.any(Number),
      stopDate: expect.any(Number),
      itemCounts: nothing,
      executionCounts: nothing,
    });
  });

  it('fails if the execution or the Map Run is not there', async () => {
    t = await createStates();
    expect(await errorCode(t.states.ListMapRuns({ executionArn: executionArn('fan', 'nope') }))).toBe('ExecutionDoesNotExist');
    expect(await errorCode(t.states.DescribeMapRun({ mapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:fan/x:y' }))).toBe(
      'ResourceNotFound',
    );
  });
});

async function runFailing() {
  const stateMachineArn = await createMachine(t.states, 'failing', distributedMap({ MaxConcurrency: 1 }));
  const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, input: JSON.stringify({ items: [{ fail: true }] }) });
  await finished(t.states, arn);
  return { arn };
}
