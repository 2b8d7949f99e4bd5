import { DescribeExecutionCommand, RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import type { Message } from '@aws-sdk/client-sqs';
import { NoSuchName } from '../../clients/assembly/app-names.js';
import {
  destinationOf,
  type MessageOutcome,
  outcomeCounts,
  outcomeLine,
  type RedriveDestination,
  redriveMessages,
  redriveSummary,
} from '../../clients/message-redrive.js';
import { type RedrivenState, redrivenCopies, redrivenFailure, redrivenSummary } from '../../clients/redriven-messages.js';
import { resourceName } from '../../clients/resource-names.js';
import { type FailureSources, failureSources, knownSources, selectSources } from '../../inspect/app-failures.js';
import { contractsInAssembly } from '../../inspect/assembly-contracts.js';
import { type Clients, call, errorCode } from '../../inspect/aws.js';
import { queueDepth } from '../../inspect/dead-letter-messages.js';
import { type DeadLetterQueue, type DeployedQueue, queueDefinition, resolveQueues } from '../../inspect/dead-letters.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { executionNamesAbout } from '../../inspect/execution-names.js';
import { failedExecutions } from '../../inspect/failed-executions.js';
import type { Flow } from '../../inspect/flows.js';
import { GLOBAL_HELP, integerOption, jsonOption, parseCommand } from '../args.js';
import { followRedriven, readApiRedrivenReads, runMoveTask, sqsRedriveQueue, withDetail } from '../message-redrive.js';
import type { Command, CommandIo } from './command.js';
import { loadExecution, NoExecutionNamed } from './execution.js';

export const HELP = `Usage: switchyard redrive [<source>] [--ids <id,...>] [--detail <JSON|@file>] [--include-invalid] [--yes]
                         [--wait <seconds>] [--no-wait]

Sends what failed back to be processed again, once the cause is fixed. <source> is a
dead-letter queue or a flow as switchyard failures lists them, or one execution (name or
ARN); without it, everything failures lists, with --yes.

  dead-letter queue   each message is received, sent back with its attributes to the queue
                      it came from (a rule target's DLQ: the rule's target queue) and deleted
                      only once the send succeeded. A message whose event broke its contract
                      (InvalidEvent) stays: sent back unchanged it would fail again at once.
                      Fix the event and send it again with switchyard send.
                      Against the local runtime, each message moved is then followed to
                      its consumer's outcome (its read API): handled, failed again (exit 1,
                      with the consumer's error), or waiting in a queue no consumer reads
                      or whose consumer is paused (exit 1 too: nothing handles them)
  --wait <seconds>    how long to follow them at most (default 30); those still waiting
                      then are named, and the command exits 0
  --no-wait           say only what moved: do not follow the messages to their consumers
  --detail <JSON>     with --ids naming one message: its event goes back with this detail
                      instead of its own (JSON or @file), checked against the event's contract
                      first: the fix of an event that broke its contract
  --include-invalid   move those too (the contract was what was wrong, and the consumer now
                      accepts them); a queue's DLQ is then moved whole by a message move task
                      (StartMessageMoveTask) followed with ListMessageMoveTasks to the end
  --ids <id,...>      only these messages (ids as failures lists them)
  flow                RedriveExecution for each of its failed, timed-out or aborted
                      executions that can be redriven (Standard, within 14 days)
  execution           RedriveExecution of that execution
  --yes               needed to redrive everything (no <source>)
  --interval <ms>     how often a move task is looked at (default 1,000)

${GLOBAL_HELP}`;

export const redrive: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, {
    ids: { type: 'string' },
    yes: { type: 'boolean' },
    interval: { type: 'string' },
    'include-invalid': { type: 'boolean' },
    detail: { type: 'string' },
    wait: { type: 'string' },
    'no-wait': { type: 'boolean' },
  });
  if (values.help) return io.out(HELP);
  if (positionals.length > 1) throw usageError(`one source at a time (got ${positionals.map((p) => `"${p}"`).join(', ')})`);
  const [selector] = positionals;
  const { ids, detail } = messagesNamed(values, selector, io.stdin);
  const intervalMs = integerOption('interval', values.interval, 1000, 50, 60_000);
  if (values['no-wait'] && values.wait !== undefined) throw usageError('--wait and --no-wait: give one');
  const waitMs = values['no-wait'] ? 0 : integerOption('wait', values.wait, 30, 1, 3600) * 1000;
  const clients = io.clients(values);
  const sources = await failureSources(clients, values['cdk-out'], io.err);
  const report: Record<string, unknown>[] = [];
  const progress = (line: string) => (values.json ? io.err(line) : io.out(line));

  let queues: DeadLetterQueue[];
  let flows: Flow[];
  let executionArn: string | undefined;
  if (selector === undefined) {
    if (!values.yes)
      throw usageError(`name what to redrive (${knownSources(sources)}), or pass --yes to redrive everything switchyard failures lists`);
    ({ queues, flows } = selectSources(sources, undefined));
  } else {
    const named = trySelect(sources, selector);
    if (named !== undefined) ({ queues, flows } = named);
    else {
      executionArn = await findExecution(clients, sources.flows, selector, values['cdk-out']);
      if (executionArn === undefined) {
        throw usageError(`no dead-letter queue, flow or execution "${selector}" (${knownSources(sources)}; or an execution name or ARN)`);
      }
      queues = [];
      flows = [];
    }
  }
  if (ids !== undefined && (queues.length !== 1 || flows.length > 0))
    throw usageError(`--ids names messages of one dead-letter queue; "${selector}" is not one`);

  // Redriving everything goes on past a source that cannot be redriven, and fails at the end naming each.
  const everything = selector === undefined;
  const refused: string[] = [];
  const attempt = async (run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      if (!everything || !(error instanceof CliError)) throw error;
      refused.push(error.message);
      io.err(error.message);
    }
  };
  for (const dlq of queues)
    await attempt(
      async () =>
        void report.push(
          await redriveQueue(clients, sources, dlq, {
            ids,
            detail,
            includeInvalid: values['include-invalid'] === true,
            intervalMs,
            waitMs,
            progress,
            io,
          }),
        ),
    );
  for (const flow of flows) {
    if (everything && flow.type === 'EXPRESS') continue;
    await attempt(async () => void report.push(...(await redriveFlow(clients, flow, progress))));
  }
  if (executionArn !== undefined) report.push(await redriveExecution(clients, executionArn, progress));
  if (values.json) io.out(JSON.stringify(report, null, 2));
  if (refused.length > 0) throw new CliError(`${refused.length} source${refused.length === 1 ? '' : 's'} not redriven (see above)`);
};

