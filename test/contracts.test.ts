import { describe, expect, it } from 'vitest';
import {
  CONTRACTS,
  EscalationDecisionSchema,
  executionNameFor,
  idempotencyKeyOf,
  PERMANENT_ERRORS,
  RETRYABLE_MODEL_ERRORS,
  registrySchema,
  TICKET_QUEUES,
  TicketCreated,
  validatorFor,
  workflowInput,
} from '../domain/index.js';
import { APP_ERROR_NAMES } from '../domain/wiring.js';

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

  it('return the detail they validate unchanged, with every field a producer added', () => {
    const detail = { ticketId: 'T', customerId: 'C', subject: 's', body: 'b', priority: 'high', customer: { tier: 'gold' } };
    const copy = structuredClone(detail);
    const result = TicketCreated.validate(detail);
    expect(result).toEqual({ ok: true, value: copy });
    expect(detail).toEqual(copy);
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

describe('wiring', () => {
  it('names only known errors as retryable or permanent, and none as both', () => {
    const names = new Set<string>(Object.values(APP_ERROR_NAMES));
    for (const name of [...RETRYABLE_MODEL_ERRORS, ...PERMANENT_ERRORS]) expect(names).toContain(name);
    expect(RETRYABLE_MODEL_ERRORS.filter((name) => PERMANENT_ERRORS.includes(name))).toEqual([]);
  });

  it('builds JSONata paths into the workflow input', () => {
    expect(workflowInput('detail')).toBe('$states.context.Execution.Input.detail');
    expect(workflowInput('event', 'id')).toBe('$states.context.Execution.Input.event.id');
  });
});

describe('event identity', () => {
  it('keys a fact on its contract fields, so two deliveries of one ticket are one fact', () => {
    const a = idempotencyKeyOf(TicketCreated, { id: 'e-1', detail: { ticketId: 'T-1', subject: 'x' } });
    const b = idempotencyKeyOf(TicketCreated, { id: 'e-2', detail: { ticketId: 'T-1', subject: 'y' } });
    expect(a).toBe('TicketCreated#ticketId="T-1"');
    expect(b).toBe(a);
    expect(idempotencyKeyOf(TicketCreated, { id: 'e-1', detail: { ticketId: 'T-2' } })).not.toBe(a);
  });

  it('names the execution an event starts within Step Functions limits, the same for the same key', () => {
    const name = executionNameFor(TicketCreated, 'TicketCreated#ticketId="T-1"');
    expect(name).toMatch(/^TicketCreated-[A-Za-z0-9_-]{43}$/);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(executionNameFor(TicketCreated, 'TicketCreated#ticketId="T-1"')).toBe(name);
    expect(executionNameFor(TicketCreated, 'TicketCreated#ticketId="T-2"')).not.toBe(name);
  });
});
