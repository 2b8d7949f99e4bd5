import { describe, expect, it } from 'vitest';
import { businessKeyOf, executionSubject } from '../../clients/execution-subject.js';

const starterInput = (event: Record<string, unknown>, detail: Record<string, unknown> = { orderId: 'O-1', amount: 5 }) =>
  JSON.stringify({ detail, event: { id: 'e-1', source: 'shop', detailType: 'OrderPlaced', time: '2026-01-01T00:00:00Z', ...event } });

describe('businessKeyOf', () => {
  it("reads the idempotency key a workflow starter puts in an execution's input", () => {
    expect(businessKeyOf(starterInput({ idempotencyKey: 'OrderPlaced#orderId="O-1"' }))).toBe('OrderPlaced#orderId="O-1"');
  });

  it('is undefined for an input without one, one that is not JSON, or none', () => {
    expect(businessKeyOf(starterInput({}))).toBeUndefined();
    expect(businessKeyOf('{"event":"x"}')).toBeUndefined();
    expect(businessKeyOf('not json')).toBeUndefined();
    expect(businessKeyOf(undefined)).toBeUndefined();
  });
});

describe('executionSubject', () => {
  it('is the business key when the input has one', () => {
    expect(executionSubject(starterInput({ idempotencyKey: 'OrderPlaced#orderId="O-1"' }))).toBe('OrderPlaced#orderId="O-1"');
  });

  it("is a starter input's detail-type and the id field of its detail when it has no key", () => {
    expect(executionSubject(starterInput({}))).toBe('OrderPlaced orderId=O-1');
  });

  it('is the id field of an input started by hand, and undefined when nothing names what it is about', () => {
    expect(executionSubject('{"ticketId":"T-9","body":"x"}')).toBe('ticketId=T-9');
    expect(executionSubject('{}')).toBeUndefined();
    expect(executionSubject(undefined)).toBeUndefined();
  });
});