/** The messages --ids names, and the detail --detail gives the one it names; usage errors for what does not fit. */
function messagesNamed(values: { ids?: string; detail?: string }, selector: string | undefined, stdin: () => string) {
  const ids =
    values.ids === undefined
      ? undefined
      : values.ids
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id !== '');
  if (ids !== undefined && ids.length === 0) throw usageError('--ids must list message ids, separated by commas');
  if (ids !== undefined && selector === undefined)
    throw usageError('--ids needs the dead-letter queue the messages are in: switchyard redrive <queue> --ids <id,...>');
  if (values.detail !== undefined && ids?.length !== 1)
    throw usageError('--detail replaces the detail of one message: name it with --ids <id> (switchyard failures lists the ids)');
  const detail = values.detail === undefined ? undefined : { value: jsonOption('detail', values.detail, stdin) };
  return { ids, detail };
}

function trySelect(sources: FailureSources, selector: string) {
  try {
    return selectSources(sources, selector);
  } catch (error) {
    // Only a name that names no source may be an execution's; one that names several is the user's to pick.
    if (error instanceof NoSuchName) return undefined;
    throw error;
  }
}

async function redriveQueue(
  clients: Clients,
  sources: FailureSources,
  dlq: DeadLetterQueue,
  options: {
    ids?: readonly string[];
    detail?: { value: unknown };
    includeInvalid: boolean;
    intervalMs: number;
    /** How long to follow the messages moved to their consumers' outcome; 0: not at all. */
    waitMs: number;
    progress: (line: string) => void;
    io: CommandIo;
  },
): Promise<Record<string, unknown>> {
  const depth = await queueDepth(clients, dlq.url);
  const arn = depth.arn ?? dlq.arn;
  const queue = { ...dlq, arn };
  if (depth.visible === 0 && options.ids === undefined) {
    options.progress(`${dlq.name}: nothing to redrive`);
    return { source: dlq.name, moved: 0 };
  }
  const { sourceQueues, targetQueues, unsupported } = await destinations(clients, sources, dlq);
  const single =
    sourceQueues.length === 1 ? sourceQueues[0] : targetQueues.length === 1 && sourceQueues.length === 0 ? targetQueues[0] : undefined;
  const known = [...sourceQueues, ...targetQueues].map(asDestination);
  const one = single === undefined ? undefined : asDestination(single);

  // A move task moves every message: only a redrive that takes the invalid ones too may use it.
  if (options.ids !== undefined || sourceQueues.length === 0 || !options.includeInvalid) {
    if (single === undefined && sourceQueues.length === 0) {
      throw new CliError(
        `${dlq.name} cannot be redriven from here: ${unsupported.join('; ') || 'the template names no queue it is fed from'}`,
      );
    }
    // A message given its fixed detail no longer breaks its contract: it goes back with that detail.
    const detail = options.detail;
    const contracts = detail === undefined ? [] : contractsInAssembly(sources.assembly);
    const outcome = await redriveMessages(sqsRedriveQueue(clients, queue), {
      destinationFor: (message) => destinationOf(message, known, one),
      ids: options.ids,
      leaveInvalid: !options.includeInvalid && detail === undefined,
      rewrite: detail === undefined ? undefined : (message: Message) => withDetail(message, detail.value, contracts),
      onOutcome: (o) => (o.kind === 'moved' ? options.progress(outcomeLine(o, dlq.name)) : options.io.err(outcomeLine(o, dlq.name))),
    });
    const { moved, leftInvalid, failed } = outcomeCounts(outcome.outcomes);
    if (outcome.missing.length > 0) {
      throw new CliError(`${moved} moved; not in ${dlq.name} (or in flight): ${outcome.missing.join(', ')}`);
    }
    options.progress(`${dlq.name}: ${redriveSummary(outcome.outcomes)}`);
    const followed = await followMoved(clients, dlq.name, outcome.outcomes, options);
    const left = outcome.outcomes.flatMap((o) => (o.kind === 'left-invalid' ? [o.messageId] : []));
    if (failed > 0) throw new CliError(`${dlq.name}: ${failed} message${failed === 1 ? '' : 's'} not moved (see above)`);
    if (leftInvalid > 0) {
      // Named by --ids, a message left is a request not done; in a whole queue, the others moved.
      if (options.ids !== undefined) throw new CliError(leftInvalidAdvice(dlq.name, left));
      options.io.err(leftInvalidAdvice(dlq.name, left));
    }
    if (followed.failure !== undefined) throw new CliError(followed.failure);
    return {
      source: dlq.name,
      moved,
      messages: outcome.outcomes.flatMap((o) => {
        if (o.kind !== 'moved') return [];
        const { kind: _kind, ...moved } = o;
        const then = o.newMessageId === undefined ? undefined : followed.states.get(o.newMessageId);
        return [{ ...moved, ...(then === undefined ? {} : { then }) }];
      }),
      leftInvalid: left,
    };
  }
  // Several source queues: SQS sends each message back where it came from (DeadLetterQueueSourceArn).
  const destination = sourceQueues.length === 1 ? sourceQueues[0] : undefined;
  options.progress(
    `${dlq.name}: moving ${depth.visible} message${depth.visible === 1 ? '' : 's'} to ${destination?.queueName ?? 'their source queues'}`,
  );
  const result = await runMoveTask(clients, queue, destination, { intervalMs: options.intervalMs, progress: options.progress });
  return { source: dlq.name, ...result, destination: destination?.queueName };
}

