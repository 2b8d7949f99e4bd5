/**
 * Issue 21's noisy-neighbour figure for the local SQS fair queue: 10 tenants, one sending 90%
 * of 5,000 messages faster than the consumers drain them. Prints each quiet tenant's p95
 * dwell time (send to first receive) with MessageGroupId (a fair queue), without it (plain
 * oldest-first), and with the tenant running alone, and the ratio of fair to alone.
 *
 * The run is a simulation on the runtime's own SqsService with a manual clock, so its times
 * are simulated and the same on any machine: sends arrive at a steady rate, 40 consumers each
 * hold a message for 0.5 to 1.5 s (seeded, so consumers do not finish in lockstep) and then
 * delete it, and the clock moves in 10 ms steps. It measures the queue's ordering, not
 * Lambda's polling. Run: `npm run bench:fairness`; exits 1 if a target is missed.
 *
 * Dwell time is AWS's: the time from a message's send to its receive ("the time a message
 * spends in the queue between being sent and received"), not its processing. The sends
 * outrun the consumers, so all 40 are busy while the noisy backlog lasts and a quiet
 * tenant's message waits for the next consumer to finish, whatever the order: beside the
 * dwell the bench prints that floor, and counts receives that returned a noisy message while
 * a quiet one was visible (a fault of the order; there should be none). Alone, the tenant
 * finds idle consumers, which is why the issue's 2x of alone is out of reach here.
 */
import { ManualClock } from '../local/clock.js';
import { SqsService } from '../local/sqs/sqs-service.js';
import { openDatabase } from '../local/store/data-folder.js';

const TOTAL = 5_000;
const TENANTS = 10;
const NOISY_SHARE = 0.9;
/** Sends per second, over SEND_SECONDS: 100/s against the consumers' 40/s. */
const SEND_SECONDS = 50;
const CONSUMERS = 40;
/** Mean time a consumer holds a message; each takes between half and one and a half of it. */
const PROCESSING_MS = 1_000;
const STEP_MS = 10;

interface Arrival {
  at: number;
  tenant: string;
}

type Mode = 'fair' | 'plain' | 'alone';

/** mulberry32: the same processing times on every run and in every mode. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Each tenant's messages spread evenly over the send window, the noisy tenant's too. */
function arrivals(): Arrival[] {
  const noisy = Math.round(TOTAL * NOISY_SHARE);
  const quietTenants = TENANTS - 1;
  const out: Arrival[] = [];
  const spread = (tenant: string, count: number, offset: number) => {
    for (let i = 0; i < count; i++) out.push({ at: Math.floor(((i + offset) * SEND_SECONDS * 1000) / count), tenant });
  };
  spread('noisy', noisy, 0);
  for (let t = 0; t < quietTenants; t++) {
    const count = Math.floor((TOTAL - noisy) / quietTenants) + (t < (TOTAL - noisy) % quietTenants ? 1 : 0);
    spread(`quiet-${t + 1}`, count, (t + 1) / (quietTenants + 1));
  }
  return out.sort((a, b) => a.at - b.at);
}

interface Outcome {
  /** Each tenant's dwell times (ms): send to first receive. */
  dwell: Map<string, number[]>;
  /**
   * Each tenant's waits for a free consumer (ms): from a message's send to the first step at
   * which a consumer was free. No order of the queue can return a message before that without
   * taking a consumer from another message (SQS does not preempt), so it is the floor of dwell.
   */
  floor: Map<string, number[]>;
  /** Receives that returned a noisy tenant's message while a quiet tenant's message was visible. */
  passedOver: number;
  mostNoisy: number;
}

