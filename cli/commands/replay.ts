import {
  type Archive,
  DescribeArchiveCommand,
  type DescribeArchiveCommandOutput,
  DescribeEventBusCommand,
  DescribeReplayCommand,
  type DescribeReplayCommandOutput,
  ListArchivesCommand,
  ListRulesCommand,
  type Rule,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { table, time, truncate } from '../../clients/format.js';
import { resourceNameOfDeployed } from '../../clients/resource-names.js';
import { isReplayPolicy, REPLAY_POLICIES, type ReplayPolicy, replayLabel, replayNameFor } from '../../contracts/replay-policy.js';
import { type CloudAssembly, defaultCdkOut, readAssembly, referencedId, resourcesOfType } from '../../inspect/assembly.js';
import { type Clients, call } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { GLOBAL_HELP, integerOption, parseCommand } from '../args.js';
import { functionLogGroups, lastReports, type ReplayReport, type ReplaySummary, replayReports, summarize } from '../replay-reports.js';
import { timeOption } from '../times.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard replay --from <time> [--to <time>] [--detail-type <T>] [--policy reprocess|skip|dry-run] [--archive <name>] [--wait]

Replays the events an archive of the app's bus received between --from and --to
(StartReplay: the archive's bus is both source and destination), and with --wait follows
it with DescribeReplay until it ends, then says what became of the replayed events: how
many reached the app's consumers (those built with the kit, which log each one), and how
many ran, were skipped as already applied (their idempotency claim was there) or failed.

  --from <time>          30m, 2h, 7d (ago), an ISO-8601 time, or now
  --to <time>            the same (default now)
  --detail-type <T>      deliver only to the rules whose pattern names this detail-type
                         (Destination.FilterArns); every rule of the bus otherwise
  --policy <policy>      what consumers do with the replayed events (default reprocess):
                           reprocess  run the handler as for a live event (idempotency still
                                      keeps an effect already done from being repeated)
                           skip       acknowledge without running, logging that they skipped
                           dry-run    validate, read the idempotency claim (never write it) and
                                      log whether the handler would run or skip the event as
                                      already applied, without running it; implies --wait,
                                      then prints what the consumers reported
                         The policy travels in the replay name (${REPLAY_POLICIES.map((p) => `${p}--<time>`).join(', ')});
                         a replay named otherwise (from the console) is reprocess.
  --archive <name>       the archive (needed when the bus has several)
  --wait                 follow the replay to its end
  --settle <ms>          how long consumers' reports must stay unchanged before they are
                         counted (default 3,000; at most 60,000 waited in all)

${GLOBAL_HELP}`;

const TERMINAL = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

export const replay: Command = async (argv, io) => {
  const { values } = parseCommand(
    argv,
    {
      from: { type: 'string' },
      to: { type: 'string' },
      'detail-type': { type: 'string' },
      policy: { type: 'string' },
      archive: { type: 'string' },
      wait: { type: 'boolean' },
      settle: { type: 'string' },
      interval: { type: 'string' },
    },
    false,
  );
  if (values.help) return io.out(HELP);
  const now = Date.now();
  const { from, to, policy, settleMs, intervalMs } = replayOptions(values, now);
  const clients = io.clients(values);
  const assembly = readAssembly(defaultCdkOut(values['cdk-out']));

  const { archive, busName, rules, replayName, started } = await startReplay(clients, assembly, {
    archiveName: values.archive,
    detailType: values['detail-type'],
    policy,
    from,
    to,
    now,
  });
  const progress = (line: string) => (values.json ? io.err(line) : io.out(line));
  progress(
    `replay ${replayName} ${started.State ?? 'STARTING'}: events of ${archive.ArchiveName} from ${time(from)} to ${time(to)} onto ${busName}` +
      (rules ? ` for ${rules.map((r) => r.Name).join(', ')}` : ', every rule'),
  );
  if (!values.wait && policy !== 'dry-run') {
    if (values.json) io.out(JSON.stringify({ replayName, replayArn: started.ReplayArn, state: started.State, policy }, null, 2));
    else io.out(`follow it with switchyard replay ... --wait, or aws events describe-replay --replay-name ${replayName}`);
    return;
  }
  const ended = await follow(clients, replayName, intervalMs, progress);
  if (ended.State !== 'COMPLETED') throw new CliError(`replay ${replayName} ${ended.State}: ${ended.StateReason ?? 'no reason given'}`);

  // The events reach the consumers through their queues after DescribeReplay says COMPLETED.
  progress(`waiting for the consumers' reports (until unchanged for ${settleMs} ms)...`);
  const reports = await replayReports(clients, await functionLogGroups(clients, assembly), replayName, {
    startTime: now - 1000,
    quietMs: settleMs,
    maxWaitMs: 60_000,
  });
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          replayName,
          replayArn: ended.ReplayArn,
          state: ended.State,
          policy,
          eventStartTime: from.toISOString(),
          eventEndTime: to.toISOString(),
          rules: rules?.map((r) => r.Name),
          summary: summarize(reports),
          reports: reports.map((r) => ({ ...r, timestamp: r.timestamp.toISOString() })),
        },
        null,
        2,
      ),
    );
    return;
  }
  if (reports.length === 0) {
    io.out(`no consumer reported on ${replayName}: no replayed event reached a consumer of the kit`);
    return;
  }
  if (policy === 'dry-run') io.out(dryRunTable(lastReports(reports)));
  io.out(summaryLines(policy, reports).join('\n'));
};

