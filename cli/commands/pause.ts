import { table, time } from '../../clients/format.js';
import { defaultCdkOut, readAssembly } from '../../inspect/assembly.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { type PauseOutcome, type PauseReport, pauseOrResume, pauseReportJson, settle } from '../../inspect/pauses.js';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import type { Command } from './command.js';

const TARGETS = `<target> is one of the app's flows (a state machine as switchyard executions and failures
name it, a durable function, or a flow of keyed flow control as switchyard flow names it), a
function, or a queue, by any name the commands and tools show it by: the name the commands
list, its logical id, the name its template sets, its deployed name or ARN (a queue's URL),
its construct path, or a construct's name for what is inside it (its flow first). What it
pauses, its consumers:

  flow      the SQS event source mappings of the functions that start it (a Workflow's or
            DurableFlow's starter), and the Scheduler schedules and scheduled rules that
            start it directly
  function  its SQS event source mappings, and the schedules and scheduled rules that
            invoke it directly
  queue     the SQS event source mappings that read it`;

export const PAUSE_HELP = `Usage: switchyard pause <target> [--wait] [--json]

Stops a flow's consumers taking messages, in AWS and locally alike, through the services'
own APIs: each SQS event source mapping is disabled (UpdateEventSourceMapping with Enabled
false: Lambda stops polling, the batches in flight end, then it is Disabled), each schedule
disabled (UpdateSchedule with State DISABLED, the rest of the schedule as it is) and each
scheduled rule disabled (DisableRule). Events keep arriving and wait in their queues; none is
received while paused, so none is dead-lettered by the pause (its receive count does not grow).
A schedule's or scheduled rule's firings while disabled do not happen (they have no queue).
Pausing what is paused changes nothing. switchyard flow shows what is paused since when;
switchyard resume <target> undoes it.

${TARGETS}

A mapping, schedule or rule the template itself disables is left alone, by resume too.

  --wait              answer once each mapping has stopped (Disabled: its batches in flight
                      ended), at most 60 s

${GLOBAL_HELP}

Exit status: 0 paused (or paused already), 1 the target failed or nothing of it is deployed,
2 bad input (a target the app does not have: the error lists what can be paused).`;

export const RESUME_HELP = `Usage: switchyard resume <target> [--wait] [--json]

Undoes switchyard pause: each consumer of <target> takes messages again (UpdateEventSourceMapping
with Enabled true: Enabling, then Enabled; UpdateSchedule with State ENABLED; EnableRule). What
waited in the queues is handled, each message once, from its first receive. Resuming what runs
changes nothing.

${TARGETS}

A mapping, schedule or rule the template itself disables is left alone.

  --wait              answer once each mapping polls again (Enabled), at most 60 s

${GLOBAL_HELP}

Exit status: 0 resumed (or running already), 1 the target failed or nothing of it is deployed,
2 bad input (a target the app does not have: the error lists what can be paused).`;

export const pause: Command = (argv, io) => run(argv, io, true);
export const resume: Command = (argv, io) => run(argv, io, false);

const run = async (argv: readonly string[], io: Parameters<Command>[1], stop: boolean): Promise<void> => {
  const { values, positionals } = parseCommand(argv, { wait: { type: 'boolean' } });
  const command = stop ? 'pause' : 'resume';
  if (values.help) return io.out(stop ? PAUSE_HELP : RESUME_HELP);
  const [name, ...extra] = positionals;
  if (name === undefined) throw usageError(`name what to ${command}: switchyard ${command} <flow|function|queue>`);
  if (extra.length > 0) throw usageError(`one target at a time (got ${positionals.map((p) => `"${p}"`).join(', ')})`);
  const assembly = readAssembly(defaultCdkOut(values['cdk-out']));
  const clients = io.clients(values);
  const changed = await pauseOrResume(clients, assembly, name, stop);
  const report = values.wait ? { ...changed, consumers: await settle(clients, changed.consumers, stop, untilSettled) } : changed;
  for (const label of report.missing) io.err(`(${label} is not deployed in the target)`);
  if (values.json) return io.out(JSON.stringify(pauseReportJson(report), null, 2));
  for (const line of renderReport(report, name)) io.out(line);
};

/** How long --wait waits for a mapping to settle: Lambda takes seconds to end the batches in flight. */
const SETTLE_TIMEOUT_MS = 60_000;
const SETTLE_INTERVAL_MS = 200;

async function untilSettled<T>(check: () => Promise<T | undefined>, what: string, seen: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new CliError(`waited ${SETTLE_TIMEOUT_MS / 1000} s for ${what}; it is ${await seen()}`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_INTERVAL_MS));
  }
}

export function renderReport(report: PauseReport, name: string): string[] {
  const changed = report.consumers.filter((c) => c.changed);
  const what = report.targets.map((t) => `${t.kind} ${t.name}`).join(' and ');
  const headline =
    report.action === 'pause'
      ? changed.length > 0
        ? `Paused ${what}: its consumers take no messages; events wait in their queues (switchyard resume ${name} undoes it).`
        : `${what} was paused already: nothing changed.`
      : changed.length > 0
        ? `Resumed ${what}: its consumers take messages again.`
        : `${what} was running already: nothing changed.`;
  const rows = report.consumers.map((c) => [c.consumer.label, c.consumer.kind, describeState(c), time(c.since)]);
  return [headline, '', ...table(['CONSUMER', 'KIND', 'STATE', 'SINCE'], rows).split('\n')];
}

function describeState(outcome: PauseOutcome): string {
  if (!outcome.consumer.enabledInTemplate) return `${outcome.state} (the template disables it: left alone)`;
  return outcome.changed ? outcome.state : `${outcome.state} (unchanged)`;
}
