import { describe, expect, it } from 'vitest';
import { contractDefinition } from '../../contracts/contract.js';
import { TicketCreated } from '../../domain/index.js';
import { starterContracts } from '../../lambdas/workflow-starter/contracts.js';

const ticket = { ticketId: 'T-1', customerId: 'C-1', subject: 'Refund', body: 'Please refund order 42.' };

describe('starterContracts', () => {
  it('rebuilds contracts from the JSON its Workflow bundled, validating and keying events as the originals do', () => {
    const [rebuilt] = starterContracts(JSON.stringify([contractDefinition(TicketCreated)]));
    expect(rebuilt?.detailType).toBe(TicketCreated.detailType);
    expect(rebuilt?.idempotencyFields).toEqual(TicketCreated.idempotencyFields);
    expect(rebuilt?.validate(ticket)).toEqual(TicketCreated.validate(ticket));
    const invalid = { ...ticket, ticketId: 42 };
    expect(rebuilt?.validate(invalid)).toEqual(TicketCreated.validate(invalid));
    expect(rebuilt?.validate(invalid).ok).toBe(false);
  });

  it('fails if the starter was bundled without its contracts', () => {
    expect(() => starterContracts(undefined)).toThrow('bundled without SWITCHYARD_STARTER_CONTRACTS');
  });

  it('fails as ConfigError if a bundled contract names an idempotency field its schema does not have, naming it', () => {
    const misspelt = { ...contractDefinition(TicketCreated), idempotencyFields: ['ticketNumber'] };
    expect(() => starterContracts(JSON.stringify([misspelt]))).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        message: expect.stringContaining('SWITCHYARD_STARTER_CONTRACTS: contract TicketCreated: idempotencyFields names "ticketNumber"'),
        cause: expect.objectContaining({ name: 'InvalidContract' }),
      }),
    );
  });

  it('fails if the bundled contracts are not a non-empty JSON array', () => {
    expect(() => starterContracts('{')).toThrow('SWITCHYARD_STARTER_CONTRACTS is not JSON');
    expect(() => starterContracts('[]')).toThrow('must be a non-empty array');
  });
});
