import type { SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { CONTRACTS } from '../../domain/index.js';
import { ContractRegistry } from '../../lambdas/kit/envelope.js';
import { throttleOf } from '../../lambdas/kit/flow-control/pause.js';
import { startWorkflow, tokenRetryAfterMsOf } from '../../lambdas/workflow-starter/start-workflow.js';
import { sqsRecord, ticketCreated } from '../helpers/events.js';

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
