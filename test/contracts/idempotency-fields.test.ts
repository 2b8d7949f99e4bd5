import * as Type from 'typebox';
import { describe, expect, it } from 'vitest';
import {
  type AnyEventContract,
  checkIdempotencyFields,
  contractDefinition,
  contractFromDefinition,
  defineContract,
  InvalidContract,
} from '../../contracts/index.js';

const orderProperties = {
  orderId: Type.String({ minLength: 1 }),
  customerId: Type.String(),
  note: Type.Optional(Type.String()),
};

function placed(idempotencyFields: readonly string[]) {
  // The cast is the typo the type checker would refuse: esbuild and tsx run the app without it.
  return defineContract({
    detailType: 'OrderPlaced',
    source: 'test.orders',
    description: 'An order was placed.',
    properties: orderProperties,
    idempotencyFields: idempotencyFields as ('orderId' | 'customerId')[],
  });
}

describe('defineContract', () => {
  it('fails if an idempotency field is not a property of the detail, naming the contract, the field and the fields it has', () => {
    expect(() => placed(['orderNumber'])).toThrow(
      expect.objectContaining({
        name: 'InvalidContract',
        detailType: 'OrderPlaced',
        field: 'orderNumber',
        message:
          'contract OrderPlaced: idempotencyFields names "orderNumber", which is not a property of its detail; ' +
          'its properties are orderId, customerId, note, metadata (an idempotency field is a top-level property, not a path)',
      }),
    );
  });

  it('fails if an idempotency field is a path into the detail, which keys never follow', () => {
    expect(() => placed(['customer.id'])).toThrow(InvalidContract);
  });

  it('fails if an idempotency field is an empty name', () => {
    expect(() => placed(['orderId', ''])).toThrow(expect.objectContaining({ name: 'InvalidContract', field: '' }));
  });

  it('accepts idempotency fields its schema has', () => {
    expect(placed(['orderId', 'customerId']).idempotencyFields).toEqual(['orderId', 'customerId']);
  });
});

describe('checkIdempotencyFields', () => {
  it('names the idempotency fields the schema does not require', () => {
    expect(checkIdempotencyFields({ ...placed(['orderId']), idempotencyFields: ['orderId', 'note'] })).toEqual(['note']);
    expect(checkIdempotencyFields(placed(['orderId']))).toEqual([]);
  });

  it('fails if a hand-written contract names a field its schema does not have', () => {
    const contract: AnyEventContract = { ...placed(['orderId']), idempotencyFields: ['orderNumber'] };
    expect(() => checkIdempotencyFields(contract)).toThrow(InvalidContract);
  });
});

describe('contractFromDefinition', () => {
  it('fails if the definition names an idempotency field its schema does not have', () => {
    const definition = { ...contractDefinition(placed(['orderId'])), idempotencyFields: ['orderNumber'] };
    expect(() => contractFromDefinition(definition)).toThrow(expect.objectContaining({ name: 'InvalidContract', field: 'orderNumber' }));
  });
});
