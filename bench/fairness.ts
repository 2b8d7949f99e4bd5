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
 * finds idle consumers, which is why the issue's 2x of alone is out of reach for the fair
 * queue by itself; a per-tenant concurrency limit that leaves the quiet tenants' share of the
 * consumers free is what meets it.
 *
 * It then runs the fair queue with a per-tenant concurrency limit (CAPS), the kit's keyed
 * concurrency modelled as the kit keeps it: a consumer that receives a record over its
 * tenant's limit holds it back (ChangeMessageVisibility for the usual backoff) and is busy
 * only for its one refused write and that call; the table counts receives, hold-backs and
 * slot writes.
 */
import { backoffSeconds } from '../lambdas/kit/failure-router.js';
import { seededRandom as seeded } from '../local/random/seeded-random.js';
import { SqsService } from '../local/sqs/sqs-service.js';
import { openDatabase } from '../local/store/data-folder.js';
import { ManualClock } from '../local/time/clock.js';

const TOTAL = 5_000;
const TENANTS = 10;
const NOISY_SHARE = 0.9;
/** Sends per second, over SEND_SECONDS: 100/s against the consumers' 40/s. */
const SEND_SECONDS = 50;
const CONSUMERS = 40;
/** Mean time a consumer holds a message; each takes between half and one and a half of it. */
const PROCESSING_MS = 1_000;
const STEP_MS = 10;
/**
 * The per-tenant concurrency limits tried with the fair queue: the kit's keyed concurrency
 * (lambdas/kit/flow-control/concurrency.ts) caps one tenant's records in flight, so the
 * other consumers stay free for quiet tenants. HEADLINE_CAP (60%) is shown per tenant; the
 * target is met if any limit of the sweep meets it.
 */
const CAPS = [34, 28, 24, 20];
const HEADLINE_CAP = 24;
/**
 * What one conditional DynamoDB write and one ChangeMessageVisibility take (the p50 of a
 * flow-control write in `npm run bench:flow-control`): a consumer that holds a record back
 * is busy for its refused write and the visibility change, then free again.
 */
const REQUEST_MS = 3;
/** The Lambda deadline plus the lease margin a slot lease runs for (FlowGate), longer than any hold here. */
const LEASE_MS = 60_000;

interface Arrival {
  at: number;
  tenant: string;
}

type Mode = 'fair' | 'plain' | 'alone' | { readonly cap: number };

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
  /** Receives, hold-backs (each a ChangeMessageVisibility) and slot writes (takes, refusals, item creations and releases). */
  costs: { receives: number; heldBack: number; slotWrites: number };
  /** When the last message ran (ms). */
  finishedAt: number;
}

/**
 * One tenant's places in flight as the kit keeps them (acquireSlot): one item per key holding
 * its holders, so taking a place or being refused is one conditional write (the refusal's
 * answer carries the item, which shows no ended lease here: every hold is shorter than a
 * lease). The first take of a key creates its item, one write more; a release is one write.
 */
class Slots {
  private readonly held = new Map<string, number>();
  writes = 0;
  constructor(private readonly cap: number) {}

  /** Whether a place was taken, and the writes it took. */
  acquire(tenant: string): { taken: boolean; writes: number } {
    const created = !this.held.has(tenant);
    const holders = this.held.get(tenant) ?? 0;
    const writes = created ? 2 : 1;
    this.writes += writes;
    if (holders >= this.cap) return { taken: false, writes };
    this.held.set(tenant, holders + 1);
    return { taken: true, writes };
  }

  release(tenant: string): void {
    this.writes++;
    this.held.set(tenant, (this.held.get(tenant) as number) - 1);
  }
}

/** A consumer busy until `until`: with a message to delete then (none after a hold-back) and a slot to release. */
interface Work {
  until: number;
  handle?: string;
  release?: string;
}

type Received = Awaited<ReturnType<SqsService['ReceiveMessage']>>['Messages'][number];

