import { describe, expect, it } from 'vitest';
import { CONTRACTS, TicketCreated, TicketRouted } from '../../../domain/index.js';
import { ContractRegistry } from '../../../lambdas/kit/envelope.js';
import { eventBridgeEvent, NOTED_WITHOUT_KEY, sqsRecord, ticketCreated } from '../../helpers/events.js';

const registry = new ContractRegistry(CONTRACTS);

describe('ContractRegistry', () => {
  it('parses a valid TicketCreated and keys it on the ticket, not the event id', () => {
    const a = registry.parseRecord(sqsRecord(ticketCreated('T-1')));
    const b = registry.parseRecord(sqsRecord(ticketCreated('T-1')));
    expect(a.contract).toBe(TicketCreated);
    expect(a.envelope.id).not.toBe(b.envelope.id);
    expect(a.idempotencyKey).toBe('TicketCreated#ticketId="T-1"');
    expect(b.idempotencyKey).toBe(a.idempotencyKey);
  });

  it('keeps every field a producer adds, in the detail and in the envelope, unchanged', () => {
    const event = {
      ...ticketCreated('T-1', {
        priority: 'high',
        tags: ['vip'],
        customer: { tier: 'gold', since: 2019 },
        metadata: { correlationId: 'c-1' },
      }),
      'replay-name': 'replay-7',
    };
    const parsed = registry.parseRecord(sqsRecord(event));
    expect(parsed.envelope).toEqual(event);
    expect(parsed.envelope.detail).toMatchObject({ priority: 'high', tags: ['vip'], customer: { tier: 'gold', since: 2019 } });
  });

  it('keys a TicketEscalated on the ticket and the attempt, so a re-asked escalation is a new fact', () => {
    const escalated = (attempt: number) =>
      eventBridgeEvent('TicketEscalated', {
        ticketId: 'T-1',
        attempt,
        subject: 's',
        suggestedQueue: 'billing',
        confidence: 0.4,
        taskToken: `token-${attempt}`,
        decideBy: '2026-01-01T04:00:00.000Z',
        defaultQueue: 'billing',
      });
    const first = registry.parseRecord(sqsRecord(escalated(1)));
    const again = registry.parseRecord(sqsRecord(escalated(2)));
    expect(first.idempotencyKey).toBe('TicketEscalated#ticketId="T-1"&attempt=1');
    expect(again.idempotencyKey).not.toBe(first.idempotencyKey);
  });

  it('takes the correlation id from detail.metadata, else the event id', () => {
    const withMetadata = registry.parseRecord(sqsRecord(ticketCreated('T-1', { metadata: { correlationId: 'c-9' } })));
    expect(withMetadata.correlationId).toBe('c-9');
    const event = ticketCreated('T-2');
    expect(registry.parseRecord(sqsRecord(event)).correlationId).toBe(event.id);
  });

  it('fails if the body is not JSON', () => {
    expect(() => registry.parseRecord(sqsRecord('{nope', 'm-1'))).toThrow(
      expect.objectContaining({ name: 'InvalidEvent', message: 'message m-1 body is not JSON' }),
    );
  });

  it('fails if the body is not an EventBridge event, naming each missing field', () => {
    expect(() => registry.parseRecord(sqsRecord({ hello: 'world' }))).toThrow(
      /id must be a non-empty string; source must be a non-empty string; detail-type must be a non-empty string; detail must be a JSON object/,
    );
  });

  it('fails if the detail-type has no contract, listing the known ones', () => {
    expect(() => registry.parseRecord(sqsRecord(eventBridgeEvent('Nope', {})))).toThrow(
      expect.objectContaining({
        name: 'UnknownEventType',
        message: expect.stringContaining('known: TicketCreated, TicketEscalated, TicketDecisionRefused, TicketRouted'),
      }),
    );
  });

  it('fails if the detail breaks its contract, naming every problem', () => {
    const event = eventBridgeEvent('TicketCreated', { ticketId: '', subject: 5 });
    expect(() => registry.parseRecord(sqsRecord(event))).toThrow(
      expect.objectContaining({
        name: 'InvalidEvent',
        problems: expect.arrayContaining([
          "/: must have required property 'customerId'",
          '/ticketId: must NOT have fewer than 1 characters',
          '/subject: must be string',
        ]),
      }),
    );
  });

  it('fails if the detail has no value for an idempotency field its schema lets it leave out, naming the field', () => {
    const event = eventBridgeEvent('Noted', {});
    expect(() => new ContractRegistry([NOTED_WITHOUT_KEY]).parseRecord(sqsRecord(event))).toThrow(
      expect.objectContaining({
        name: 'InvalidEvent',
        message: expect.stringMatching(/^Noted \S+ cannot be keyed: Noted has no value for detail\.noteId \(absent, null or empty\)/),
        cause: expect.objectContaining({ name: 'MissingIdempotencyField', fields: ['detail.noteId'] }),
      }),
    );
  });

  it('fails if two contracts share a detail-type', () => {
    expect(() => new ContractRegistry([TicketRouted, TicketRouted])).toThrow(/two contracts share the detail-type "TicketRouted"/);
  });
});