/** What became of the replayed events, in words: all of them, then each consumer's when there are several. */
export function summaryLines(policy: ReplayPolicy, reports: readonly ReplayReport[]): string[] {
  const line = (summary: ReplaySummary) => {
    const parts = (
      policy === 'dry-run'
        ? [
            [summary.wouldRun, 'would run'],
            [summary.wouldSkipAsApplied, 'would be skipped as already applied'],
            [summary.inProgress, 'in progress elsewhere'],
            [summary.invalid, 'invalid (would be dead-lettered)'],
          ]
        : policy === 'skip'
          ? [[summary.skipped, 'acknowledged without running (policy skip)']]
          : [
              [summary.reprocessed.ran, 'ran'],
              [summary.reprocessed.duplicate, 'skipped as already applied'],
              [summary.reprocessed.superseded, 'superseded by a later event of their key'],
              [summary.reprocessed['held-back'], 'held back (they come back)'],
              [
                summary.reprocessed.failed,
                'failed (retried until they run or are dead-lettered: switchyard failures lists those dead-lettered)',
              ],
            ]
    ) as [number, string][];
    const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
    return `${summary.reached} replayed event${summary.reached === 1 ? '' : 's'}: ${said.join(', ') || 'none reported an outcome'}`;
  };
  const functions = [...new Set(reports.map((r) => r.function))];
  const lines = [`${line(summarize(reports)).replace(':', ' reached the consumers:')}`];
  if (functions.length > 1) lines.push(...functions.map((fn) => `  ${fn}: ${line(summarize(reports.filter((r) => r.function === fn)))}`));
  return lines;
}

/** The options that say what to replay and how, checked before anything is asked of the target. */
function replayOptions(
  values: { from?: string; to?: string; policy?: string; settle?: string; interval?: string },
  now: number,
): { from: Date; to: Date; policy: ReplayPolicy; settleMs: number; intervalMs: number } {
  if (values.from === undefined)
    throw usageError('--from is required: the start of the events to replay (30m, 2h, 7d ago, or an ISO-8601 time)');
  const from = timeOption('from', values.from, now);
  const to = values.to === undefined ? new Date(now) : timeOption('to', values.to, now);
  if (from.getTime() >= to.getTime()) throw usageError(`--from (${time(from)}) must be before --to (${time(to)})`);
  if (to.getTime() > now + 1000) throw usageError(`--to (${time(to)}) is in the future: an archive holds only events already received`);
  const policy = values.policy ?? 'reprocess';
  if (!isReplayPolicy(policy)) throw usageError(`--policy must be one of ${REPLAY_POLICIES.join(', ')} (got "${values.policy}")`);
  const settleMs = integerOption('settle', values.settle, 3000, 0, 60_000);
  const intervalMs = integerOption('interval', values.interval, 1000, 50, 60_000);
  return { from, to, policy, settleMs, intervalMs };
}