/** One run's queue, its consumers and what it measures; `step` moves it one clock step. */
class Simulation {
  readonly clock = new ManualClock(0);
  readonly db = openDatabase(':memory:');
  readonly sqs = new SqsService({
    db: this.db,
    clock: this.clock,
    baseUrl: 'http://127.0.0.1:4566',
    accountId: '000000000000',
    region: 'us-east-1',
  });
  queueUrl = '';
  readonly dwell = new Map<string, number[]>();
  readonly floor = new Map<string, number[]>();
  /** Quiet tenants' messages sent and not yet received, and those still waiting for a free consumer. */
  readonly waiting = new Set<string>();
  readonly unserved: Arrival[] = [];
  passedOver = 0;
  readonly busy: Work[] = [];
  next = 0;
  ran = 0;
  mostNoisy = 0;
  readonly random = seeded(21);
  readonly capped: boolean;
  readonly slots: Slots;
  readonly backoffRandom = seeded(29);
  readonly receiveCounts = new Map<string, number>();
  readonly costs = { receives: 0, heldBack: 0, slotWrites: 0 };
  finishedAt = 0;

  constructor(
    private readonly messages: readonly Arrival[],
    private readonly mode: Mode,
  ) {
    this.capped = typeof mode === 'object';
    this.slots = new Slots(typeof mode === 'object' ? mode.cap : 0);
  }

  async createQueue(): Promise<void> {
    const { QueueUrl } = await this.sqs.CreateQueue({ QueueName: 'tenants', Attributes: { VisibilityTimeout: '60' } });
    this.queueUrl = QueueUrl;
  }

  async step(): Promise<void> {
    const now = this.clock.now();
    await this.sendDue(now);
    await this.finishWork(now);
    this.recordFloor(now);
    await this.receive(now);
    if (this.mode !== 'plain' && this.mode !== 'alone' && now % 1_000 === 0)
      this.mostNoisy = Math.max(this.mostNoisy, this.sqs.fairQueueMetrics(this.queueUrl).ApproximateNumberOfNoisyGroups);
    this.clock.advance(STEP_MS);
  }

  close(): Outcome {
    this.sqs.close();
    this.db.close();
    this.costs.slotWrites = this.slots.writes;
    const { dwell, floor, passedOver, mostNoisy, costs, finishedAt } = this;
    return { dwell, floor, passedOver, mostNoisy, costs, finishedAt };
  }

  /** Sends the messages whose time has come, noting the quiet tenants' ones as waiting. */
  private async sendDue(now: number): Promise<void> {
    const { messages } = this;
    const due: Arrival[] = [];
    while (this.next < messages.length && (messages[this.next] as Arrival).at <= now) due.push(messages[this.next++] as Arrival);
    for (const m of due) {
      if (m.tenant === 'noisy') continue;
      this.waiting.add(`${m.tenant}@${m.at}`);
      this.unserved.push(m);
    }
    for (let i = 0; i < due.length; i += 10) {
      await this.sqs.SendMessageBatch({
        QueueUrl: this.queueUrl,
        Entries: due.slice(i, i + 10).map((m, j) => ({
          Id: String(j),
          MessageBody: JSON.stringify(m),
          ...(this.mode === 'plain' ? {} : { MessageGroupId: m.tenant }),
        })),
      });
    }
  }

  /** Frees the consumers whose work is done: the message deleted, the slot released. */
  private async finishWork(now: number): Promise<void> {
    const { busy } = this;
    for (let i = busy.length - 1; i >= 0; i--) {
      const work = busy[i] as Work;
      if (work.until > now) continue;
      if (work.handle !== undefined) await this.sqs.DeleteMessage({ QueueUrl: this.queueUrl, ReceiptHandle: work.handle });
      if (work.release !== undefined) this.slots.release(work.release);
      busy.splice(i, 1);
    }
  }

  /** The quiet messages that free consumers would take first, whatever the queue's order: their floor. */
  private recordFloor(now: number): void {
    if (this.busy.length < CONSUMERS) {
      for (const m of this.unserved.splice(0, CONSUMERS - this.busy.length)) {
        const list = this.floor.get(m.tenant) ?? [];
        list.push(now - m.at);
        this.floor.set(m.tenant, list);
      }
    }
  }

  /** Receives until every consumer is busy or the queue returns nothing. */
  private async receive(now: number): Promise<void> {
    while (this.busy.length < CONSUMERS) {
      const { Messages } = await this.sqs.ReceiveMessage({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.min(10, CONSUMERS - this.busy.length),
      });
      const bodies = Messages.map((m) => JSON.parse(m.Body) as Arrival);
      for (const sent of bodies) this.waiting.delete(`${sent.tenant}@${sent.at}`);
      if (this.waiting.size > 0 && bodies.some((sent) => sent.tenant === 'noisy')) this.passedOver++;
      for (const m of Messages) await this.take(m, now);
      if (Messages.length === 0) break;
    }
  }

