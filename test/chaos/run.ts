import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { toHub } from '../helpers/hub.js';
import { Random } from '../helpers/random.js';
import {
  accountFinished,
  accountPoison,
  accountStock,
  type FinishAccount,
  type PoisonAccount,
  type StockAccount,
  summaryLine,
} from './accounting.js';
import { Inventory } from './inventory.js';
import { Observer } from './observer.js';
import { ChaosRuntime } from './runtime-control.js';
import { approval, COMPLETION_EVENTS, type EntryEvent, FLOWS, generateWorkload, type Item } from './workload.js';

export interface ChaosOptions {
  readonly seed: number;
  /** Items per flow. */
  readonly n: number;
  readonly kills: number;
  /** The synthesized app (a folder of its own: the runtime writes nothing there, but the run owns it). */
  readonly cdkOut: string;
  /** Progress lines (kills, phases). */
  readonly log: (line: string) => void;
  /** Fail on crash repeats too (a thing done again after a SIGKILL cut it off before it was recorded). @default false */
  readonly strict?: boolean;
}

export interface ChaosResult {
  readonly line: string;
  readonly ok: boolean;
  readonly run: FinishAccount;
  readonly poison: PoisonAccount;
  readonly stock: StockAccount;
  /** Everything that went wrong, one line each (empty when ok). */
  readonly problems: readonly string[];
  /** Things done again across a kill, one line each: problems too when `strict`. */
  readonly crashRepeats: readonly string[];
}

/** Each order's SKU and quantity, as the workload sent it (a poison order's too: its fix keeps them). */
function orderLines(items: readonly Item[]): Map<string, { sku: string; quantity: number }> {
  return new Map(
    items
      .filter((item) => item.flow === 'saga')
      .map((item) => [item.id, { sku: String(item.entry.detail.sku), quantity: Number(item.entry.detail.quantity) }]),
  );
}

