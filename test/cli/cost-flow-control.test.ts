import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { flowControlUnits, tokenBudgetsIn } from '../../cli/cost/flow-control.js';
import { type AppUsage, appUsage, DEFAULT_ASSUMPTIONS } from '../../cli/cost/usage.js';
import { ENV } from '../../contracts/wiring.js';
import { readAssembly } from '../../inspect/assembly.js';
import { FlowControlTable } from '../../lib/constructs/flow-control-table.js';
import { everyControl } from '../helpers/flow-control.js';

const settings = everyControl('Shop/Consumer');

/** An entry event to a queue whose consumer declares every control, and keeps its idempotency records in another table. */
let usage: AppUsage;
beforeAll(() => {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'switchyard-cost-flow-')) });
  const stack = new Stack(app, 'Shop', { env: { account: '000000000000', region: 'us-east-1' } });
  const bus = new events.EventBus(stack, 'Bus', { eventBusName: 'shop' });
  const queue = new sqs.Queue(stack, 'Orders');
  new events.Rule(stack, 'OrderPlaced', { eventBus: bus, eventPattern: { source: ['shop'], detailType: ['OrderPlaced'] } }).addTarget(
    new targets.SqsQueue(queue),
  );
  const consumer = new lambda.Function(stack, 'Consumer', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    environment: { [ENV.flowControl]: JSON.stringify(settings) },
  });
  new FlowControlTable(stack, 'Limits').connect(consumer);
  consumer.addEventSource(new SqsEventSource(queue, { batchSize: 1 }));
  usage = appUsage(readAssembly(app.synth().directory), DEFAULT_ASSUMPTIONS);
}, 60_000);

function quantity(price: string): number {
  return usage.usage
    .filter((u) => u.component.includes('flow control of Consumer') && u.price === price)
    .reduce((s, u) => s + u.quantity, 0);
}

describe('switchyard cost with flow control', () => {
  it("bills each record what its consumer's controls write and read in the flow control table", () => {
    // 1M entry events a month, one record each: concurrency 2 W, rate 1 R + 1 W, debounce 1 R + 3 W, pause 1 R.
    expect(usage.entries).toEqual(['OrderPlaced']);
    expect(quantity('dynamodb.writeRequestUnit')).toBe(6_000_000);
    expect(quantity('dynamodb.readRequestUnit')).toBe(3_000_000);
    expect(usage.usage.find((u) => u.component.includes('flow control of Consumer'))?.component).toMatch(
      /^table LimitsTable\w*: flow control of Consumer \(concurrency 2 W \(item of 3 holders, 0\.3 KB\), rate 1 R \+ 1 W \(log of 5 starts, 0\.1 KB\), debounce 1 R \+ 3 W, pause 1 R per record\)$/,
    );
  });

  it('bills only the controls a consumer declares, and a model call its token reservation and settlement', () => {
    expect(flowControlUnits({ flow: 'f', rateLimit: { limit: 1, periodSeconds: 1 } })).toMatchObject({ writes: 1, reads: 1 });
    expect(flowControlUnits({ flow: 'f', concurrency: { limit: 1 } })).toMatchObject({ writes: 2, reads: 0 });
    expect(flowControlUnits({ flow: 'f', circuitBreaker: { failureThreshold: 5, openSeconds: 30, maxOpenSeconds: 600 } })).toMatchObject({
      writes: 0,
      reads: 1,
      parts: ['circuit breaker 1 R'],
    });
    expect(flowControlUnits(undefined)).toMatchObject({ writes: 2, reads: 2 });
  });

  it('bills a token budget 2 reads and 2 writes per budget key and call (reserve and settle, each a versioned read-modify-write)', () => {
    expect(flowControlUnits(undefined, { perMinute: 10, tokenBudgets: { keys: 2, perDay: false } })).toMatchObject({ writes: 4, reads: 4 });
  });

  it('bills a write per KB and a read per 4 KB of the item: a full holders map, a long rate log, a busy token log', () => {
    // 100 holders of about 84 bytes: an 8.3 KB item, 9 write units for each of take and release.
    expect(flowControlUnits({ flow: 'f', concurrency: { limit: 100 } })).toMatchObject({ writes: 18, reads: 0 });
    // 1,000 starts of 9 bytes: 8.9 KB, 9 write units and 3 read units.
    expect(flowControlUnits({ flow: 'f', rateLimit: { limit: 1_000, periodSeconds: 60 } })).toMatchObject({ writes: 9, reads: 3 });
    // 500 calls a minute of 39 bytes, and 25 hour buckets: 19.6 KB, 20 write units and 5 read units per request.
    expect(flowControlUnits(undefined, { perMinute: 500, tokenBudgets: { keys: 1, perDay: true } })).toMatchObject({
      writes: 40,
      reads: 10,
    });
  });

  it("finds a function's token budgets in an AgentGraph's budget payload or in its own JSON variables", () => {
    const payload = JSON.stringify({
      Payload:
        '{% { "budget": { "modelTokens": { "perMinute": 20000, "perDay": 2000000 }, "tenantTokens": ($exists(x) ? { "perMinute": 5 }) } } %}',
    });
    expect(tokenBudgetsIn([payload])).toEqual({ keys: 2, perDay: true });
    expect(tokenBudgetsIn(['{"model":"m","limits":{"perMinute":200000}}'])).toEqual({ keys: 1, perDay: false });
    expect(tokenBudgetsIn(['plain', '{"a":1}'])).toBeUndefined();
  });
});
