import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitClosed, CircuitOpened, ERROR_NAMES } from '../../../domain/index.js';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  CircuitOpenError,
  circuitBreakerFromEnv,
} from '../../../lambdas/kit/circuit-breaker.js';
import { EventPublisher } from '../../../lambdas/kit/emit.js';
import { CircuitBreaker as CircuitBreakerConstruct } from '../../../lib/constructs/circuit-breaker.js';
import { useDynamoDb, useTablePerTest } from '../../helpers/dynamodb-engine.js';
import { FakeEventBridge } from '../../helpers/fake-eventbridge.js';

const dynamo = useDynamoDb();
const table = useTablePerTest(dynamo, 'circuits');
let clock: { now: number };
let bus: FakeEventBridge;
beforeEach(() => {
  clock = { now: 1_000_000 };
  bus = new FakeEventBridge();
});

function breaker(options: Partial<CircuitBreakerOptions> = {}) {
  return new CircuitBreaker({
    client: dynamo.client,
    tableName: table.name,
    circuit: 'model',
    failureThreshold: 3,
    windowMs: 10_000,
    openMs: 5_000,
    halfOpenMaxTrials: 2,
    now: () => clock.now,
    publisher: new EventPublisher({ client: bus.client, eventBusName: 'hub', baseDelayMs: 1 }),
    ...options,
  });
}

const downstreamDown = async (): Promise<never> => {
  throw Object.assign(new Error('model endpoint 503'), { name: 'ModelUnavailable' });
};
const downstreamUp = async () => 'ok';

async function failTimes(b: CircuitBreaker, n: number) {
  for (let i = 0; i < n; i++) await expect(b.call(downstreamDown)).rejects.toThrow('model endpoint 503');
}

