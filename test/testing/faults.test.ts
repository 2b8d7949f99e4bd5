import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FunctionFaultHandle, startApp, type TestApp } from '../../testing/index.js';
import { consumerApp, OrderPlaced } from './small-app.js';

let app: TestApp;
beforeAll(async () => {
  // Virtual time: a failed delivery comes back once the test moves the clock past the queue's visibility timeout.
  app = await startApp({ cdkOut: consumerApp() }, { virtualTime: true });
});
/** The fault each test set, cleared after it. */
const faults: FunctionFaultHandle[] = [];
afterEach(() => {
  for (const fault of faults.splice(0)) fault.clear();
});
afterAll(async () => {
  await app?.stop();
});

function track(fault: FunctionFaultHandle): FunctionFaultHandle {
  faults.push(fault);
  return fault;
}

/** How many times the consumer handled the order (its `handled <id>` log lines). */
function handled(orderId: string): number {
  return app.logs().filter((line) => line.includes(`handled ${orderId}`)).length;
}

/**
 * Waits for `condition`, moving the clock past what falls due meanwhile (a redelivery) unless
 * told to `hold` it: an event on its way from the bus to the queue is no work the clock waits for,
 * so the clock is moved again at each look.
 */
async function until(condition: () => boolean, { hold = false, timeoutMs = 10_000 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out; the runtime printed:\n${app.logs().slice(-20).join('\n')}`);
    if (!hold) await app.runUntilIdle();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('TestApp.failFunction', () => {
  it('fails the next invocations before the handler runs; the retry after them handles the event once', async () => {
    const fault = track(app.failFunction('consumer-fn', { times: 2 }));
    await app.send(OrderPlaced, { orderId: 'f-1', amount: 1 });
    await until(() => handled('f-1') === 1);
    expect(fault.injected()).toBe(2);
    expect(app.logs().filter((l) => l.includes('injected fault: InjectedFault'))).toHaveLength(2);
  });

  it('fails after the handler ran, so the redelivery runs the effect a second time', async () => {
    const fault = track(app.failFunction('consumer', { times: 1, when: 'after' }));
    await app.send(OrderPlaced, { orderId: 'f-2', amount: 1 });
    await until(() => handled('f-2') === 2);
    expect(fault.injected()).toBe(1);
  });

  it('fails every invocation with probability 1, until the fault is cleared', async () => {
    const fault = track(app.failFunction('consumer-fn', { probability: 1 }));
    await app.send(OrderPlaced, { orderId: 'f-3', amount: 1 });
    // The clock held: no redelivery, so no second failure that would near the dead-letter queue.
    await until(() => fault.injected() >= 1, { hold: true });
    expect(handled('f-3')).toBe(0);
    fault.clear();
    await until(() => handled('f-3') === 1);
  });

  it('fails at once for a function the app does not have, naming the ones it has', () => {
    expect(() => app.failFunction('payments', { times: 1 })).toThrow('no function "payments" in the app; it has: consumer-fn');
  });

  it('fails at once without times or probability, or with one out of range', () => {
    expect(() => app.failFunction('consumer-fn', {})).toThrow(/give either times .* or probability/);
    expect(() => app.failFunction('consumer-fn', { times: 0 })).toThrow('times is 0; it must be a whole number from 1');
    expect(() => app.failFunction('consumer-fn', { probability: 1.5 })).toThrow('probability is 1.5; it must be from 0 to 1');
  });
});

describe('TestApp.sendDuplicates and sendLate', () => {
  it('sends each copy as an event of its own', async () => {
    const sent = await app.sendDuplicates(OrderPlaced, { orderId: 'd-1', amount: 2 }, { copies: 3 });
    expect(new Set(sent.map((s) => s.eventId)).size).toBe(3);
    // The same detail: the same execution name, which is what makes a keyed flow run once.
    expect(new Set(sent.map((s) => s.executionName)).size).toBe(1);
    await until(() => handled('d-1') === 3);
  });

  it('sends the late copy only after what it waits for', async () => {
    let settled = false;
    const first = new Promise((resolve) => setTimeout(resolve, 300)).then(() => {
      settled = true;
    });
    const late = app.sendLate(OrderPlaced, { orderId: 'l-1', amount: 2 }, { after: first, delayMs: 50 });
    await late;
    expect(settled).toBe(true);
  });
});

describe('TestApp.restart with a fault', () => {
  it('keeps the fault and its count across the restart', async () => {
    const fault = track(app.failFunction('consumer-fn', { times: 1 }));
    await app.restart();
    await app.send(OrderPlaced, { orderId: 'r-1', amount: 1 });
    await until(() => handled('r-1') === 1);
    expect(fault.injected()).toBe(1);
  });
});
