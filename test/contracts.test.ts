import { describe, expect, it } from 'vitest';
import { CONTRACTS, EscalationDecisionSchema, registrySchema, TICKET_QUEUES, TicketCreated, validatorFor } from '../contracts/index.js';

describe('contracts', () => {
  it('have unique detail-types', () => {
    const types = CONTRACTS.map((c) => c.detailType);
    expect(new Set(types).size).toBe(types.length);
  });

  it.each(CONTRACTS.map((c) => [c.detailType, c] as const))('publish %s as a draft-04 envelope schema', (_type, contract) => {
    const schema = registrySchema(contract);
    const text = JSON.stringify(schema);
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    // draft-04 has no `const`; TypeBox literals must have been rewritten as enums.
    expect(text).not.toContain('"const"');
    expect(schema).toMatchObject({ properties: { 'detail-type': { enum: [contract.detailType] }, source: { enum: [contract.source] } } });
  });

  it('accept a TicketCreated with the four required strings', () => {
    expect(TicketCreated.validate({ ticketId: 'T', customerId: 'C', subject: '', body: '' }).ok).toBe(true);
  });

  it('fail a TicketCreated without ticketId, naming it', () => {
    expect(TicketCreated.validate({ customerId: 'C', subject: 's', body: 'b' })).toEqual({
      ok: false,
      errors: ["/: must have required property 'ticketId'"],
    });
  });

  it('fail an escalation decision outside approve/reject or with an unknown queue', () => {
    const validate = validatorFor(EscalationDecisionSchema);
    expect(validate({ decision: 'approve', queue: TICKET_QUEUES[0] }).ok).toBe(true);
    expect(validate({ decision: 'maybe' }).ok).toBe(false);
    expect(validate({ decision: 'approve', queue: 'nowhere' }).ok).toBe(false);
  });
});