/**
 * What each consumer reported of a dry run, one row per replayed event and consumer, grouped
 * by consumer and in the order each consumer took the events.
 */
export function dryRunTable(reports: readonly ReplayReport[]): string {
  const ordered = [...reports].sort((a, b) => a.function.localeCompare(b.function) || a.timestamp.getTime() - b.timestamp.getTime());
  return table(
    ['FUNCTION', 'OUTCOME', 'EVENT', 'KEY', 'WOULD RUN'],
    ordered.map((r) => [
      r.function,
      dryRunOutcome(r),
      `${r.detailType ?? '?'} ${r.eventId ?? ''}`.trim(),
      r.idempotencyKey ?? '-',
      r.valid === false
        ? truncate(`nothing: dead-lettered as ${deadLetterOf(r.wouldRun)}: ${problemsOf(r.problems)}`, 160)
        : r.claim === 'applied' || r.claim === 'in-progress'
          ? 'nothing'
          : truncate(described(r.wouldRun), 160),
    ]),
  );
}

/**
 * What a consumer said it would run (the kit's `{handle: <detail-type>}`, or a consumer's own
 * `describeDryRun`: `{startExecution: {stateMachineArn, name}}`), in words: each action with its
 * fields as `name=value`, an ARN by the name of the resource it names.
 */
function described(wouldRun: unknown): string {
  if (wouldRun === undefined || wouldRun === null) return '-';
  if (typeof wouldRun !== 'object') return valueText(wouldRun);
  const actions = Object.entries(wouldRun as Record<string, unknown>).map(([action, what]) => {
    if (what === null || typeof what !== 'object' || Array.isArray(what)) return `${action} ${valueText(what)}`;
    const fields = Object.entries(what as Record<string, unknown>).map(([name, value]) => `${name}=${valueText(value)}`);
    return `${action}: ${fields.join(', ')}`;
  });
  return actions.join('; ');
}

function valueText(value: unknown): string {
  if (typeof value === 'string') {
    // arn:aws:states:us-east-1:1:stateMachine:App-FulfilmentStateMachineE22F1BA6 -> FulfilmentStateMachine
    return value.startsWith('arn:') ? resourceNameOfDeployed(value.split(/[:/]/).at(-1) ?? value) : value;
  }
  if (Array.isArray(value)) return value.map(valueText).join(' ');
  return JSON.stringify(value) ?? String(value);
}

/** The error an invalid event is dead-lettered with (the kit's `{deadLetter: <error name>}`). */
function deadLetterOf(wouldRun: unknown): string {
  const name = (wouldRun as { deadLetter?: unknown } | undefined)?.deadLetter;
  return typeof name === 'string' ? name : described(wouldRun);
}

/** An invalid event's problems (the contract's, one string each) as one line. */
function problemsOf(problems: unknown): string {
  return Array.isArray(problems) ? problems.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('; ') : valueText(problems);
}

/** A dry run's answer for one event: whether its handler would run, judged by its contract and its idempotency claim. */
function dryRunOutcome(r: ReplayReport): string {
  if (r.valid === false) return 'invalid';
  if (r.claim === 'applied') return 'would skip: already applied';
  if (r.claim === 'in-progress') return 'would wait: in progress';
  if (r.claim === 'unknown') return 'would run (claim unread)';
  return 'would run';
}

/** StartReplay from the app's archive onto its own bus, to every rule or those `detailType` names. */
async function startReplay(
  clients: Clients,
  assembly: CloudAssembly,
  request: { archiveName?: string; detailType?: string; policy: ReplayPolicy; from: Date; to: Date; now: number },
) {
  const { detailType, policy, from, to } = request;
  const archive = await findArchive(clients, assembly, request.archiveName);
  const busArn = archive.EventSourceArn as string;
  const busName = busArn.split('/').at(-1) ?? busArn;
  const rules = detailType === undefined ? undefined : await rulesFor(clients, busName, detailType);
  const replayName = replayNameFor(policy, replayLabel(new Date(request.now)));
  const started = await call(clients.target, () =>
    clients.events.send(
      new StartReplayCommand({
        ReplayName: replayName,
        Description: `switchyard replay --policy ${policy}${detailType ? ` --detail-type ${detailType}` : ''}`,
        EventSourceArn: archive.ArchiveArn,
        EventStartTime: from,
        EventEndTime: to,
        Destination: { Arn: busArn, FilterArns: rules?.map((r) => r.Arn as string) },
      }),
    ),
  );
  return { archive, busName, rules, replayName, started };
}