  /** A consumer takes a received message: held back if over its tenant's limit, else run. */
  private async take(m: Received, now: number): Promise<void> {
    this.costs.receives++;
    const sent = JSON.parse(m.Body) as Arrival;
    const receiveCount = (this.receiveCounts.get(m.MessageId) ?? 0) + 1;
    this.receiveCounts.set(m.MessageId, receiveCount);
    let release: string | undefined;
    if (this.capped) {
      const { taken, writes } = this.slots.acquire(sent.tenant);
      if (!taken) {
        // Held back as the kit's consumer does (failure-policy.ts): visible again after the
        // usual backoff for its receive count, or when the lease ends if sooner; the
        // consumer is busy only for its refused write and the visibility change.
        const seconds = Math.max(1, Math.ceil(Math.min(LEASE_MS / 1000, backoffSeconds(receiveCount, {}, this.backoffRandom))));
        await this.sqs.ChangeMessageVisibility({ QueueUrl: this.queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: seconds });
        this.costs.heldBack++;
        this.busy.push({ until: now + Math.ceil(((writes + 1) * REQUEST_MS) / STEP_MS) * STEP_MS });
        return;
      }
      release = sent.tenant;
    }
    const list = this.dwell.get(sent.tenant) ?? [];
    list.push(now - sent.at);
    this.dwell.set(sent.tenant, list);
    this.busy.push({
      until: now + Math.round(PROCESSING_MS * (0.5 + this.random())),
      handle: m.ReceiptHandle,
      ...(release === undefined ? {} : { release }),
    });
    this.ran++;
    this.finishedAt = now;
  }
}

/** Runs the arrivals through a queue and answers what Outcome holds. */
async function run(messages: readonly Arrival[], mode: Mode): Promise<Outcome> {
  const simulation = new Simulation(messages, mode);
  await simulation.createQueue();
  while (simulation.ran < messages.length) await simulation.step();
  return simulation.close();
}

function p95(values: readonly number[] = []): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? Number.NaN;
}

const started = performance.now();
const all = arrivals();
const fair = await run(all, 'fair');
const plain = await run(all, 'plain');
const cappedRuns = new Map<string, Outcome>();
for (const cap of CAPS) cappedRuns.set(String(cap), await run(all, { cap }));
const headline = cappedRuns.get(String(HEADLINE_CAP)) as Outcome;
const quiet = [...new Set(all.map((m) => m.tenant))]
  .filter((t) => t !== 'noisy')
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

