import { DurableExecutionAlreadyStartedException, type InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { type AnyEventContract, CONTRACTS } from '../../domain/index.js';
import { ContractRegistry } from '../../lambdas/kit/envelope.js';
import { durableExecutionNameFor, startDurableExecution } from '../../lambdas/workflow-starter/start-durable.js';
import { executionNameFor } from '../../lambdas/workflow-starter/start-workflow.js';
import { sqsRecord, ticketCreated } from '../helpers/events.js';

const registry = new ContractRegistry(CONTRACTS);
const parse = (event: unknown) => registry.parseRecord(sqsRecord(event));
const ALIAS = 'arn:aws:lambda:us-east-1:111111111111:function:saga:live';

/** Answers Invoke like Lambda does for durable execution names: one execution per name. */
class FakeLambda {
  readonly started = new Map<string, { functionName: string; invocationType: string; payload: unknown }>();
  get client() {
    return this as unknown as LambdaClient;
  }
  async send(command: InvokeCommand) {
    const { DurableExecutionName: name = '', FunctionName = '', InvocationType = '', Payload } = command.input;
    if (this.started.has(name)) {
      throw new DurableExecutionAlreadyStartedException({ message: `execution ${name} already started`, $metadata: {} });
    }
    this.started.set(name, {
      functionName: FunctionName,
      invocationType: InvocationType,
      payload: JSON.parse(new TextDecoder().decode(Payload as Uint8Array)),
    });
    return { StatusCode: 202, DurableExecutionArn: `${ALIAS}/durable-execution/${name}/1` };
  }
}

describe('durableExecutionNameFor', () => {
  it('gives names Lambda accepts: at most 64 letters, digits, - and _', () => {
    for (const id of ['T-1', 'ä/ö {x}', 'x'.repeat(128)]) {
      expect(durableExecutionNameFor(parse(ticketCreated(id)))).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    }
    // A long detail-type is cut, not the digest that tells facts apart.
    const contract = { detailType: 'SubscriptionRenewalPaymentCaptured.v2' } as AnyEventContract;
    const name = durableExecutionNameFor({ contract, idempotencyKey: 'k' });
    expect(name).toMatch(/^SubscriptionRenewalP-[A-Za-z0-9_-]{43}$/);
  });

  it("keeps the workflow starter's digest: one fact, one name, in either form", () => {
    const event = parse(ticketCreated('T-1'));
    expect(executionNameFor(event).endsWith(durableExecutionNameFor(event).split('-').slice(1).join('-'))).toBe(true);
    expect(durableExecutionNameFor(parse(ticketCreated('T-1')))).toBe(durableExecutionNameFor(parse(ticketCreated('T-1'))));
    expect(durableExecutionNameFor(parse(ticketCreated('T-1')))).not.toBe(durableExecutionNameFor(parse(ticketCreated('T-2'))));
  });
});

describe('startDurableExecution', () => {
  it('invokes the alias asynchronously, named after the event, with the workflow input', async () => {
    const lambda = new FakeLambda();
    const event = parse(ticketCreated('T-1'));
    const result = await startDurableExecution(lambda.client, ALIAS, event);
    expect(result).toMatchObject({ outcome: 'STARTED', executionArn: expect.stringContaining('/durable-execution/') });
    expect(lambda.started.get(result.executionName)).toMatchObject({
      functionName: ALIAS,
      invocationType: 'Event',
      payload: { detail: { ticketId: 'T-1' }, event: { id: event.envelope.id, detailType: 'TicketCreated' } },
    });
  });

  it('counts DurableExecutionAlreadyStartedException as success: a redelivery never starts a second execution', async () => {
    const lambda = new FakeLambda();
    await startDurableExecution(lambda.client, ALIAS, parse(ticketCreated('T-1')));
    const again = await startDurableExecution(lambda.client, ALIAS, parse(ticketCreated('T-1')));
    expect(again.outcome).toBe('ALREADY_STARTED');
    expect(lambda.started.size).toBe(1);
  });

  it('fails if Lambda refuses the invoke for another reason', async () => {
    const failing = { send: async () => Promise.reject(Object.assign(new Error('no such alias'), { name: 'ResourceNotFoundException' })) };
    await expect(startDurableExecution(failing as unknown as LambdaClient, ALIAS, parse(ticketCreated('T-1')))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
