import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchService } from '../../../local/cloudwatch/cloudwatch-service.js';
import { LogsService } from '../../../local/logs/logs-service.js';
import type { MetricPublisher } from '../../../local/logs/metric-filters.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { region } from '../helpers.js';

const GROUP = '/app/orders';
const PLACED = {
  group: GROUP,
  name: 'placed',
  pattern: 'PLACED',
  transformation: { metricName: 'Placed', metricNamespace: 'Shop', metricValue: '1' },
};
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
const state = (db: string) => ({ db: openDatabase(db), clock, accountId: '000000000000', region });

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/**
 * A runtime's logs and CloudWatch on the data folder `folder`, the metric filter declared and
 * started; `publisher` stands for the CloudWatch side of the publication (the runtime's by default).
 */
function runtimeOn(folder: string, publisher?: (cloudwatch: CloudWatchService) => MetricPublisher) {
  const logs = new LogsService(state(path.join(folder, 'logs.sqlite')));
  const cloudwatch = new CloudWatchService(state(path.join(folder, 'cloudwatch.sqlite')));
  logs.declare([{ name: GROUP }]);
  logs.declareMetricFilters([PLACED]);
  logs.metricFilters.publishTo(publisher?.(cloudwatch) ?? ((requestId, request) => cloudwatch.putMetricDataOnce(requestId, request)));
  cloudwatch.start();
  logs.start();
  return { logs, cloudwatch };
}

/** How many data the filter's metric holds. */
async function samples(cloudwatch: CloudWatchService): Promise<number> {
  const { Datapoints } = await cloudwatch.GetMetricStatistics({
    Namespace: 'Shop',
    MetricName: 'Placed',
    StartTime: (clock.now() - 3_600_000) / 1000,
    EndTime: (clock.now() + 3_600_000) / 1000,
    Period: 7200,
    Statistics: ['SampleCount'],
  });
  return Datapoints.reduce((total, point) => total + ((point as { SampleCount?: number }).SampleCount ?? 0), 0);
}

/** Appends three events, two of which match, and commits them. */
function appendOrders(logs: LogsService): void {
  const at = clock.now();
  logs.write(GROUP, 'web', [
    { timestamp: at, message: 'PLACED order 1' },
    { timestamp: at, message: 'viewed cart' },
    { timestamp: at, message: 'PLACED order 2' },
  ]);
  logs.flush();
}

describe('MetricFilters publications', () => {
  it('publishes, after a restart on the same data, the data of events committed while their publication never finished', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'metric-publications-'));
    // The process "dies" while publishing: the publication never completes, and nothing reaches CloudWatch.
    const first = runtimeOn(dir, () => () => new Promise(() => {}));
    appendOrders(first.logs);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await samples(first.cloudwatch)).toBe(0);

    const restarted = runtimeOn(dir);
    await restarted.logs.metricFilters.idle();
    expect(await samples(restarted.cloudwatch)).toBe(2);
    await restarted.logs.stop();
  });

  it('stores once the data CloudWatch took just before the process died, which the restart publishes again', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'metric-publications-'));
    let published = 0;
    // CloudWatch commits the data, and the process "dies" before the publication is deleted.
    const first = runtimeOn(dir, (cloudwatch) => async (requestId, request) => {
      await cloudwatch.putMetricDataOnce(requestId, request);
      published++;
      await new Promise(() => {});
    });
    appendOrders(first.logs);
    await new Promise((resolve) => setImmediate(resolve));
    expect(published).toBe(1);
    expect(await samples(first.cloudwatch)).toBe(2);

    const restarted = runtimeOn(dir);
    await restarted.logs.metricFilters.idle();
    expect(await samples(restarted.cloudwatch)).toBe(2);
    await restarted.logs.stop();
  });

  it('fails if CloudWatch refuses the data: the reason is printed and the publication not tried again', async () => {
    const lines: string[] = [];
    const logs = new LogsService({ ...state(':memory:'), log: (line) => lines.push(line) });
    const cloudwatch = new CloudWatchService(state(':memory:'));
    logs.declare([{ name: GROUP }]);
    logs.declareMetricFilters([{ ...PLACED, transformation: { ...PLACED.transformation, metricNamespace: 'AWS/Shop' } }]);
    let calls = 0;
    logs.metricFilters.publishTo((requestId, request) => {
      calls++;
      return cloudwatch.putMetricDataOnce(requestId, request);
    });
    logs.start();
    appendOrders(logs);
    await logs.metricFilters.idle();
    expect(calls).toBe(1);
    expect(lines).toEqual([
      'metric filter placed of /app/orders published nothing: The value AWS/Shop for parameter Namespace is invalid.',
    ]);
    await logs.stop();
  });
});
