import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { type AnyEventContract, defineContract, REGISTRY_IDEMPOTENCY_FIELDS } from '../../../contracts/index.js';
import { OPTIONAL_IDEMPOTENCY_FIELD_WARNING } from '../../../lib/constructs/contract-keys.js';
import { EventHub } from '../../../lib/constructs/event-hub.js';
import { QueueConsumer } from '../../../lib/constructs/queue-consumer.js';
import { testStack } from '../../helpers/synth.js';

const entry = path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts');

const OrderPlaced = defineContract({
  detailType: 'OrderPlaced',
  source: 'test.orders',
  description: 'An order was placed.',
  properties: { orderId: Type.String({ minLength: 1 }), note: Type.Optional(Type.String()) },
  idempotencyFields: ['orderId'],
});

/** A contract written by hand (or edited after defineContract), which no definition-time check has seen. */
const misspelt: AnyEventContract = { ...OrderPlaced, idempotencyFields: ['orderNumber'] };
const optionalKey: AnyEventContract = { ...OrderPlaced, idempotencyFields: ['orderId', 'note'] };

function consumer(contracts: readonly AnyEventContract[]) {
  const test = testStack();
  new QueueConsumer(test.stack, 'Consumer', {
    eventBus: test.bus,
    eventPattern: { source: ['test.orders'], detailType: ['OrderPlaced'] },
    description: 'records orders',
    handler: { entry, description: 'test', timeout: Duration.seconds(20) },
    contracts,
  });
  return test.stack;
}

describe('EventHub contracts', () => {
  it('fails synthesis if a contract names an idempotency field its schema does not have, naming the hub, the contract, the field and its fields', () => {
    const { stack } = testStack();
    expect(() => new EventHub(stack, 'Hub', { contracts: [misspelt] })).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        message:
          'Test/Hub: contracts: contract OrderPlaced: idempotencyFields names "orderNumber", which is not a property of its detail; ' +
          'its properties are orderId, note, metadata (an idempotency field is a top-level property, not a path)',
        cause: expect.objectContaining({ name: 'InvalidContract', field: 'orderNumber' }),
      }),
    );
  });

  it('warns at synthesis of an idempotency field the schema does not require, naming the contract and the field', () => {
    const { stack } = testStack();
    new EventHub(stack, 'Hub', { contracts: [optionalKey] });
    const warnings = Annotations.fromStack(stack).findWarning(
      '/Test/Hub',
      Match.stringLikeRegexp('contract OrderPlaced keys its events on note'),
    );
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0]?.entry.data)).toContain(OPTIONAL_IDEMPOTENCY_FIELD_WARNING);
    expect(JSON.stringify(warnings[0]?.entry.data)).toContain('dead-letters it as InvalidEvent');
  });

  it('neither fails nor warns for contracts keyed on required fields', () => {
    const { stack } = testStack();
    new EventHub(stack, 'Hub', { contracts: [OrderPlaced] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('keys its events on'))).toEqual([]);
  });

  it("lists each contract's idempotency fields in its registry document, where switchyard send reads them", () => {
    const { stack } = testStack();
    new EventHub(stack, 'Hub', { contracts: [OrderPlaced] });
    const [schema] = Object.values(Template.fromStack(stack).findResources('AWS::EventSchemas::Schema'));
    expect(JSON.parse(schema?.Properties.Content)).toMatchObject({ [REGISTRY_IDEMPOTENCY_FIELDS]: ['orderId'] });
  });
});

describe('QueueConsumer contracts', () => {
  it('fails synthesis if a contract it takes names an idempotency field its schema does not have, naming the consumer', () => {
    expect(() => consumer([misspelt])).toThrow(/^Test\/Consumer: contracts: contract OrderPlaced: idempotencyFields names "orderNumber"/);
  });

  it('warns of an idempotency field the schema does not require', () => {
    const stack = consumer([optionalKey]);
    expect(Annotations.fromStack(stack).findWarning('/Test/Consumer', Match.stringLikeRegexp('keys its events on note'))).toHaveLength(1);
  });
});
