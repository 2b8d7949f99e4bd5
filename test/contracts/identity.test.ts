import * as Type from 'typebox';
import { describe, expect, it } from 'vitest';
import {
  defineContract,
  executionNameFor,
  idempotencyFieldsMissing,
  idempotencyKeyOf,
  MissingIdempotencyField,
} from '../../contracts/index.js';

const OrderPlaced = defineContract({
  detailType: 'OrderPlaced',
  source: 'test.orders',
  description: 'An order was placed.',
  properties: { orderId: Type.String({ minLength: 1 }), customerId: Type.String() },
  idempotencyFields: ['orderId', 'customerId'],
});

describe('idempotencyKeyOf', () => {
  it('keys an event on the values of its idempotency fields', () => {
    expect(idempotencyKeyOf(OrderPlaced, { id: 'e-1', detail: { orderId: 'O-1', customerId: 'C-1' } })).toBe(
      'OrderPlaced#orderId="O-1"&customerId="C-1"',
    );
  });

  it.each([
    ['absent', {}],
    ['undefined', { customerId: undefined }],
    ['null', { customerId: null }],
    ['empty', { customerId: '' }],
  ])('fails if an idempotency field is %s, naming it, rather than keying the event on it', (_how, missing) => {
    const detail = { orderId: 'O-1', customerId: 'C-1', ...missing };
    if (!('customerId' in missing)) delete (detail as { customerId?: string }).customerId;
    expect(() => idempotencyKeyOf(OrderPlaced, { id: 'e-1', detail })).toThrow(
      expect.objectContaining({
        name: 'MissingIdempotencyField',
        detailType: 'OrderPlaced',
        fields: ['detail.customerId'],
        message:
          'OrderPlaced has no value for detail.customerId (absent, null or empty): it is what its contract identifies each fact by (its idempotency key), so every OrderPlaced must carry it',
      }),
    );
  });

  it('fails if a contract keyed on the event id is given an event without one', () => {
    const unkeyed = defineContract({ detailType: 'Noted', source: 'test', description: 'd', properties: {} });
    expect(idempotencyKeyOf(unkeyed, { id: 'e-1', detail: {} })).toBe('Noted#id=e-1');
    expect(() => idempotencyKeyOf(unkeyed, { id: '', detail: {} })).toThrow(MissingIdempotencyField);
  });

  it('fails if an execution name is asked for an event without its key field, rather than naming it after undefined', () => {
    const name = () => executionNameFor(OrderPlaced, idempotencyKeyOf(OrderPlaced, { id: 'e-1', detail: { orderId: 'O-1' } }));
    expect(name).toThrow(MissingIdempotencyField);
  });
});

describe('idempotencyFieldsMissing', () => {
  it('names each key field the detail has no value for, and nothing for a detail that has them all', () => {
    expect(idempotencyFieldsMissing(OrderPlaced, { orderId: null })).toMatchObject({
      name: 'MissingIdempotencyField',
      fields: ['detail.orderId', 'detail.customerId'],
    });
    expect(idempotencyFieldsMissing(OrderPlaced, { orderId: 'O-1', customerId: 'C-1' })).toBeUndefined();
  });
});
