import {
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandOutput,
  type HistoryEvent,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { executionEndStatus, START_AND_END_PATTERN } from '../../clients/execution-statuses.js';
import { duration, truncate } from '../../clients/format.js';
import { causeMessage } from '../../clients/history-reader.js';
import { appFlows } from '../../inspect/app-flows.js';
import { type Clients, call, errorCode } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { executionNamesAbout } from '../../inspect/execution-names.js';
import { executionPattern, expressExecutions, expressLogging, readRecords } from '../../inspect/express.js';
import { type Flow, selectFlows } from '../../inspect/flows.js';
import { GLOBAL_HELP, integerOption, parseCommand } from '../args.js';
import { executionFailure, type StateVisit, stateVisits } from '../state-visits.js';
import type { Command } from './command.js';
import { loadExecution } from './execution.js';

export const HELP = `Usage: switchyard watch [<name|arn>] [--flow <name>] [--interval <ms>]

Follows one execution live: each state as it is entered and left, with its duration,
every failed try of a task and its retry, and an error a Catch took. Ends when the
execution does: exit status 0 if it SUCCEEDED, 1 otherwise (FAILED, TIMED_OUT, ABORTED).
Standard flows are read with GetExecutionHistory, Express flows from their log group
(FilterLogEvents since the last event seen).

  <name|arn>          the execution (default: the app's most recently started running execution)
  --flow <name>       the flow to look the name up in, or to pick the running execution from
  --interval <ms>     how often to poll (default 1,000)

${GLOBAL_HELP}`;

export const watch: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, { flow: { type: 'string' }, interval: { type: 'string' } });
  if (values.help) return io.out(HELP);
  if (positionals.length > 1) throw usageError('watch takes at most one <name|arn>');
  const interval = integerOption('interval', values.interval, 1000, 50, 60_000);
  const clients = io.clients(values);
  const flows = selectFlows(await appFlows(clients, values['cdk-out'], io.err), values.flow);
  const wanted = positionals[0] === undefined ? await latestRunning(clients, flows) : String(positionals[0]);
  const { described, events, flow } = await loadExecution(clients, flows, wanted, () => executionNamesAbout(values['cdk-out'], wanted));
  const executionArn = described.executionArn as string;
  io.out(`watching ${described.name} (flow ${flow?.flow ?? described.stateMachineArn?.split(':').pop()})`);

  const poll = flow?.type === 'EXPRESS' ? await expressPoller(clients, flow, executionArn) : standardPoller(clients, executionArn);
  const printer = new TransitionPrinter(io.out);
  const seen = new Set<number>();
  const all: HistoryEvent[] = [];
  const add = (batch: readonly HistoryEvent[]) => {
    for (const event of batch) {
      if (event.id === undefined || seen.has(event.id)) continue;
      seen.add(event.id);
      all.push(event);
    }
    all.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    printer.show(all);
  };
  add(events);
  for (;;) {
    const end = all.find((e) => executionEndStatus(e.type) !== undefined);
    const status = executionEndStatus(end?.type);
    if (end !== undefined && status !== undefined) {
      const started = all.find((e) => e.type === 'ExecutionStarted')?.timestamp ?? described.startDate;
      const took = started && end.timestamp ? ` after ${duration(end.timestamp.getTime() - started.getTime())}` : '';
      io.out(`${status}${took}`);
      if (status === 'SUCCEEDED') return;
      const failure = executionFailure(all);
      throw new CliError(
        `${described.name} ended ${status}${failure?.error ? `: ${failure.error}` : ''}${failure?.cause ? ` (${truncate(causeMessage(failure.cause), 300)})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
    add(await poll());
  }
};

/** Prints what is new in the states since the last call: entries, failed tries, exits. */
class TransitionPrinter {
  readonly #printed: { entered: boolean; attempts: number; exited: boolean }[] = [];

  constructor(private readonly out: (line: string) => void) {}

  show(events: readonly HistoryEvent[]): void {
    stateVisits(events).forEach((visit, i) => {
      const printed = this.#printed[i] ?? { entered: false, attempts: 0, exited: false };
      this.#printed[i] = printed;
      if (!printed.entered) {
        this.out(`${clock(visit.enteredAt)}  -> ${visit.name}  [${visit.type}]`);
        printed.entered = true;
      }
      for (; printed.attempts < visit.attempts.length; printed.attempts++) {
        const attempt = visit.attempts[printed.attempts];
        if (attempt === undefined || attempt.outcome === 'running') break;
        if (attempt.outcome === 'succeeded') continue;
        const retried = printed.attempts < visit.attempts.length - 1 || visit.status === 'running';
        const why = attempt.error ? `: ${attempt.error}${attempt.cause ? ` (${truncate(causeMessage(attempt.cause), 120)})` : ''}` : '';
        this.out(`              ${visit.name} try ${printed.attempts + 1} ${attempt.outcome}${why}${retried ? ', retrying' : ''}`);
      }
      if (!printed.exited && visit.status !== 'running') {
        this.out(`${clock(visit.exitedAt)}  <- ${visit.name}  ${outcome(visit)}  ${duration(visit.durationMs ?? Number.NaN)}`);
        printed.exited = true;
      }
    });
  }
}

function outcome(visit: StateVisit): string {
  if (visit.caught) return `caught ${visit.caught.error ?? 'error'}${visit.caught.next ? ` -> ${visit.caught.next}` : ''}`;
  return visit.status;
}

/** HH:MM:SS.mmm in UTC. */
function clock(date: Date | undefined): string {
  return date === undefined ? '            ' : date.toISOString().slice(11, 23);
}

/**
 * GetExecutionHistory from where the last poll ended: the token of the last page read is
 * asked again (its events already seen are skipped), as AWS gives no token past the end.
 */
function standardPoller(clients: Clients, executionArn: string): () => Promise<HistoryEvent[]> {
  let resume: string | undefined;
  return async () => {
    const events: HistoryEvent[] = [];
    let token = resume;
    for (;;) {
      let page: GetExecutionHistoryCommandOutput;
      try {
        page = await clients.sfn.send(
          new GetExecutionHistoryCommand({ executionArn, nextToken: token, maxResults: 1000, includeExecutionData: true }),
        );
      } catch (error) {
        // An expired token: read the history again from the start (seen events are skipped).
        if (token !== undefined && errorCode(error) === 'InvalidToken') {
          token = undefined;
          continue;
        }
        return call(clients.target, () => Promise.reject(error));
      }
      events.push(...(page.events ?? []));
      if (!page.nextToken) break;
      token = page.nextToken;
    }
    resume = token;
    return events;
  };
}

/** FilterLogEvents for the execution's records from the time of the last one seen. */
async function expressPoller(clients: Clients, flow: Flow, executionArn: string): Promise<() => Promise<HistoryEvent[]>> {
  const logging = await expressLogging(clients, flow);
  if (logging === undefined) throw new CliError(`${flow.flow} has no logging: its executions cannot be watched`);
  let since: number | undefined;
  return async () => {
    const records = await readRecords(clients, logging.logGroup, { filterPattern: executionPattern(executionArn), startTime: since });
    for (const r of records) since = Math.max(since ?? 0, r.event.timestamp?.getTime() ?? 0);
    return records.filter((r) => r.executionArn === executionArn).map((r) => r.event);
  };
}

/** The ARN of the app's most recently started execution that is still running. */
async function latestRunning(clients: Clients, flows: readonly Flow[]): Promise<string> {
  const running: { arn: string; start: number }[] = [];
  for (const flow of flows) {
    if (flow.type === 'EXPRESS') {
      const logging = await expressLogging(clients, flow);
      if (logging === undefined) continue;
      const records = await readRecords(clients, logging.logGroup, { filterPattern: START_AND_END_PATTERN });
      for (const e of expressExecutions(records)) {
        if (e.status === 'RUNNING') running.push({ arn: e.executionArn, start: e.startDate?.getTime() ?? 0 });
      }
      continue;
    }
    const page = await call(clients.target, () =>
      clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: flow.arn, statusFilter: 'RUNNING', maxResults: 1 })),
    );
    for (const e of page.executions ?? []) if (e.executionArn) running.push({ arn: e.executionArn, start: e.startDate?.getTime() ?? 0 });
  }
  running.sort((a, b) => b.start - a.start);
  const latest = running[0];
  if (latest === undefined) throw new CliError(`no running execution in ${flows.map((f) => f.flow).join(', ') || 'the app'}: name one`);
  return latest.arn;
}