async function follow(
  clients: Clients,
  replayName: string,
  intervalMs: number,
  progress: (line: string) => void,
): Promise<DescribeReplayCommandOutput> {
  let last = '';
  for (;;) {
    const replay = await call(clients.target, () => clients.events.send(new DescribeReplayCommand({ ReplayName: replayName })));
    const line = `${replay.State}${replay.EventLastReplayedTime ? `: replayed up to ${time(replay.EventLastReplayedTime)}` : ''}`;
    if (line !== last) progress(line);
    last = line;
    if (TERMINAL.has(replay.State ?? '')) return replay;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The archive to replay: `--archive`, else the only archive of the app's archived bus. */
async function findArchive(clients: Clients, assembly: CloudAssembly, name: string | undefined): Promise<DescribeArchiveCommandOutput> {
  const describe = (archiveName: string | undefined) =>
    call(clients.target, () => clients.events.send(new DescribeArchiveCommand({ ArchiveName: archiveName })));
  if (name !== undefined) {
    return describe(name).catch((error: CliError) => {
      throw /ResourceNotFound/.test(error.message) ? usageError(`--archive: no archive "${name}" in the target`) : error;
    });
  }
  const buses = resourcesOfType(assembly, 'AWS::Events::EventBus');
  const archived = resourcesOfType(assembly, 'AWS::Events::Archive').flatMap((a) => {
    const bus = buses.find((b) => b.stackName === a.stackName && b.logicalId === referencedId(a.properties.SourceArn));
    return bus !== undefined && typeof bus.properties.Name === 'string' ? [bus.properties.Name] : [];
  });
  if (archived.length === 0)
    throw new CliError(
      'the app has no archive (AWS::Events::Archive on a named bus): nothing to replay from; pass --archive <name> for one outside the template',
    );
  const archives: Archive[] = [];
  for (const busName of new Set(archived)) {
    const bus = await call(clients.target, () => clients.events.send(new DescribeEventBusCommand({ Name: busName })));
    const page = await call(clients.target, () => clients.events.send(new ListArchivesCommand({ EventSourceArn: bus.Arn })));
    archives.push(...(page.Archives ?? []).filter((a) => a.State !== 'DISABLED'));
  }
  if (archives.length === 0) throw new CliError(`no enabled archive of ${[...new Set(archived)].join(', ')} in the target`);
  if (archives.length > 1) throw usageError(`--archive is needed: the app has ${archives.map((a) => a.ArchiveName).join(', ')}`);
  return describe(archives[0]?.ArchiveName);
}

/**
 * The rules of the bus whose event pattern names `detailType` in its `detail-type`: the
 * FilterArns that deliver replayed events only to them. A rule without a `detail-type`
 * condition takes every type, so it is left out; a usage error when no rule names it.
 */
async function rulesFor(clients: Clients, busName: string, detailType: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let NextToken: string | undefined;
  do {
    const page = await call(clients.target, () => clients.events.send(new ListRulesCommand({ EventBusName: busName, NextToken })));
    rules.push(...(page.Rules ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  const types = (rule: Rule): string[] => {
    try {
      const pattern = JSON.parse(rule.EventPattern ?? '{}') as Record<string, unknown>;
      const listed = pattern['detail-type'];
      return Array.isArray(listed) ? listed.filter((t): t is string => typeof t === 'string') : [];
    } catch {
      return [];
    }
  };
  const matching = rules.filter((r) => r.ManagedBy === undefined && types(r).includes(detailType));
  if (matching.length === 0) {
    const known = [...new Set(rules.flatMap(types))].join(', ') || 'none';
    throw usageError(`--detail-type: no rule of ${busName} listens for "${detailType}" (its rules listen for ${known})`);
  }
  return matching;
}