/**
 * Follows the messages a redrive moved to their consumers' outcome (clients/redriven-messages.ts,
 * as the console does) through the local runtime's read API, saying where they are; the error
 * to end with when a consumer failed one again. AWS has no such read: there, the command says
 * where to look instead.
 */
async function followMoved(
  clients: Clients,
  queue: string,
  outcomes: readonly MessageOutcome[],
  options: { waitMs: number; progress: (line: string) => void; io: CommandIo },
): Promise<{ states: ReadonlyMap<string, RedrivenState>; failure?: string }> {
  const copies = redrivenCopies(outcomes);
  if (copies.length === 0 || options.waitMs === 0) return { states: new Map() };
  if (clients.target.kind !== 'local') {
    options.io.err(
      `${queue}: not followed to their consumers (only the local runtime says where a message is): switchyard failures lists those that fail again`,
    );
    return { states: new Map() };
  }
  const { states, settled } = await followRedriven(readApiRedrivenReads(clients.target), copies, {
    waitMs: options.waitMs,
    intervalMs: FOLLOW_INTERVAL_MS,
  }).catch((error: unknown) => {
    // The move is done: what failed is knowing how it ended, which the command then cannot say was well.
    if (!(error instanceof CliError)) throw error;
    throw new CliError(
      `${queue}: ${copies.length} moved, but following them to their consumers failed: ${error.message} (--no-wait says only what moved)`,
      1,
      { cause: error },
    );
  });
  options.progress(`${queue}: then ${redrivenSummary(states)}`);
  const failures = [...states].flatMap(([id, state]) => {
    const reason = redrivenFailure(state);
    return reason === undefined
      ? []
      : [`${id} failed again${state.kind === 'failed-again' ? ` and is back in ${state.queue}` : ''}: ${reason}`];
  });
  const waiting = [...states].flatMap(([id, state]) => (state.kind === 'waiting' ? [id] : []));
  if (!settled && waiting.length > 0)
    options.io.err(
      `${queue}: no consumer received ${waiting.join(', ')} within ${options.waitMs / 1000} s: switchyard trace <id> follows ${waiting.length === 1 ? 'it' : 'them'}`,
    );
  if (failures.length > 0) {
    const n = failures.length;
    return { states, failure: `${queue}: ${n} redriven message${n === 1 ? '' : 's'} failed again: ${failures.join('; ')}` };
  }
  // Moved where nothing takes them is work not done: the console's line is red for it, and so is the exit code.
  const stuck = new Map([...states].filter(([, state]) => state.kind === 'no-consumer' || state.kind === 'paused'));
  if (stuck.size === 0) return { states };
  return { states, failure: `${queue}: not handled: ${redrivenSummary(stuck)} (switchyard resume, or redrive once a consumer reads it)` };
}

