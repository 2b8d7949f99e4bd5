import { describe, expect, it } from 'vitest';
import { validDetail } from '../../cli/commands/send.js';
import { type AnyEventContract, CONTRACTS, OrderPlaced, registrySchema, TicketCreated } from '../../domain/index.js';
import type { CloudAssembly } from '../../inspect/assembly.js';
import { contractsInAssembly, fromDraft4 } from '../../inspect/assembly-contracts.js';

/** An assembly holding one registry schema per contract, as EventHub writes them. */
function assemblyOf(documents: readonly unknown[], type = 'JSONSchemaDraft4'): CloudAssembly {
  const resources = documents.map((document, i) => ({
    stackName: 'App',
    logicalId: `Schema${i}`,
    type: 'AWS::EventSchemas::Schema',
    properties: { Type: type, Content: typeof document === 'string' ? document : JSON.stringify(document) },
  }));
  return { dir: '/nowhere', stacks: [{ stackName: 'App', resources }] };
}

describe('contractsInAssembly', () => {
  const read = contractsInAssembly(assemblyOf(CONTRACTS.map(registrySchema)));

  it("reads every contract of the app's schema registry, in order, with its source", () => {
    expect(read.map((c) => c.detailType)).toEqual(CONTRACTS.map((c) => c.detailType));
    expect(read.map((c) => c.source)).toEqual(CONTRACTS.map((c) => c.source));
    expect(read[0]?.schema).toEqual(JSON.parse(JSON.stringify(TicketCreated.schema)));
  });

  it("validates exactly as each contract's own validate does", () => {
    const samples: unknown[] = [
      {},
      { ticketId: 'T-1', customerId: 'C-1', subject: 'hello', body: 'b' },
      { ticketId: '', customerId: 5, metadata: { correlationId: '' } },
      { metadata: { correlationId: 'c', extra: 1 } },
      [],
      'text',
    ];
    for (const [i, contract] of CONTRACTS.entries()) {
      for (const sample of samples) expect(read[i]?.validate(sample)).toEqual(contract.validate(sample));
    }
  });

  it('skips what is not a JSON Schema document it can read, and keeps the first of a detail-type', () => {
    const other = { ...registrySchema(TicketCreated), description: 'second' };
    const contracts = contractsInAssembly(assemblyOf([registrySchema(TicketCreated), other, '{not json', { type: 'object' }]));
    expect(contracts.map((c) => [c.detailType, c.description])).toEqual([['TicketCreated', TicketCreated.description]]);
    expect(contractsInAssembly(assemblyOf([registrySchema(TicketCreated)], 'OpenApi3'))).toEqual([]);
  });
});

describe('switchyard send validation', () => {
  const [orderPlaced] = contractsInAssembly(assemblyOf([registrySchema(OrderPlaced)]));
  // Keyed on a field its schema does not require: validation alone would let an event without it through.
  const keyedOnCoordination: AnyEventContract = { ...OrderPlaced, idempotencyFields: ['orderId', 'coordination'] };
  const [coordinationKeyed] = contractsInAssembly(assemblyOf([registrySchema(keyedOnCoordination)]));
  const order = { orderId: 'O-1', customerId: 'C-1', sku: 'S', quantity: 1, amount: 100, currency: 'eur' };

  it("reads each contract's idempotency fields from its registry document", () => {
    expect(orderPlaced?.idempotencyFields).toEqual(['orderId']);
  });

  it('fails if the detail lacks its key field, naming it', () => {
    const { orderId: _, ...withoutKey } = order;
    expect(() => validDetail(orderPlaced, 'OrderPlaced', JSON.stringify(withoutKey))).toThrow(
      'invalid OrderPlaced: detail.orderId: is required',
    );
  });

  it('fails if the detail has no value for a key field its schema lets it leave out, naming it', () => {
    expect(validDetail(coordinationKeyed, 'OrderPlaced', JSON.stringify({ ...order, coordination: 'durable' }))).toMatchObject(order);
    expect(() => validDetail(coordinationKeyed, 'OrderPlaced', JSON.stringify(order))).toThrow(
      expect.objectContaining({
        name: 'CliError',
        exitCode: 2,
        message: expect.stringContaining('invalid OrderPlaced: OrderPlaced has no value for detail.coordination (absent, null or empty)'),
      }),
    );
  });
});

describe('fromDraft4', () => {
  it('turns draft-04 into the draft ajv compiles: const back from a one-value enum, $schema dropped, exclusive bounds as numbers', () => {
    expect(
      fromDraft4({
        $schema: 'http://json-schema.org/draft-04/schema#',
        id: 'x',
        type: 'object',
        properties: { kind: { enum: ['a'] }, n: { type: 'number', minimum: 0, exclusiveMinimum: true }, enum: { type: 'string' } },
      }),
    ).toEqual({
      $id: 'x',
      type: 'object',
      properties: { kind: { const: 'a' }, n: { type: 'number', exclusiveMinimum: 0 }, enum: { type: 'string' } },
    });
  });
});
