import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { BusEvent } from '../../../local/eventbridgev2/delivery/bus-event.js';
import { TransformError } from '../../../local/eventbridgev2/delivery/expressions.js';
import { compileSelection } from '../../../local/eventbridgev2/delivery/selection.js';
import { rejectionOf } from '../helpers.js';

const PARAMETERS =
  'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-transform.html#eb-custom-bus-transform-parameters';

const order = (customerId: string, eventId = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111'): BusEvent => ({
  Data: { customerId, orderId: `order-${customerId}`, total: 42 },
  Metadata: { tenant: 'acme' },
  SystemMetadata: { ContentType: 'application/json', 'aws:EventId': eventId, 'aws:DeliveryType': 'LIVE' },
});

const invoking = (TargetArn: string, parameters: Record<string, unknown>) => ({ InvokeConfiguration: { TargetArn, ...parameters } });
const QUEUE = 'arn:aws:sqs:us-east-1:111122223333:orders.fifo';

const failure = (promise: Promise<unknown>) => rejectionOf(promise, TransformError);

describe('compileSelection target parameters', () => {
  it(`resolves SQS FIFO values from each event, as the docs' example does (${PARAMETERS})`, async () => {
    const selection = compileSelection(
      invoking(QUEUE, {
        RoleArn: 'arn:aws:iam::111122223333:role/SubscriberTargetRole',
        SqsParameters: {
          MessageGroupId: '{% $events.Data.customerId %}',
          MessageDeduplicationId: '{% $events.SystemMetadata."aws:EventId" %}',
        },
      }),
    );
    expect(await selection.targetParameters(order('c-7'))).toEqual({
      SqsParameters: { MessageGroupId: 'c-7', MessageDeduplicationId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' },
    });
    expect(await selection.targetParameters(order('c-8', 'e-2'))).toEqual({
      SqsParameters: { MessageGroupId: 'c-8', MessageDeduplicationId: 'e-2' },
    });
  });

  it('keeps literals, and an expression inside a longer string, as written', async () => {
    const selection = compileSelection(
      invoking('arn:aws:kinesis:us-east-1:111122223333:stream/orders', {
        KinesisParameters: { PartitionKey: 'key-{% $events.Data.customerId %}' },
      }),
    );
    expect(await selection.targetParameters(order('c-7'))).toEqual({
      KinesisParameters: { PartitionKey: 'key-{% $events.Data.customerId %}' },
    });
  });

  it('reads the original event, not the payload the Transformer produced', async () => {
    const selection = compileSelection({
      ...invoking(QUEUE, { SqsParameters: { MessageGroupId: '{% $events.Data.customerId %}' } }),
      Transformer: { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% {"id": $events.Data.orderId} %}' } },
    });
    expect(await selection.payload(order('c-7'))).toEqual({ id: 'order-c-7' });
    expect(await selection.targetParameters(order('c-7'))).toEqual({ SqsParameters: { MessageGroupId: 'c-7' } });
  });

  it('resolves message attribute names and string values per event, and never evaluates a BinaryValue', async () => {
    const selection = compileSelection(
      invoking(QUEUE, {
        SqsParameters: {
          MessageAttributes: {
            '{% "tenant-" & $events.Metadata.tenant %}': { DataType: 'String', StringValue: '{% $events.Data.orderId %}' },
            bytes: { DataType: 'Binary', BinaryValue: '{% not evaluated %}' },
          },
        },
      }),
    );
    expect(await selection.targetParameters(order('c-7'))).toEqual({
      SqsParameters: {
        MessageAttributes: {
          'tenant-acme': { DataType: 'String', StringValue: 'order-c-7' },
          bytes: { DataType: 'Binary', BinaryValue: '{% not evaluated %}' },
        },
      },
    });
  });

  it('resolves Lambda and Step Functions parameters once per invocation, over the array of its events', async () => {
    const selection = compileSelection(
      invoking('arn:aws:states:us-east-1:111122223333:stateMachine:orders', {
        StepFunctionsParameters: {
          InvocationType: 'EVENT',
          Name: '{% "orders-" & $events[0].Data.customerId & "-" & $string($count($events)) %}',
        },
      }),
    );
    expect(await selection.targetParameters(order('c-7'))).toEqual({});
    expect(await selection.invocationParameters([order('c-7'), order('c-8')])).toEqual({
      StepFunctionsParameters: { InvocationType: 'EVENT', Name: 'orders-c-7-2' },
    });
    const durable = compileSelection(
      invoking('arn:aws:lambda:us-east-1:111122223333:function:orders', {
        LambdaParameters: { DurableExecutionName: '{% $events[0].SystemMetadata."aws:EventId" %}' },
      }),
    );
    expect(await durable.invocationParameters([order('c-7', 'e-9')])).toEqual({ LambdaParameters: { DurableExecutionName: 'e-9' } });
  });

  it("lets a universal target's Input return any JSON value over the invocation's events", async () => {
    const selection = compileSelection(
      invoking('arn:aws:events:::aws-sdk:dynamodb:putItem', {
        UniversalTargetParameters: { Input: '{% {"TableName": "orders", "Items": $events.Data.orderId} %}' },
      }),
    );
    expect(await selection.invocationParameters([order('c-7'), order('c-8')])).toEqual({
      UniversalTargetParameters: { Input: { TableName: 'orders', Items: ['order-c-7', 'order-c-8'] } },
    });
  });

  it('fails the delivery if an expression yields nothing, or something other than a string, naming the member', async () => {
    const nothing = compileSelection(invoking(QUEUE, { SqsParameters: { MessageGroupId: '{% $events.Data.detail.customerId %}' } }));
    expect((await failure(nothing.targetParameters(order('c-7')))).member).toBe('InvokeConfiguration.SqsParameters.MessageGroupId');
    const number = compileSelection(invoking(QUEUE, { SqsParameters: { MessageGroupId: '{% $events.Data.total %}' } }));
    const error = await failure(number.targetParameters(order('c-7')));
    expect(error.message).toBe(
      'InvokeConfiguration.SqsParameters.MessageGroupId: The JSONata expression returned a number (42): a target parameter expression must return a string.',
    );
  });

  it('fails the delivery if two attribute names resolve to the same name', async () => {
    const selection = compileSelection(
      invoking(QUEUE, {
        SqsParameters: {
          MessageAttributes: { '{% "a" %}': { DataType: 'String', StringValue: '1' }, a: { DataType: 'String', StringValue: '2' } },
        },
      }),
    );
    expect((await failure(selection.targetParameters(order('c-7')))).message).toContain('two keys resolved to the same name "a"');
  });

  it('fails if a parameter expression does not compile, naming the member', () => {
    let error: unknown;
    try {
      compileSelection(invoking(QUEUE, { SqsParameters: { MessageGroupId: '{% $events.Data. %}' } }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).code).toBe('InvalidInputException');
    expect((error as AwsError).message).toMatch(/^InvokeConfiguration\.SqsParameters\.MessageGroupId is not a valid JSONata expression/);
  });

  it('fails if an expression is longer than 8,192 characters', () => {
    const long = `{% "${'x'.repeat(8200)}" %}`;
    expect(() => compileSelection(invoking(QUEUE, { SqsParameters: { MessageGroupId: long } }))).toThrow(/at most 8192 characters/);
  });

  it('fails if an HTTP target sets a header that would override request signing', () => {
    const target = 'arn:aws:events:us-east-1:111122223333:api-destination/orders/abcd';
    expect(() => compileSelection(invoking(target, { HttpParameters: { HeaderParameters: { 'X-Amz-Date': 'now' } } }))).toThrow(
      /override request signing/,
    );
  });
});