function published(contract: { detailType: string }) {
  return bus.published.filter((e) => e.DetailType === contract.detailType).map((e) => JSON.parse(e.Detail ?? '{}'));
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and opens on the Nth failure in the window', async () => {
    const b = breaker();
    await failTimes(b, 2);
    expect(await b.state()).toBe('closed');
    await failTimes(b, 1);
    expect(await b.state()).toBe('open');
    expect(published(CircuitOpened)).toEqual([
      expect.objectContaining({
        circuit: 'model',
        generation: 1,
        reason: 'threshold',
        failures: 3,
        lastFailure: 'ModelUnavailable: model endpoint 503',
      }),
    ]);
  });

  it('does not count failures that slid out of the window', async () => {
    const b = breaker();
    await failTimes(b, 2);
    clock.now += 11_000;
    await failTimes(b, 2);
    expect(await b.state()).toBe('closed');
    await failTimes(b, 1);
    expect(await b.state()).toBe('open');
  });

  it('fails fast while open, without calling the downstream, with the remaining time and the cause', async () => {
    const b = breaker();
    await failTimes(b, 3);
    clock.now += 2_000;
    let called = 0;
    const error = await b.call(async () => ++called).catch((e: unknown) => e);
    expect(called).toBe(0);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({ name: ERROR_NAMES.circuitOpen, circuit: 'model', retryAfterMs: 3_000, retryable: true });
    expect((error as Error).cause).toMatchObject({ name: 'ModelUnavailable', message: 'model endpoint 503' });
  });

  it('half-opens after the open period and lets at most K trial calls through at once', async () => {
    const b = breaker();
    await failTimes(b, 3);
    clock.now += 5_000;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    const slowTrial = async () => {
      started++;
      await gate;
      return 'ok';
    };
    let turnedAway = 0;
    const calls = Array.from({ length: 6 }, () =>
      b.call(slowTrial).then(
        () => 'through',
        (e: Error) => {
          turnedAway++;
          return e.name;
        },
      ),
    );
    // Every call has its answer from the table (2 trials admitted, 4 turned away) before the trials end;
    // waited for rather than slept on, as a loaded machine takes its time over the conditional writes.
    await vi.waitFor(() => expect(started + turnedAway).toBe(6), { timeout: 10_000 });
    expect(started).toBe(2);
    expect(await b.state()).toBe('half-open');
    release();
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === 'through')).toHaveLength(2);
    expect(outcomes.filter((o) => o === ERROR_NAMES.circuitOpen)).toHaveLength(4);
  });

  it('closes when a trial succeeds, and emits CircuitClosed once', async () => {
    const b = breaker({ halfOpenMaxTrials: 1 });
    await failTimes(b, 3);
    clock.now += 5_000;
    await expect(b.call(downstreamUp)).resolves.toBe('ok');
    expect(await b.state()).toBe('closed');
    expect(published(CircuitClosed)).toEqual([expect.objectContaining({ circuit: 'model', generation: 3 })]);
    // The window starts empty again: two failures do not reopen it.
    await failTimes(b, 2);
    expect(await b.state()).toBe('closed');
  });

  it('reopens when a trial fails, for another full open period', async () => {
    const b = breaker();
    await failTimes(b, 3);
    clock.now += 5_000;
    await failTimes(b, 1);
    expect(await b.state()).toBe('open');
    clock.now += 4_999;
    await expect(b.call(downstreamUp)).rejects.toThrow(CircuitOpenError);
    expect(published(CircuitOpened).map((d) => d.reason)).toEqual(['threshold', 'trial-failed']);
  });

  it('starts a new round of trials when the trials of a round never report', async () => {
    const b = breaker({ halfOpenMaxTrials: 1 });
    await failTimes(b, 3);
    clock.now += 5_000;
    await b.acquire(); // a trial whose caller dies
    await expect(b.call(downstreamUp)).rejects.toThrow(CircuitOpenError);
    clock.now += 5_000;
    await expect(b.call(downstreamUp)).resolves.toBe('ok');
    expect(await b.state()).toBe('closed');
  });

  it('has many concurrent failing callers agree: exactly one opening transition and one CircuitOpened', async () => {
    const b = breaker();
    const others = Array.from({ length: 5 }, () => breaker());
    const all = [b, ...others];
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => (all[i % all.length] as CircuitBreaker).call(downstreamDown).catch(() => undefined)),
    );
    expect(await b.state()).toBe('open');
    expect(published(CircuitOpened)).toHaveLength(1);
    expect(published(CircuitOpened)[0]).toMatchObject({ generation: 1 });
  });

  it('has many concurrent successful trials close it exactly once', async () => {
    const b = breaker({ halfOpenMaxTrials: 10 });
    await failTimes(b, 3);
    clock.now += 5_000;
    await Promise.all(Array.from({ length: 20 }, () => b.call(downstreamUp).catch(() => undefined)));
    expect(await b.state()).toBe('closed');
    expect(published(CircuitClosed)).toHaveLength(1);
  });

  it('publishes a transition event whose PutEvents failed when a caller comes by later, once', async () => {
    // EventBridge fails every call made before it recovers.
    let recoveredAtCall = Number.POSITIVE_INFINITY;
    bus = new FakeEventBridge((call) => (call < recoveredAtCall ? 'InternalFailure' : undefined));
    const b = breaker();
    await failTimes(b, 3);
    expect(await b.state()).toBe('open');
    expect(published(CircuitOpened)).toEqual([]);
    recoveredAtCall = bus.calls.length;
    // Within the reclaim period nobody takes over (the publisher may still be at it).
    clock.now += 2_000;
    await expect(b.call(downstreamUp)).rejects.toThrow(CircuitOpenError);
    expect(published(CircuitOpened)).toEqual([]);
    clock.now += 10_000;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        breaker()
          .call(downstreamUp)
          .catch(() => undefined),
      ),
    );
    expect(published(CircuitOpened)).toEqual([expect.objectContaining({ circuit: 'model', generation: 1, reason: 'threshold' })]);
    // Published means gone from the item's outbox: no later caller sends it again.
    clock.now += 20_000;
    await b.call(downstreamUp).catch(() => undefined);
    expect(published(CircuitOpened)).toHaveLength(1);
  });

  it('does not count errors isFailure rejects', async () => {
    const b = breaker({ isFailure: (e) => e.name !== 'InvalidTicket' });
    for (let i = 0; i < 5; i++) {
      await expect(b.call(async () => Promise.reject(Object.assign(new Error('bad'), { name: 'InvalidTicket' })))).rejects.toThrow('bad');
    }
    expect(await b.state()).toBe('closed');
  });

  it('fails if an option is not a whole number of at least 1', () => {
    expect(() => breaker({ failureThreshold: 0 })).toThrow('failureThreshold must be a whole number >= 1 (got 0)');
    expect(() => breaker({ halfOpenMaxTrials: 1.5 })).toThrow('halfOpenMaxTrials');
  });

  it('reads its table and settings from the environment grantUse sets', async () => {
    const env = {
      CIRCUIT_BREAKER_TABLE_NAME: table.name,
      CIRCUIT_NAME: 'model',
      CIRCUIT_FAILURE_THRESHOLD: '1',
      CIRCUIT_WINDOW_SECONDS: '60',
      CIRCUIT_OPEN_SECONDS: '30',
      CIRCUIT_HALF_OPEN_TRIALS: '1',
    };
    const b = circuitBreakerFromEnv(dynamo.client, { now: () => clock.now }, env);
    await failTimes(b, 1);
    expect(await b.state()).toBe('open');
    expect(() => circuitBreakerFromEnv(dynamo.client, {}, { ...env, CIRCUIT_OPEN_SECONDS: '0' })).toThrow('CIRCUIT_OPEN_SECONDS');
  });
});

describe('CircuitBreaker metrics', () => {
  /** The EMF lines written while `run` runs, with metrics turned on (the suite turns them off). */
  async function emf(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await run();
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }
    return lines
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it("counts each opening and each rejected call in the construct's namespace, service and circuit dimension", async () => {
    const b = breaker();
    const lines = await emf(async () => {
      await failTimes(b, 3);
      await expect(b.call(downstreamUp)).rejects.toThrow(/circuit model is open/);
      await expect(b.call(downstreamUp)).rejects.toThrow(/circuit model is open/);
    });
    const { METRICS } = CircuitBreakerConstruct;
    const named = (name: string) => lines.filter((line) => name in line);
    expect(named(METRICS.opened)).toHaveLength(1);
    expect(named(METRICS.rejected)).toHaveLength(2);
    for (const line of [...named(METRICS.opened), ...named(METRICS.rejected)]) {
      expect(line).toMatchObject({ service: METRICS.service, circuit: 'model' });
      const directive = (line._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }).CloudWatchMetrics[0];
      expect(directive?.Namespace).toBe(METRICS.namespace);
      expect(directive?.Dimensions[0]?.sort()).toEqual(['circuit', 'service']);
    }
  });
});
