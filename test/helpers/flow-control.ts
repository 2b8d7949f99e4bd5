import { Logger } from '@aws-lambda-powertools/logger';
import { vi } from 'vitest';
import type { FlowControlSettings } from '../../contracts/flow-control.js';
import { TicketCreated } from '../../domain/index.js';
import { createSqsConsumer, type RecordHandler } from '../../lambdas/kit/consumer.js';
import type { FlowControlStore } from '../../lambdas/kit/flow-control/store.js';
import type { DynamoDbHandle } from './dynamodb-engine.js';
import type { FakeSqs } from './fake-sqs.js';

/** A clock the test moves: every control reads `now` from the store. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  readonly now = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

let tables = 0;

/** A fresh flow control table (FlowControlTable's layout: key `pk`) in the local DynamoDB engine, with a test clock. */
export async function flowControlStore(dynamo: DynamoDbHandle, clock = new TestClock()): Promise<FlowControlStore & { clock: TestClock }> {
  const tableName = `flow-control-${++tables}`;
  await dynamo.createTable(tableName, 'pk');
  return { client: dynamo.client, tableName, now: clock.now, clock };
}

/** The settings of a flow (`App/Triage` unless named) keyed on its customer with every control but the circuit breaker. */
export function everyControl(flow = 'App/Triage'): FlowControlSettings {
  return {
    flow,
    key: { path: '$.detail.customerId' },
    concurrency: { limit: 3, leaseMarginSeconds: 10 },
    rateLimit: { limit: 5, periodSeconds: 60 },
    debounce: { periodSeconds: 10, maxWaitSeconds: 60, keepSeconds: 86_400 },
    pauseOnThrottle: { defaultSeconds: 30, maxSeconds: 900 },
  };
}

/**
 * The lines a consumer's Powertools logger writes while `run` runs: in dev mode it logs through
 * the global console, which this listens to. The console and the environment are restored after.
 */
export async function linesLoggedWhile<T>(run: () => Promise<T>): Promise<{ lines: string[]; result: T }> {
  const lines: string[] = [];
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  const spies = (['info', 'warn', 'error'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((line: unknown) => {
      lines.push(String(line));
    }),
  );
  try {
    return { lines, result: await run() };
  } finally {
    for (const spy of spies) spy.mockRestore();
    vi.unstubAllEnvs();
  }
}

/** A TicketCreated consumer under flow control (`store`, `settings`), without idempotency, logging at INFO, its failures going to `sqs`. */
export function flowControlledConsumer(
  sqs: FakeSqs,
  flowControl: { store: FlowControlStore; settings: FlowControlSettings },
  handle: RecordHandler<[typeof TicketCreated]> = async () => undefined,
) {
  return createSqsConsumer({
    contracts: [TicketCreated] as const,
    idempotency: false,
    logger: new Logger({ serviceName: 'flow-test', logLevel: 'INFO' }),
    handle,
    failureQueues: sqs.queues(5),
    flowControl,
  });
}
