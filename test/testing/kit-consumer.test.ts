import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketCreated } from '../../domain/index.js';
import { startApp, type TestApp } from '../../testing/index.js';
import { consumerFixture } from '../local/consumer-fixture.js';

/**
 * The testing API on an app built from the real constructs and kit (test/fixtures/consumer-app.ts):
 * TicketCreated -> rule -> queue -> a kit consumer with idempotency that counts its side
 * effect per ticket (`runs` in fixture-effects).
 */
let app: TestApp;
beforeAll(async () => {
  // Virtual time: a failed delivery comes back once the test moves the clock past the queue's visibility timeout.
  app = await startApp({ cdkOut: await consumerFixture() }, { virtualTime: true });
}, 120_000);
afterAll(async () => {
  await app?.stop();
});

const ticket = (ticketId: string) => ({ ticketId, customerId: 'C-1', subject: 'Charged twice', body: 'Please refund.' });

describe('the testing API on a kit consumer', () => {
  it('sees a ticket sent three times handled once', async () => {
    await app.sendDuplicates(TicketCreated, ticket('T-1'), { copies: 3 });
    expect(await app.waitForItem('fixture-effects', { ticketId: 'T-1' })).toMatchObject({ runs: 1 });
    // The copies are claimed and dropped by the idempotency store: give them time to arrive before counting. A
    // copy that met its twin's claim in progress went back to the queue: the clock is moved past its visibility
    // timeout, so that it has come back and been dropped too (and does not come back in the next test's count).
    await app.waitForEvent('fixture-bus', { detail: { ticketId: ['T-1'] } });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await app.runUntilIdle();
    await app.expectEachEffectOnce({ table: 'fixture-effects', count: 'runs', name: (item) => String(item.ticketId), expected: ['T-1'] });
    await app.expectNoDeadLetters();
  });

  it('keeps the effect once when the consumer fails after running it: the redelivery finds the claim completed', async () => {
    const fault = app.failFunction('RecorderHandler', { times: 1, when: 'after' });
    const starts = () =>
      app.logs().filter((line) => line.startsWith('[Fixture-RecorderHandler') && line.includes('START RequestId')).length;
    const before = starts();
    await app.send(TicketCreated, ticket('T-2'));
    expect(await app.waitForItem('fixture-effects', { ticketId: 'T-2' })).toMatchObject({ runs: 1 });
    expect(fault.injected()).toBe(1);
    // The failed delivery comes back after the queue's visibility timeout (18 s, waited out in real time before)
    // and runs the handler again: the clock is moved past it, at each look, as what is on its way to the queue is
    // no work the clock waits for.
    const deadline = Date.now() + 20_000;
    while (starts() < before + 2 && Date.now() < deadline) {
      await app.runUntilIdle();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(starts()).toBeGreaterThanOrEqual(before + 2);
    await app.expectEachEffectOnce({ table: 'fixture-effects', count: 'runs', name: (item) => String(item.ticketId) });
  }, 60_000);
});