const seconds = (ms: number) => (ms < 1_000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`).padStart(9);
/** A dwell under one clock step is no wait at all; a ratio is taken over at least one step. */
const ratioOf = (dwell: number, alone: number) => Math.max(dwell, STEP_MS) / Math.max(alone, STEP_MS);
console.log(
  `${TOTAL} messages, ${TENANTS} tenants, one with ${NOISY_SHARE * 100}%: sent at ${TOTAL / SEND_SECONDS}/s, consumed at ${(CONSUMERS * 1000) / PROCESSING_MS}/s (${CONSUMERS} consumers, ${PROCESSING_MS / 2}-${(PROCESSING_MS * 3) / 2} ms each); simulated time, ${STEP_MS} ms steps`,
);
console.log(
  `${'tenant'.padEnd(10)}${'messages'.padStart(9)}${'p95 alone'.padStart(11)}${'p95 fair'.padStart(11)}${'p95 floor'.padStart(11)}${'p95 plain'.padStart(11)}${`p95 cap ${HEADLINE_CAP}`.padStart(12)}  fair/alone  cap/alone`,
);
let worst = 0;
let worstOverFloor = 0;
const alones = new Map<string, number>();
for (const tenant of quiet) {
  const alone = await run(
    all.filter((m) => m.tenant === tenant),
    'alone',
  );
  const base = p95(alone.dwell.get(tenant));
  alones.set(tenant, base);
  const withFairness = p95(fair.dwell.get(tenant));
  const floor = p95(fair.floor.get(tenant));
  const ratio = ratioOf(withFairness, base);
  worst = Math.max(worst, ratio);
  worstOverFloor = Math.max(worstOverFloor, withFairness - floor);
  const cappedDwell = p95(headline.dwell.get(tenant));
  console.log(
    `${tenant.padEnd(10)}${String(fair.dwell.get(tenant)?.length ?? 0).padStart(9)}  ${seconds(base)}  ${seconds(withFairness)}  ${seconds(floor)}  ${seconds(p95(plain.dwell.get(tenant)))}   ${seconds(cappedDwell)}  ${ratio.toFixed(2).padStart(9)}x  ${ratioOf(cappedDwell, base).toFixed(2).padStart(8)}x`,
  );
}
console.log(
  `${'noisy'.padEnd(10)}${String(fair.dwell.get('noisy')?.length ?? 0).padStart(9)}  ${'-'.padStart(9)}  ${seconds(p95(fair.dwell.get('noisy')))}  ${'-'.padStart(9)}  ${seconds(p95(plain.dwell.get('noisy')))}   ${seconds(p95(headline.dwell.get('noisy')))}`,
);
console.log(
  `floor: the wait for a free consumer (all ${CONSUMERS} busy with the noisy backlog); no order that does not preempt a consumer can return a message sooner`,
);
console.log(
  `receives that returned a noisy message while a quiet one was visible: ${fair.passedOver} (target 0); worst quiet p95 over its floor: ${worstOverFloor} ms; most noisy groups at once: ${fair.mostNoisy}`,
);

console.log(
  `\nfair queue + a per-tenant concurrency limit (the kit's keyed concurrency; a record over its tenant's limit is held back by a visibility change for the usual backoff, its consumer busy ${REQUEST_MS} ms for the refused write and ${REQUEST_MS} ms for the visibility change; the kit's acquireSlot, one write to take a place or be refused):`,
);
console.log(
  `${'limit'.padEnd(22)}${'quiet p95'.padStart(16)}${'worst/alone'.padStart(13)}${'noisy p95'.padStart(11)}${'all done'.padStart(10)}${'receives'.padStart(10)}${'held back'.padStart(11)}${'slot writes'.padStart(13)}`,
);
const row = (label: string, outcome: Outcome) => {
  const dwells = quiet.map((t) => p95(outcome.dwell.get(t)));
  const worstRatio = Math.max(...quiet.map((t, i) => ratioOf(dwells[i] as number, alones.get(t) as number)));
  console.log(
    `${label.padEnd(22)}${`${Math.min(...dwells)}-${Math.max(...dwells)} ms`.padStart(16)}${`${worstRatio.toFixed(2)}x`.padStart(13)}${seconds(p95(outcome.dwell.get('noisy'))).padStart(11)}${seconds(outcome.finishedAt).padStart(10)}${String(outcome.costs.receives).padStart(10)}${String(outcome.costs.heldBack).padStart(11)}${String(outcome.costs.slotWrites).padStart(13)}`,
  );
  return worstRatio;
};
row('none (fair)', fair);
const cappedWorst = new Map<string, number>();
for (const [cap, outcome] of cappedRuns) cappedWorst.set(cap, row(`${cap} (${Math.round((Number(cap) / CONSUMERS) * 100)}%)`, outcome));

// Issue 21's target: every quiet tenant's p95 within 2x of running alone, with the fair queue
// and, where the fair queue alone cannot (all consumers busy with the noisy backlog), a
// per-tenant concurrency limit; and the fair order never passing a visible quiet message over.
const missed: string[] = [];
const meeting = [...cappedWorst].filter(([, ratio]) => ratio <= 2).map(([cap]) => cap);
if (worst > 2 && meeting.length === 0)
  missed.push(
    `worst quiet tenant fair/alone ${worst.toFixed(2)}x and no per-tenant limit tried keeps every quiet tenant within 2x of alone`,
  );
if (fair.passedOver > 0) missed.push(`${fair.passedOver} receives passed a visible quiet message over`);
console.log(`\nworst quiet tenant fair/alone: ${worst.toFixed(2)}x (target <= 2x)`);
console.log(
  `fair + a per-tenant limit (the kit's acquireSlot) within 2x of alone for every quiet tenant: ${meeting.length > 0 ? `at a limit of ${meeting.join(', ')}` : 'at none of the limits tried'}`,
);
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s wall time)`);
if (missed.length > 0) {
  console.log(`targets missed: ${missed.join('; ')}`);
  process.exitCode = 1;
}
