import type { SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { CONTRACTS } from '../../domain/index.js';
import { ContractRegistry } from '../../lambdas/kit/envelope.js';
import { WorkflowFailedError } from '../../lambdas/kit/errors.js';
import { FlowGate } from '../../lambdas/kit/flow-control/gate.js';
import { throttleOf } from '../../lambdas/kit/flow-control/pause.js';
import { logger } from '../../lambdas/kit/observability.js';
import { ExecutionThrottledError, startWorkflow, tokenRetryAfterMsOf } from '../../lambdas/workflow-starter/start-workflow.js';
import { useDynamoDb } from '../helpers/dynamodb-engine.js';
import { sqsRecord, ticketCreated } from '../helpers/events.js';
import { flowControlStore } from '../helpers/flow-control.js';

const registry = new ContractRegistry(CONTRACTS);
const parse = (event: unknown) => registry.parseRecord(sqsRecord(event));
const ARN = 'arn:aws:states:us-east-1:111111111111:stateMachine:triage';

function failingWith(error: string, cause: string): SFNClient {
  return { send: async () => ({ status: 'FAILED', error, cause }) } as unknown as SFNClient;
}

describe('startWorkflow on an EXPRESS execution that found its token window full', () => {
  // The classify Lambda's error as the flow's Fail state passes it on as its Cause.
  const cause = JSON.stringify({
    errorType: 'TokenLimitReached',
    errorMessage: 'model haiku minute (100 tokens) cannot hold 640 more tokens now; retry in 42 s',
  });

  it("fails as a throttling answer the kit's flow control pauses the key for, with the window's retry-after", async () => {
    const failure = await startWorkflow(failingWith('TokenLimitReached', cause), ARN, 'EXPRESS', parse(ticketCreated('T-1'))).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ name: 'TokenLimitReached', message: expect.stringContaining('retry in 42 s') });
    expect(throttleOf(failure)).toEqual({ retryAfterMs: 42_000 });
  });

  it("leaves the retry-after to the pause's default when the cause does not say", async () => {
    const failure = await startWorkflow(failingWith('TokenLimitReached', 'no detail'), ARN, 'EXPRESS', parse(ticketCreated('T-1'))).catch(
      (error: unknown) => error,
    );
    expect(throttleOf(failure)).toEqual({ retryAfterMs: undefined });
    expect(tokenRetryAfterMsOf(undefined)).toBeUndefined();
  });

  it('fails as WorkflowFailed, not a throttling answer, for any other failure', async () => {
    const failure = await startWorkflow(failingWith('States.TaskFailed', cause), ARN, 'EXPRESS', parse(ticketCreated('T-1'))).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ name: 'WorkflowFailed' });
    expect(throttleOf(failure)).toBeUndefined();
  });
});

describe("the starter's flow control on ExecutionThrottledError", () => {
  const dynamo = useDynamoDb();

  async function gate() {
    const store = await flowControlStore(dynamo);
    return new FlowGate(store, {
      flow: 'Test/Triage/Starter',
      key: { constant: 'classify-model' },
      pauseOnThrottle: { defaultSeconds: 15, maxSeconds: 60 },
    });
  }
  const record = (id: string) => sqsRecord(ticketCreated(id));

  it("pauses the key for every record until the window's retry-after, holding the throttled record back", async () => {
    const starter = await gate();
    const pass = await starter.enter(record('T-1'), ticketCreated('T-1'), 10_000);
    if (pass.kind !== 'run') throw new Error('expected the record to run');
    const held = await pass.leave(logger, new ExecutionThrottledError('execution ended FAILED: TokenLimitReached', 42_000));
    expect(held).toMatchObject({ name: 'FlowHeldBack', reason: 'paused', retryAfterMs: 42_000 });
    await expect(starter.enter(record('T-2'), ticketCreated('T-2'), 10_000)).rejects.toMatchObject({
      name: 'FlowHeldBack',
      reason: 'paused',
    });
  });

  it('fails the record with any other execution failure, and pauses nothing', async () => {
    const starter = await gate();
    const pass = await starter.enter(record('T-1'), ticketCreated('T-1'), 10_000);
    if (pass.kind !== 'run') throw new Error('expected the record to run');
    const failed = new WorkflowFailedError('execution ended FAILED: States.TaskFailed');
    expect(await pass.leave(logger, failed)).toBe(failed);
    await expect(starter.enter(record('T-2'), ticketCreated('T-2'), 10_000)).resolves.toMatchObject({ kind: 'run' });
  });
});