/** How often the read API is asked where the redriven messages are. */
const FOLLOW_INTERVAL_MS = 250;

/** What a redrive says of the messages it left because their events break their contracts, and what to do instead. */
function leftInvalidAdvice(queue: string, ids: readonly string[]): string {
  const one = ids.length === 1;
  return (
    `${queue}: left ${ids.length} message${one ? '' : 's'} whose event breaks its contract (InvalidEvent: ${ids.join(', ')}): ` +
    `a redrive sends ${one ? 'it' : 'them'} back unchanged, to be dead-lettered again at once. Redrive ${one ? 'it' : 'each'} with its ` +
    `detail fixed (--ids <id> --detail <JSON>; the MCP redrive tool's detail), or fix the event where it is produced and send it again ` +
    `with switchyard send; if the contract was what was wrong and the consumer now accepts ${one ? 'it' : 'them'}, redrive with --include-invalid`
  );
}

/** A queue as the shared redrive names it. */
function asDestination(queue: DeployedQueue): RedriveDestination {
  return { name: queue.queueName, url: queue.url, arn: queue.arn };
}

/** The queues a dead-letter queue's messages go back to: its source queues, or the queues its rule targets deliver to. */
async function destinations(clients: Clients, sources: FailureSources, dlq: DeadLetterQueue) {
  const unsupported: string[] = [];
  const sourceIds: string[] = [];
  const targetIds: string[] = [];
  for (const source of dlq.sources) {
    if (source.kind === 'queue') sourceIds.push(source.queueLogicalId);
    else if (
      source.kind === 'rule-target' &&
      source.targetType === 'AWS::SQS::Queue' &&
      source.targetLogicalId &&
      !source.transformsInput
    ) {
      targetIds.push(source.targetLogicalId);
    } else if (source.kind === 'rule-target') {
      unsupported.push(
        source.transformsInput
          ? `rule ${resourceName(source.ruleLogicalId)} transforms the event for its target, so the dead-lettered event is not what the target takes`
          : `rule ${resourceName(source.ruleLogicalId)} delivers to ${source.targetType ? `an ${source.targetType}` : 'a resource outside the template'}, not a queue`,
      );
    } else if (source.kind === 'subscriber') {
      unsupported.push(
        `Custom Event Bus subscriber ${source.subscriberName} writes dead-letter records that name the failed events, not the events (eb-custom-bus-retry): publish them again with switchyard send`,
      );
    } else
      unsupported.push(
        `function ${source.functionLogicalId}'s failed async invocations are not redriven (invoke it again with the message body)`,
      );
  }
  const resolve = async (logicalIds: string[]): Promise<DeployedQueue[]> => {
    const definitions = logicalIds.flatMap((id) => queueDefinition(sources.assembly, dlq.stackName, id) ?? []);
    const { found } = await resolveQueues(clients, definitions);
    return Promise.all(
      found.map(async (q) => ({ url: q.url, queueName: q.queueName, arn: (await queueDepth(clients, q.url)).arn ?? q.arn })),
    );
  };
  return { sourceQueues: await resolve(sourceIds), targetQueues: await resolve(targetIds), unsupported };
}

