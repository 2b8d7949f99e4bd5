import { Logger } from '@aws-lambda-powertools/logger';
import * as Type from 'typebox';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEAD_LETTER_ATTRIBUTES, defineContract } from '../../../contracts/index.js';
import type { RecordHandler } from '../../../lambdas/kit/consumer.js';
import { eventBridgeEvent, lambdaContext, sqsEvent, sqsRecord } from '../../helpers/events.js';
import { useConsumerBench } from '../../helpers/sqs-consumer.js';

const { sqs, consumerWith } = useConsumerBench('contract-keys');
afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Issue 66's contract, as far as synthesis now lets it through: keyed on a field its schema
 * does not require (a misspelt field fails at defineContract, test/contracts/idempotency-fields.test.ts).
 */
const OrderPlaced = defineContract({
  detailType: 'OrderPlaced',
  source: 'test.orders',
  description: 'An order was placed.',
  properties: { orderId: Type.String({ minLength: 1 }), orderNumber: Type.Optional(Type.String()) },
  idempotencyFields: ['orderNumber'],
});

function orderConsumer() {
  const recorded: string[] = [];
  const handle = async (detail: { orderId: string }) => {
    recorded.push(detail.orderId);
  };
  // The bench's consumer is typed for TicketCreated; this one takes OrderPlaced instead.
  const handler = consumerWith(handle as unknown as RecordHandler<never>, { contracts: [OrderPlaced] as never });
  return { handler, recorded };
}

const errorName = (i: number) => sqs.sent[i]?.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.errorName]?.StringValue;
const errorMessage = (i: number) => sqs.sent[i]?.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.errorMessage]?.StringValue;

describe('createSqsConsumer with events lacking their key field', () => {
  it("never gets issue 66's misspelt contract: defining it fails, naming the contract, the field and the fields it has", () => {
    const misspelt = () =>
      defineContract({
        detailType: 'OrderPlaced',
        source: 'test.orders',
        description: 'An order was placed.',
        properties: { orderId: Type.String({ minLength: 1 }) },
        // What the type checker refuses and esbuild, tsx and cdk synth ran anyway.
        idempotencyFields: ['orderNumber' as 'orderId'],
      });
    expect(misspelt).toThrow(
      'contract OrderPlaced: idempotencyFields names "orderNumber", which is not a property of its detail; its properties are orderId, metadata',
    );
  });

  it('dead-letters each new order lacking its key field as InvalidEvent naming the field, and skips none as a duplicate', async () => {
    const info = vi.spyOn(Logger.prototype, 'info');
    const errorLog = vi.spyOn(Logger.prototype, 'error');
    const { handler, recorded } = orderConsumer();
    const first = sqsRecord(eventBridgeEvent('OrderPlaced', { orderId: 'O-1' }), 'order-1');
    const second = sqsRecord(eventBridgeEvent('OrderPlaced', { orderId: 'O-2' }), 'order-2');

    expect((await handler(sqsEvent(first), lambdaContext())).batchItemFailures).toEqual([]);
    expect((await handler(sqsEvent(second), lambdaContext())).batchItemFailures).toEqual([]);

    expect(recorded).toEqual([]);
    expect(info.mock.calls.filter(([message]) => String(message).startsWith('duplicate skipped'))).toEqual([]);
    expect(sqs.sent.map((m) => m.MessageBody)).toEqual([first.body, second.body]);
    for (const i of [0, 1]) {
      expect(errorName(i)).toBe('InvalidEvent');
      expect(errorMessage(i)).toContain('has no value for detail.orderNumber (absent, null or empty)');
    }
    expect(errorLog.mock.calls.map(([, fields]) => fields)).toEqual([
      expect.objectContaining({ reason: expect.objectContaining({ errorName: 'InvalidEvent' }) }),
      expect.objectContaining({ reason: expect.objectContaining({ errorName: 'InvalidEvent' }) }),
    ]);
    expect(String(JSON.stringify(errorLog.mock.calls[0]?.[1]))).toContain('detail.orderNumber');
  });

  it('still applies a repeat of an order that carries its key field once', async () => {
    const { handler, recorded } = orderConsumer();
    await handler(sqsEvent(sqsRecord(eventBridgeEvent('OrderPlaced', { orderId: 'O-3', orderNumber: 'N-3' }))), lambdaContext());
    await handler(sqsEvent(sqsRecord(eventBridgeEvent('OrderPlaced', { orderId: 'O-3', orderNumber: 'N-3' }))), lambdaContext());
    expect(recorded).toEqual(['O-3']);
    expect(sqs.sent).toEqual([]);
  });
});