/** Runs the arrivals through a queue and answers what Outcome holds. */
async function run(messages: readonly Arrival[], mode: Mode): Promise<Outcome> {
  const clock = new ManualClock(0);
  const db = openDatabase(':memory:');
  const sqs = new SqsService({ db, clock, baseUrl: 'http://127.0.0.1:4566', accountId: '000000000000', region: 'us-east-1' });
  const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'tenants', Attributes: { VisibilityTimeout: '60' } });
  const dwell = new Map<string, number[]>();
  const floor = new Map<string, number[]>();
  /** Quiet tenants' messages sent and not yet received, and those still waiting for a free consumer. */
  const waiting = new Set<string>();
  const unserved: Arrival[] = [];
  let passedOver = 0;
  const busy: { until: number; handle: string }[] = [];
  let next = 0;
  let received = 0;
  let mostNoisy = 0;
  const random = seeded(21);
  while (received < messages.length) {
    const now = clock.now();
    const due: Arrival[] = [];
    while (next < messages.length && (messages[next] as Arrival).at <= now) due.push(messages[next++] as Arrival);
    for (const m of due) {
      if (m.tenant === 'noisy') continue;
      waiting.add(`${m.tenant}@${m.at}`);
      unserved.push(m);
    }
    for (let i = 0; i < due.length; i += 10) {
      await sqs.SendMessageBatch({
        QueueUrl,
        Entries: due.slice(i, i + 10).map((m, j) => ({
          Id: String(j),
          MessageBody: JSON.stringify(m),
          ...(mode === 'plain' ? {} : { MessageGroupId: m.tenant }),
        })),
      });
    }
    for (let i = busy.length - 1; i >= 0; i--) {
      const work = busy[i] as { until: number; handle: string };
      if (work.until > now) continue;
      await sqs.DeleteMessage({ QueueUrl, ReceiptHandle: work.handle });
      busy.splice(i, 1);
    }
    if (busy.length < CONSUMERS) {
      for (const m of unserved.splice(0, CONSUMERS - busy.length)) {
        const list = floor.get(m.tenant) ?? [];
        list.push(now - m.at);
        floor.set(m.tenant, list);
      }
    }
    while (busy.length < CONSUMERS) {
      const { Messages } = await sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: Math.min(10, CONSUMERS - busy.length) });
      const bodies = Messages.map((m) => JSON.parse(m.Body) as Arrival);
      for (const sent of bodies) waiting.delete(`${sent.tenant}@${sent.at}`);
      if (waiting.size > 0 && bodies.some((sent) => sent.tenant === 'noisy')) passedOver++;
      for (const m of Messages) {
        const sent = JSON.parse(m.Body) as Arrival;
        const list = dwell.get(sent.tenant) ?? [];
        list.push(now - sent.at);
        dwell.set(sent.tenant, list);
        busy.push({ until: now + Math.round(PROCESSING_MS * (0.5 + random())), handle: m.ReceiptHandle });
        received++;
      }
      if (Messages.length === 0) break;
    }
    if (mode === 'fair' && now % 1_000 === 0)
      mostNoisy = Math.max(mostNoisy, sqs.fairQueueMetrics(QueueUrl).ApproximateNumberOfNoisyGroups);
    clock.advance(STEP_MS);
  }
  sqs.close();
  db.close();
  return { dwell, floor, passedOver, mostNoisy };
}

function p95(values: readonly number[] = []): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? Number.NaN;
}

const started = performance.now();
const all = arrivals();
const fair = await run(all, 'fair');
const plain = await run(all, 'plain');
const quiet = [...new Set(all.map((m) => m.tenant))]
  .filter((t) => t !== 'noisy')
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

const seconds = (ms: number) => (ms < 1_000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`).padStart(9);
console.log(
  `${TOTAL} messages, ${TENANTS} tenants, one with ${NOISY_SHARE * 100}%: sent at ${TOTAL / SEND_SECONDS}/s, consumed at ${(CONSUMERS * 1000) / PROCESSING_MS}/s (${CONSUMERS} consumers, ${PROCESSING_MS / 2}-${(PROCESSING_MS * 3) / 2} ms each); simulated time, ${STEP_MS} ms steps`,
);
console.log(
  `${'tenant'.padEnd(10)}${'messages'.padStart(9)}${'p95 alone'.padStart(11)}${'p95 fair'.padStart(11)}${'p95 floor'.padStart(11)}${'p95 plain'.padStart(11)}  fair/alone`,
);
let worst = 0;
let worstOverFloor = 0;
for (const tenant of quiet) {
  const alone = await run(
    all.filter((m) => m.tenant === tenant),
    'alone',
  );
  const base = p95(alone.dwell.get(tenant));
  const withFairness = p95(fair.dwell.get(tenant));
  const floor = p95(fair.floor.get(tenant));
  // A dwell under one clock step is no wait at all; the ratio is taken over at least one step.
  const ratio = Math.max(withFairness, STEP_MS) / Math.max(base, STEP_MS);
  worst = Math.max(worst, ratio);
  worstOverFloor = Math.max(worstOverFloor, withFairness - floor);
  console.log(
    `${tenant.padEnd(10)}${String(fair.dwell.get(tenant)?.length ?? 0).padStart(9)}  ${seconds(base)}  ${seconds(withFairness)}  ${seconds(floor)}  ${seconds(p95(plain.dwell.get(tenant)))}  ${ratio.toFixed(2)}x`,
  );
}
console.log(
  `${'noisy'.padEnd(10)}${String(fair.dwell.get('noisy')?.length ?? 0).padStart(9)}  ${'-'.padStart(9)}  ${seconds(p95(fair.dwell.get('noisy')))}  ${'-'.padStart(9)}  ${seconds(p95(plain.dwell.get('noisy')))}`,
);
console.log(
  `floor: the wait for a free consumer (all ${CONSUMERS} busy with the noisy backlog); no order that does not preempt a consumer can return a message sooner`,
);
console.log(
  `receives that returned a noisy message while a quiet one was visible: ${fair.passedOver} (target 0); worst quiet p95 over its floor: ${worstOverFloor} ms; most noisy groups at once: ${fair.mostNoisy}`,
);
const missed: string[] = [];
if (worst > 2) missed.push(`worst quiet tenant fair/alone ${worst.toFixed(2)}x (issue 21 asks for at most 2x)`);
if (fair.passedOver > 0) missed.push(`${fair.passedOver} receives passed a visible quiet message over`);
console.log(`worst quiet tenant fair/alone: ${worst.toFixed(2)}x (target <= 2x)`);
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s wall time)`);
if (missed.length > 0) {
  console.log(`targets missed: ${missed.join('; ')}`);
  process.exitCode = 1;
}
