import { describe, expect, it } from 'vitest';
import { TicketRouted } from '../../../domain/index.js';
import { type Emission, EventPublisher, emission, entrySize } from '../../../lambdas/kit/emit.js';
import { NOTED_WITHOUT_KEY } from '../../helpers/events.js';
import { FakeEventBridge } from '../../helpers/fake-eventbridge.js';

function routed(ticketId: string, extra: Record<string, unknown> = {}): Emission {
  const valid = emission(TicketRouted, { ticketId, queue: 'billing', decidedBy: 'model', confidence: 0.9, model: 'test' });
  // `extra` may break the contract on purpose: the publisher must catch what TypeScript cannot.
  return { ...valid, detail: { ...valid.detail, ...extra } };
}

const cause = { correlationId: 'corr-1', envelope: { id: 'evt-cause' } } as Parameters<EventPublisher['emit']>[1];

describe('EventPublisher', () => {
  it('sends 23 events in calls of 10, 10 and 3', async () => {
    const bus = new FakeEventBridge();
    await new EventPublisher({ client: bus.client, eventBusName: 'hub' }).emit(Array.from({ length: 23 }, (_, i) => routed(`T-${i}`)));
    expect(bus.calls.map((c) => c.length)).toEqual([10, 10, 3]);
  });

  it('sends again only the entries PutEvents reported as failed', async () => {
    // Entries T-2 and T-5 fail on the first call only.
    const bus = new FakeEventBridge((call, entry) =>
      call === 0 && /"T-(2|5)"/.test(entry.Detail ?? '') ? 'ThrottlingException' : undefined,
    );
    await new EventPublisher({ client: bus.client, eventBusName: 'hub', baseDelayMs: 1 }).emit(
      Array.from({ length: 8 }, (_, i) => routed(`T-${i}`)),
    );
    expect(bus.calls).toHaveLength(2);
    expect(bus.calls[1]?.map((e) => JSON.parse(e.Detail ?? '{}').ticketId)).toEqual(['T-2', 'T-5']);
    expect(bus.published).toHaveLength(8);
  });

  it('fails if entries still fail after the last attempt, naming the error codes', async () => {
    const bus = new FakeEventBridge(() => 'InternalFailure');
    const publisher = new EventPublisher({ client: bus.client, eventBusName: 'hub', maxAttempts: 3, baseDelayMs: 1 });
    await expect(publisher.emit([routed('T-1')])).rejects.toMatchObject({
      name: 'EmitFailed',
      message: expect.stringContaining('TicketRouted: InternalFailure'),
    });
    expect(bus.calls).toHaveLength(3);
  });

  it('fails at once, without retrying, on an entry error that cannot succeed', async () => {
    const bus = new FakeEventBridge(() => 'MalformedDetail');
    const publisher = new EventPublisher({ client: bus.client, eventBusName: 'hub', baseDelayMs: 1 });
    await expect(publisher.emit([routed('T-1')])).rejects.toMatchObject({ name: 'EmitFailed' });
    expect(bus.calls).toHaveLength(1);
  });

  it('fails if a detail breaks its contract, and sends nothing', async () => {
    const bus = new FakeEventBridge();
    const publisher = new EventPublisher({ client: bus.client, eventBusName: 'hub' });
    await expect(publisher.emit([routed('T-1'), routed('T-2', { queue: 'nowhere' })])).rejects.toMatchObject({
      name: 'InvalidEvent',
      message: expect.stringContaining('/queue'),
    });
    expect(bus.calls).toHaveLength(0);
  });

  it("fails if a detail has no value for its contract's idempotency field, naming it, and sends nothing", async () => {
    // A schema that lets the key field be absent: validation passes, but no consumer could key the event.
    const bus = new FakeEventBridge();
    const publisher = new EventPublisher({ client: bus.client, eventBusName: 'hub' });
    await expect(publisher.emit([routed('T-1'), emission(NOTED_WITHOUT_KEY, {})])).rejects.toMatchObject({
      name: 'InvalidEvent',
      message: expect.stringContaining('refusing to emit Noted: it cannot be keyed: Noted has no value for detail.noteId'),
    });
    expect(bus.calls).toEqual([]);
  });

  it('fails if one entry is larger than 1 MiB', async () => {
    const bus = new FakeEventBridge();
    const publisher = new EventPublisher({ client: bus.client, eventBusName: 'hub' });
    await expect(publisher.emit([routed('T-1', { model: 'x'.repeat(1_100_000) })])).rejects.toThrow(/bytes; EventBridge allows 1048576/);
  });

  it('splits calls so that no call exceeds 1 MiB', async () => {
    const bus = new FakeEventBridge();
    const big = (id: string) => routed(id, { model: 'x'.repeat(400_000) });
    await new EventPublisher({ client: bus.client, eventBusName: 'hub' }).emit([big('A'), big('B'), big('C')]);
    for (const call of bus.calls) expect(call.reduce((sum, e) => sum + entrySize(e), 0)).toBeLessThanOrEqual(1024 * 1024);
    expect(bus.calls.map((c) => c.length)).toEqual([2, 1]);
  });

  it('counts an entry as EventBridge does: 14 bytes for Time only when it is set, plus UTF-8 bytes of the text fields', () => {
    const entry = { Source: 'src', DetailType: 'Ä', Detail: '{"a":"€"}', Resources: ['arn:x', 'arn:yy'] };
    // 3 + 2 (Ä) + 11 ({"a":"€"}, € is 3 bytes) + 5 + 6
    expect(entrySize(entry)).toBe(27);
    expect(entrySize({ ...entry, Time: new Date() })).toBe(27 + 14);
  });

  it('accepts an entry of exactly 1 MiB without Time, as EventBridge does', async () => {
    const bus = new FakeEventBridge();
    const base = routed('T-1', { model: '' });
    const probe = new EventPublisher({ client: bus.client, eventBusName: 'hub' });
    await probe.emit([base], cause);
    const sizeWithoutModel = entrySize(bus.calls[0]?.[0] ?? {});
    const exact = routed('T-1', { model: 'x'.repeat(1024 * 1024 - sizeWithoutModel) });
    await expect(probe.emit([exact], cause)).resolves.toBeUndefined();
    expect(entrySize(bus.calls[1]?.[0] ?? {})).toBe(1024 * 1024);
  });

  it('stamps each event with the cause correlation and causation ids and the contract source', async () => {
    const bus = new FakeEventBridge();
    await new EventPublisher({ client: bus.client, eventBusName: 'hub' }).emit([routed('T-1')], cause);
    const [entry] = bus.published;
    expect(entry).toMatchObject({ EventBusName: 'hub', Source: 'switchyard.triage', DetailType: 'TicketRouted' });
    expect(JSON.parse(entry?.Detail ?? '{}').metadata).toEqual({ correlationId: 'corr-1', causationId: 'evt-cause' });
  });

  it('starts a new correlation id when there is no cause', async () => {
    const bus = new FakeEventBridge();
    await new EventPublisher({ client: bus.client, eventBusName: 'hub' }).emit([routed('T-1')]);
    expect(JSON.parse(bus.published[0]?.Detail ?? '{}').metadata.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
