import { describe, expect, it } from 'vitest';
import { contractsInAssembly, fromDraft4 } from '../../cli/assembly-contracts.js';
import { CONTRACTS, registrySchema, TicketCreated } from '../../domain/index.js';
import type { CloudAssembly } from '../../inspect/assembly.js';

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
