import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogStreamCommand, FilterLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { CRASH_POINT_VARIABLE, type CrashPoint } from '../../../local/store/crash-points.js';
import type { TestApp } from '../../../testing/index.js';
import { crashClients, useCrashableApps } from '../../helpers/crashable-apps.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';

/** Apps on a runtime in a process of its own, which `crash()` kills with SIGKILL and starts again on the same data folder. */
const crashable = useCrashableApps({ iam: 'off' });

const GROUP = '/app/orders';

/** A log group whose metric filter counts the orders placed. */
const assembly = () =>
  assemblyOf({
    Orders: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: GROUP } },
    Placed: {
      Type: 'AWS::Logs::MetricFilter',
      Properties: {
        LogGroupName: GROUP,
        FilterName: 'placed',
        FilterPattern: 'PLACED',
        MetricTransformations: [{ MetricNamespace: 'Shop', MetricName: 'Placed', MetricValue: '1' }],
      },
    },
  });

function clients(running: TestApp) {
  const { config, sqs } = crashClients(running);
  sqs.destroy();
  return { logs: new CloudWatchLogsClient(config), cloudwatch: new CloudWatchClient(config) };
}

/** How many data the filter's metric holds. */
async function samples(cloudwatch: CloudWatchClient): Promise<number> {
  const { Datapoints = [] } = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: 'Shop',
      MetricName: 'Placed',
      StartTime: new Date(Date.now() - 3_600_000),
      EndTime: new Date(Date.now() + 3_600_000),
      Period: 7200,
      Statistics: ['SampleCount'],
    }),
  );
  return Datapoints.reduce((total, point) => total + (point.SampleCount ?? 0), 0);
}

/** How many events of the group the filter's pattern matches, as the group holds them. */
async function placedEvents(logs: CloudWatchLogsClient): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'PLACED', nextToken }));
    count += page.events?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}

/** How many publications the runtime still owes, read beside it in its data folder. */
function owed(dataDir: string): number {
  const db = new DatabaseSync(path.join(dataDir, 'logs.sqlite'), { readOnly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM logs_metric_publication').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** PutLogEvents of `messages` to a stream; false when the process died before it answered. */
async function put(logs: CloudWatchLogsClient, logStreamName: string, messages: readonly string[]): Promise<boolean> {
  const timestamp = Date.now();
  try {
    await logs.send(
      new PutLogEventsCommand({ logGroupName: GROUP, logStreamName, logEvents: messages.map((message) => ({ timestamp, message })) }),
    );
    return true;
  } catch {
    return false;
  }
}

/** Waits until nothing is owed, then answers the metric's data and the matching events the group holds. */
async function settled(running: TestApp, c: ReturnType<typeof clients>): Promise<{ samples: number; events: number }> {
  await eventually(async () => (owed(running.dataDir) === 0 ? true : undefined), 30_000, 'every publication made');
  return { samples: await samples(c.cloudwatch), events: await placedEvents(c.logs) };
}

async function startArmed(point: CrashPoint): Promise<TestApp> {
  // The variable is read by the runtime's own process when it starts (and by its restart).
  process.env[CRASH_POINT_VARIABLE] = point;
  try {
    return await crashable(assembly());
  } finally {
    delete process.env[CRASH_POINT_VARIABLE];
  }
}

async function listening(endpoint: string): Promise<boolean> {
  return fetch(endpoint).then(
    () => true,
    () => false,
  );
}

describe('the local CloudWatch Logs killed', () => {
  it('publishes one datum for each matching event it stored before a SIGKILL, none missing and none twice', async () => {
    const running = await crashable(assembly());
    let c = clients(running);
    const accepted: string[] = [];
    let stopped = false;
    const writers = Array.from({ length: 3 }, async (_, writer) => {
      const stream = `writer-${writer}`;
      await c.logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }));
      for (let n = 0; !stopped; n++) {
        const messages = Array.from({ length: 5 }, (_, i) => `PLACED order ${writer}-${n}-${i}`);
        if (!(await put(c.logs, stream, [...messages, 'viewed cart']))) return;
        accepted.push(...messages);
      }
    });
    await eventually(async () => (accepted.length >= 150 ? true : undefined), 30_000, 'some events accepted');
    // The SIGKILL goes out while batches are arriving and their data are being published; the restart on the same data follows.
    const crashed = running.crash();
    stopped = true;
    await Promise.all(writers);
    await crashed;

    c = clients(running);
    const { samples: data, events } = await settled(running, c);
    // A batch the kill cut may have been committed unanswered: its events count too.
    expect(events).toBeGreaterThanOrEqual(accepted.length);
    expect(data).toBe(events);
  }, 120_000);

  it.each([
    ['logs-metric-filter-before-publish', 'after the events were committed and before their data were published'],
    ['logs-metric-filter-after-publish', 'after CloudWatch stored the data and before the publication was deleted'],
  ] as const)(
    'publishes the data once when the runtime dies at %s (%s)',
    async (point, _when) => {
      const running = await startArmed(point);
      let c = clients(running);
      await c.logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'web' }));
      await put(
        c.logs,
        'web',
        Array.from({ length: 20 }, (_, n) => `PLACED order ${n}`),
      );
      // The publication that follows the append kills the runtime at its crash point: crash() starts it again.
      await eventually(
        async () => ((await listening(running.endpoint)) ? undefined : true),
        30_000,
        'the runtime to die at its crash point',
      );
      await running.crash();

      c = clients(running);
      expect(await settled(running, c)).toEqual({ samples: 20, events: 20 });
    },
    120_000,
  );
});