/**
 * One chaos run: the workload sent with duplicates while the runtime is killed `kills` times
 * and restarted, approvals sent when asked for (twins side by side, some late), late
 * duplicates once everything finished, then the poison fixed and sent back; every count
 * taken from the observer's events, the ledgers and the dead-letter queues.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const random = new Random(options.seed);
  const items = generateWorkload(random, { n: options.n, prefix: `C${options.seed.toString(36)}` });
  const byId = new Map(items.map((item) => [item.id, item]));
  const runtime = await ChaosRuntime.start(options.cdkOut);
  const log = (line: string) => options.log(`[chaos ${options.seed} +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
  const observer = new Observer(runtime);
  let polling = true;
  const background: Promise<unknown>[] = [];
  try {
    await observer.setUp();
    const inventory = new Inventory(runtime, () => observer.queueUrl);
    // One attempt, so that the suite knows whether each event was accepted; and a connection of
    // its own for each PutEvents: a kept-alive socket the runtime closes as idle (60 s) while
    // this starved process still has it pooled resets the next request, which no retry may cover.
    const events = new EventBridgeClient({
      ...runtime.config,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: false }) }),
    });
    let sent = 0;
    const put = async (entry: EntryEvent) => {
      const { FailedEntryCount, Entries } = await runtime.call(() => events.send(toHub(entry, entry.detail)));
      if (FailedEntryCount) throw new Error(`PutEvents refused ${entry.detailType}: ${JSON.stringify(Entries)}`);
      sent++;
    };

    // A person approves each job once asked, with twins of the approval side by side.
    const asked = new Set<string>();
    const approvals: Promise<unknown>[] = [];
    observer.onEvent = (event) => {
      if (event.detailType !== 'ApprovalRequested' || asked.has(event.key)) return;
      asked.add(event.key);
      const plan = byId.get(event.key)?.approvals ?? { copies: 1, delayMs: 0 };
      const sending = sleep(plan.delayMs).then(() => Promise.all(Array.from({ length: plan.copies }, () => put(approval(event.key)))));
      // Its failure fails the run where the approvals are awaited (settle), not as an unhandled rejection before.
      sending.catch(() => undefined);
      approvals.push(sending);
    };
    const pollErrors: Error[] = [];
    background.push(
      (async () => {
        while (polling) {
          await observer.poll(1).catch((error: Error) => {
            pollErrors.push(error);
            return sleep(500);
          });
        }
      })(),
    );

    // The workload, spread over the send window; the kills at random moments from just after
    // the first sends to a while after the last, when stages, executions and retries are busy.
    const sendWindowMs = Math.max(15_000, options.n * 400);
    const killAt = Array.from({ length: options.kills }, () => random.int(4_000, sendWindowMs + 25_000)).sort((a, b) => a - b);
    log(`${items.length} items on port ${runtime.port}, data ${runtime.dataDir}; kills at ${killAt.map((t) => `${t / 1000}s`).join(', ')}`);
    const kills = (async () => {
      for (const at of killAt) {
        await sleep(Math.max(0, started + at - Date.now()));
        await runtime.killAndRestart();
        log(`SIGKILL ${runtime.kills} done, runtime restarted`);
      }
    })();
    const sends = items.flatMap((item) => {
      const first = random.int(0, sendWindowMs);
      return Array.from({ length: item.copies }, (_, copy) => {
        const at = copy === 0 || item.concurrentCopies ? first : first + random.int(200, 8_000);
        return sleep(at).then(() => put(item.entry));
      });
    });
    await Promise.all(sends);
    log(`sent ${sent} events`);
    await kills;

    const budgetMs = Math.max(6 * 60_000, options.n * 6_000);
    const normal = items.filter((item) => !item.poison);
    // Finished, for waiting: any terminal event of its flow (which one, and how often, the accounting checks).
    const terminalSeen = (item: Item) =>
      COMPLETION_EVENTS[item.flow].some((type) => type !== 'ApprovalRequested' && observer.seen.has(`${item.id} ${type}`));
    await settle('the workload', () => normal.filter((item) => !terminalSeen(item)).length);

    // Late duplicates: every entry event and approval again, after its item finished.
    const late = items.filter((item) => !item.poison && random.chance(0.5));
    await Promise.all(late.map((item) => put(item.entry)));
    await Promise.all(late.filter((item) => item.flow === 'pipeline').map((item) => put(approval(item.id))));
    log(`late duplicates: ${late.length} entry events and their approvals`);
    await settle('the late duplicates', () => 0);

    const letters = await inventory.deadLetters(3600);
    const poison = accountPoison(items, letters, (time) => runtime.lifeAt(time));
    const poisonItems = items.filter((item) => item.poison);
    const toFix = letters.filter((letter) => letter.key !== undefined && byId.get(letter.key)?.poison);
    await inventory.fixAndRedrive(toFix, (letter, detail) => byId.get(letter.key ?? '')?.fix?.(detail) ?? detail);
    log(`fixed and redrove ${toFix.length} dead letters of ${poisonItems.length} poison items`);
    // Only what was redriven can finish (a poison item never dead-lettered is already a problem).
    const redrivenKeys = new Set(toFix.map((letter) => letter.key));
    await settle('the redriven poison', () => poisonItems.filter((item) => redrivenKeys.has(item.id) && !terminalSeen(item)).length);

    await observer.drain();
    const ledger = await inventory.ledgers();
    const run = accountFinished(normal, observer.counts(), ledger);
    const redriven = accountFinished(poisonItems, observer.counts(), ledger);
    // Every order, the redriven ones too, has reserved and maybe released by now: the stock is final.
    const stock = accountStock(await inventory.stock(), orderLines(items));
    const leftOver = await inventory.deadLetters(60);
    const redrive = { finished: redriven.finished, of: poisonItems.length, falseDeadLetters: leftOver.length };
    const line = summaryLine(
      { seed: options.seed, n: options.n, flows: FLOWS.length, kills: runtime.kills, sent, seconds: (Date.now() - started) / 1000 },
      run,
      poison,
      redrive,
      stock,
    );
    const problems = [
      ...run.duplicates.map((p) => `duplicate: ${p}`),
      ...run.lost.map((p) => `lost: ${p}`),
      ...run.wrong.map((p) => `wrong: ${p}`),
      ...poison.problems,
      ...stock.problems,
      ...[...redriven.duplicates, ...redriven.lost, ...redriven.wrong].map((p) => `after the redrive: ${p}`),
      ...leftOver.map((l) => `left in ${l.queue.split('/').at(-1)} after the redrive: ${l.detailType} ${l.key} (${l.errorName})`),
      ...pollErrors.slice(0, 3).map((e) => `observer: ${e.message}`),
    ];
    const crashRepeats = [...run.crashRepeats, ...poison.crashRepeats, ...redriven.crashRepeats.map((p) => `after the redrive: ${p}`)];
    if (options.strict) problems.push(...crashRepeats.map((p) => `crash repeat: ${p}`));
    if (problems.length > 0 || crashRepeats.length > 0) {
      log(`the runtime's output: ${runtime.saveOutputs().join(' ')}`);
      // The items named, and the message ids a repeated dead letter names ("one message, <id>").
      const named = [...problems, ...crashRepeats].flatMap((p) => [
        ...items.filter((item) => p.includes(item.id)).map((item) => item.id),
        ...[...p.matchAll(/one message, ([\w-]+)/g)].map((m) => m[1] ?? ''),
      ]);
      const keys = [...new Set(named.filter((key) => key !== ''))];
      log(`what it said of ${keys.join(', ') || 'no item'}:\n${runtime.linesAbout(keys).join('\n')}`);
      // An invocation cut off (timed out, its host gone) prints no line naming its records: its own lines say so.
      log(`invocations cut off:\n${runtime.linesAbout(['Task timed out', 'Sandbox.', 'Runtime.ExitError']).join('\n') || '(none)'}`);
    }
    return { line, ok: problems.length === 0, run, poison, stock, problems, crashRepeats };

    /** Waits until `remaining()` is 0 and the app is quiet twice in a row, or the budget runs out. */
    async function settle(what: string, remaining: () => number): Promise<void> {
      const deadline = Date.now() + budgetMs;
      let quietTimes = 0;
      let last = '';
      while (Date.now() < deadline) {
        await Promise.all(approvals);
        const left = remaining();
        const { quiet, busy } = left === 0 ? await inventory.quiet() : { quiet: false, busy: [] };
        quietTimes = quiet ? quietTimes + 1 : 0;
        if (quietTimes >= 2) return;
        const status = `${what}: ${left} items not finished; busy ${busy.join(' ') || '-'}`;
        if (status !== last) log(status);
        last = status;
        await sleep(2_000);
      }
      log(`${what}: gave up after ${budgetMs / 1000}s (${last})`);
    }
  } finally {
    polling = false;
    await Promise.allSettled(background);
    await runtime.stop();
  }
}