async function redriveFlow(clients: Clients, flow: Flow, progress: (line: string) => void): Promise<Record<string, unknown>[]> {
  if (flow.type === 'EXPRESS') {
    throw new CliError(`${flow.flow} is an Express flow: RedriveExecution takes Standard executions only (send the event again instead)`);
  }
  const { executions } = await failedExecutions(clients, [flow], { limit: 1000 });
  const redrivable = executions.filter((e) => e.redriveStatus === 'REDRIVABLE');
  for (const e of executions.filter((x) => x.redriveStatus !== 'REDRIVABLE')) {
    progress(`${e.name}: not redrivable (${e.redriveStatusReason ?? e.redriveStatus ?? 'unknown'})`);
  }
  if (redrivable.length === 0) progress(`${flow.flow}: no execution to redrive`);
  const report: Record<string, unknown>[] = [];
  for (const e of redrivable) report.push(await redriveExecution(clients, e.executionArn, progress));
  return report;
}

async function redriveExecution(
  clients: Clients,
  executionArn: string,
  progress: (line: string) => void,
): Promise<Record<string, unknown>> {
  const { redriveDate } = await call(clients.target, () => clients.sfn.send(new RedriveExecutionCommand({ executionArn })));
  const name = executionArn.split(':').at(-1);
  progress(`redriven ${name} at ${redriveDate?.toISOString() ?? '?'}: follow it with switchyard watch ${name}`);
  return { execution: name, executionArn, redriveDate: redriveDate?.toISOString() };
}

/** An execution by ARN, or by name in one of the app's Standard flows. */
async function findExecution(
  clients: Clients,
  flows: readonly Flow[],
  selector: string,
  cdkOut: string | undefined,
): Promise<string | undefined> {
  if (selector.startsWith('arn:')) {
    try {
      const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: selector }));
      return described.executionArn;
    } catch (error) {
      if (['ExecutionDoesNotExist', 'InvalidArn'].includes(errorCode(error) ?? '')) return undefined;
      return call(clients.target, () => Promise.reject(error));
    }
  }
  // By name or by what it is about, as switchyard execution finds it (RedriveExecution takes Standard executions only).
  const standard = flows.filter((f) => f.type === 'STANDARD');
  try {
    const found = await loadExecution(clients, standard, selector, () => executionNamesAbout(cdkOut, selector));
    return found.described.executionArn;
  } catch (error) {
    if (error instanceof NoExecutionNamed) return undefined;
    throw error;
  }
}
