/**
 * Start time of a test runtime (`npm run bench:testing`): `startApp` on a small app (a bus
 * with a rule to a queue and its dead-letter queue, a table, a state machine), synthesized
 * once with CDK, then started and stopped RUNS times; the verdict is the median start
 * (startApp until it resolves) against the 2 s the testing API promises, and the median stop
 * (which removes the data folder). The synthesis is reported apart: `startApp({ app })` pays
 * it too, once per App.
 *
 *   BENCH_RUNS=11 npm run bench:testing   # starts (default 7)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { startApp } from '../testing/index.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const GOAL_MS = 2000;

function smallApp(outdir: string): App {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Small');
  const bus = new events.EventBus(stack, 'Bus', { eventBusName: 'small-bus' });
  const deadLetters = new sqs.Queue(stack, 'OrdersDlq');
  const queue = new sqs.Queue(stack, 'Orders', { deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 } });
  new events.Rule(stack, 'Rule', { eventBus: bus, eventPattern: { source: ['small.orders'] }, targets: [new targets.SqsQueue(queue)] });
  new dynamodb.Table(stack, 'Items', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
  new sfn.StateMachine(stack, 'Flow', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Wait(stack, 'Pause', { time: sfn.WaitTime.duration(Duration.seconds(1)) })),
  });
  return app;
}

const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-testing-'));
const synthStarted = performance.now();
const cdkOut = smallApp(outdir).synth().directory;
const synthMs = performance.now() - synthStarted;

const starts: number[] = [];
const stops: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  const app = await startApp({ cdkOut });
  starts.push(performance.now() - started);
  const stopping = performance.now();
  await app.stop();
  stops.push(performance.now() - stopping);
}
rmSync(outdir, { recursive: true, force: true });
const sorted = [...starts].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
const medianStop = [...stops].sort((a, b) => a - b)[Math.floor(stops.length / 2)] ?? Number.NaN;
const met = median <= GOAL_MS;
console.log(
  `testing start: small app median ${median.toFixed(0)} ms over ${RUNS} starts (min ${sorted[0]?.toFixed(0)}, max ${sorted.at(-1)?.toFixed(0)}), ` +
    `stop ${medianStop.toFixed(0)} ms (median), synth ${synthMs.toFixed(0)} ms once; goal ${GOAL_MS} ms: ${met ? 'met' : 'MISSED'} ` +
    `(load ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores)`,
);
process.exit(met ? 0 : 1);
