import { ExecutionAlreadyExists, type SFNClient, type StartExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { CONTRACTS } from '../../domain/index.js';
import { ContractRegistry } from '../../lambdas/kit/envelope.js';
import { executionNameFor, retryAfterMsOf, startWorkflow } from '../../lambdas/workflow-starter/start-workflow.js';
import { sqsRecord, ticketCreated } from '../helpers/events.js';

const registry = new ContractRegistry(CONTRACTS);
const parse = (event: unknown) => registry.parseRecord(sqsRecord(event));
const ARN = 'arn:aws:states:us-east-1:111111111111:stateMachine:triage';

/** Answers StartExecution / StartSyncExecution like Step Functions does for names. */
class FakeStepFunctions {
  readonly started = new Map<string, string>();
  constructor(private readonly syncStatus: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED') {}
  get client() {
    return this as unknown as SFNClient;
  }
  async send(command: StartExecutionCommand | StartSyncExecutionCommand) {
    const { name = '', input = '' } = command.input;
    if (command instanceof StartSyncExecutionCommand) {
      return this.syncStatus === 'SUCCEEDED'
        ? { status: 'SUCCEEDED', executionArn: `${ARN}:${name}` }
        : { status: 'FAILED', error: 'States.TaskFailed', cause: 'classifier exploded' };
    }
    if (this.started.has(name)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${name}'`, $metadata: {} });
    this.started.set(name, input);
    return { executionArn: `${ARN}:${name}`, startDate: new Date() };
  }
}

describe('executionNameFor', () => {
  it('gives every delivery of one ticket the same name', () => {
    expect(executionNameFor(parse(ticketCreated('T-1')))).toBe(executionNameFor(parse(ticketCreated('T-1'))));
    expect(executionNameFor(parse(ticketCreated('T-1')))).not.toBe(executionNameFor(parse(ticketCreated('T-2'))));
  });

  it('gives names Step Functions accepts: at most 80 characters of letters, digits, - and _', () => {
    for (const id of ['T-1', 'ä/ö {x}', 'x'.repeat(128)]) {
      expect(executionNameFor(parse(ticketCreated(id)))).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    }
  });
});

describe('startWorkflow', () => {
  it('starts a STANDARD execution with the event as input, and the idempotency key its name is a digest of', async () => {
    const sfn = new FakeStepFunctions();
    const event = parse(ticketCreated('T-1'));
    const result = await startWorkflow(sfn.client, ARN, 'STANDARD', event);
    expect(result.outcome).toBe('STARTED');
    const input = JSON.parse(sfn.started.get(result.executionName) ?? '{}');
    expect(input).toMatchObject({
      detail: { ticketId: 'T-1' },
      event: { id: event.envelope.id, detailType: 'TicketCreated', idempotencyKey: 'TicketCreated#ticketId="T-1"' },
    });
    expect(result.executionName).toBe(executionNameFor(event));
  });

  it('counts ExecutionAlreadyExists as success: a duplicate never starts a second execution', async () => {
    const sfn = new FakeStepFunctions();
    await startWorkflow(sfn.client, ARN, 'STANDARD', parse(ticketCreated('T-1')));
    const again = await startWorkflow(sfn.client, ARN, 'STANDARD', parse(ticketCreated('T-1')));
    expect(again.outcome).toBe('ALREADY_STARTED');
    expect(sfn.started.size).toBe(1);
  });

  it('runs an EXPRESS execution synchronously', async () => {
    const result = await startWorkflow(new FakeStepFunctions().client, ARN, 'EXPRESS', parse(ticketCreated('T-1')));
    expect(result.outcome).toBe('SUCCEEDED');
  });

  it('fails as EffectInProgress, until the claim named in its Cause lapses, when the execution found a twin holding it', async () => {
    const leaseUntil = Date.now() + 9_000;
    const twin = {
      send: async () => ({ status: 'FAILED', error: 'EffectInProgress', cause: JSON.stringify({ message: 'held', leaseUntil }) }),
    } as unknown as SFNClient;
    const failure = await startWorkflow(twin, ARN, 'EXPRESS', parse(ticketCreated('T-1'))).catch((error: unknown) => error);
    // The name the kit's consumer holds a record back for (hold-back.ts), never dead-letters it for.
    expect(failure).toMatchObject({ name: 'EffectInProgress', message: expect.stringContaining('held') });
    expect((failure as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(8_000);
    expect((failure as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(9_000);
  });

  it('reads when a claim lapses from an EffectInProgress Cause, and 0 (look again soon) from one that does not say', () => {
    expect(retryAfterMsOf(JSON.stringify({ message: 'm', leaseUntil: 5_000 }), 1_000)).toBe(4_000);
    expect(retryAfterMsOf(JSON.stringify({ message: 'm', leaseUntil: 500 }), 1_000)).toBe(0);
    for (const cause of [undefined, 'not json', 'null', JSON.stringify({ leaseUntil: 'soon' })])
      expect(retryAfterMsOf(cause, 1_000)).toBe(0);
  });

  it('fails if an EXPRESS execution does not end before the starter’s deadline, so its invocation still answers for the batch', async () => {
    const hanging = {
      send: (_command: unknown, options: { abortSignal?: AbortSignal }) =>
        new Promise((_resolve, reject) => options.abortSignal?.addEventListener('abort', () => reject(options.abortSignal?.reason))),
    } as unknown as SFNClient;
    const failure = await startWorkflow(hanging, ARN, 'EXPRESS', parse(ticketCreated('T-1')), AbortSignal.timeout(20)).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({
      name: 'WorkflowFailed',
      message: expect.stringContaining('did not end before the starter’s deadline'),
      cause: expect.objectContaining({ name: 'TimeoutError' }),
    });
  });

  it('fails if an EXPRESS execution does not succeed, so the queue retries it', async () => {
    await expect(startWorkflow(new FakeStepFunctions('FAILED').client, ARN, 'EXPRESS', parse(ticketCreated('T-1')))).rejects.toMatchObject({
      name: 'WorkflowFailed',
      message: expect.stringContaining('FAILED: States.TaskFailed (classifier exploded)'),
    });
  });
});
