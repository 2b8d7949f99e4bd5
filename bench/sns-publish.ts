/**
 * The runtime's CPU per SNS Publish to a topic with one SQS subscription, in this process: the
 * publish, its delivery, the queue's message and what the read API records of them (a notification
 * node, the link to the queue's message, the message's node), committed in the read API's batched
 * flushes. `BENCH_PUBLISHES` publishes after 200 to warm up; prints one JSON line. Given another
 * tree's root (an export of an earlier commit, its node_modules linked), it measures that tree's
 * code: run it alternately on both for a paired comparison.
 *
 *   BENCH_PUBLISHES=3000 node --import tsx bench/sns-publish.ts [<tree root>]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));
const PUBLISHES = Number(process.env.BENCH_PUBLISHES ?? 3000);
const WARM_UP = 200;
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:news';

const { assemblyOf } = (await import(path.join(root, 'test/local/assembly.ts'))) as typeof import('../test/local/assembly.js');
const { queueSubscription } = (await import(
  path.join(root, 'test/local/template-resources.ts')
)) as typeof import('../test/local/template-resources.js');
const { LocalRuntime } = (await import(path.join(root, 'local/runtime.ts'))) as typeof import('../local/runtime.js');

const cdkOut = assemblyOf({
  Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'inbox' } },
  News: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'news' } },
  Subscription: queueSubscription('News', 'Inbox'),
});
const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-sns-'));
const runtime = await LocalRuntime.start({ cdkOut, dataDir, port: 0, log: () => undefined });
try {
  for (let i = 0; i < WARM_UP; i++) await runtime.sns.Publish({ TopicArn: TOPIC, Message: `warm-up ${i}` });
  await runtime.sns.idle();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < PUBLISHES; i++) await runtime.sns.Publish({ TopicArn: TOPIC, Message: `message ${i}` });
  await runtime.sns.idle();
  // What the read API queued is committed too: its cost is the publish's.
  runtime.readApi.records.flush();
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - started;
  console.log(
    JSON.stringify({
      root,
      publishes: PUBLISHES,
      cpuMicrosecondsPerPublish: Math.round((used.user + used.system) / PUBLISHES),
      wallMillisecondsPerPublish: Number((wall / PUBLISHES).toFixed(3)),
    }),
  );
} finally {
  await runtime.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(cdkOut, { recursive: true, force: true });
}
