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
import { isReplayPolicy, REPLAY_POLICIES, type ReplayPolicy, replayLabel, replayNameFor } from '../../contracts/replay-policy.js';
import { GLOBAL_HELP, integerOption, parseCommand } from '../args.js';
import { type CloudAssembly, defaultCdkOut, readAssembly, referencedId, resourcesOfType } from '../assembly.js';
import { type Clients, call } from '../aws.js';
import { CliError, usageError } from '../errors.js';
import { table, time, truncate } from '../format.js';
import { functionLogGroups, type ReplayReport, replayReports } from '../replay-reports.js';
import { timeOption } from '../times.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard replay --from <time> [--to <time>] [--detail-type <T>] [--policy reprocess|skip|dry-run] [--archive <name>] [--wait]

Replays the events an archive of the app's bus received between --from and --to
(StartReplay: the archive's bus is both source and destination), and with --wait follows
it with DescribeReplay until it ends.

  --from <time>          30m, 2h, 7d (ago), an ISO-8601 time, or now
  --to <time>            the same (default now)
  --detail-type <T>      deliver only to the rules whose pattern names this detail-type
                         (Destination.FilterArns); every rule of the bus otherwise
  --policy <policy>      what consumers do with the replayed events (default reprocess):
                           reprocess  run the handler as for a live event (idempotency still
                                      keeps an effect already done from being repeated)
                           skip       acknowledge without running, logging that they skipped
                           dry-run    validate and log what would run, without running it;
                                      implies --wait, then prints what the consumers reported
                         The policy travels in the replay name (${REPLAY_POLICIES.map((p) => `${p}--<time>`).join(', ')});
                         a replay named otherwise (from the console) is reprocess.
  --archive <name>       the archive (needed when the bus has several)
  --wait                 follow the replay to its end
  --settle <ms>          dry-run: how long consumers' reports must stay unchanged before
                         they are printed (default 3,000; at most 60,000 waited in all)

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

  let reports: ReplayReport[] | undefined;
  if (policy !== 'reprocess') {
    progress(`waiting for the consumers' reports (until unchanged for ${settleMs} ms)...`);
    reports = await replayReports(clients, await functionLogGroups(clients, assembly), replayName, {
      startTime: now - 1000,
      quietMs: settleMs,
      maxWaitMs: 60_000,
    });
  }
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
          reports: reports?.map((r) => ({ ...r, timestamp: r.timestamp.toISOString() })),
        },
        null,
        2,
      ),
    );
    return;
  }
  if (reports === undefined) return;
  if (reports.length === 0) {
    io.out(`no consumer reported on ${replayName}: no replayed event reached a consumer of the kit`);
    return;
  }
  io.out(reportTable(reports));
};

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

/** What each consumer reported of a dry-run or skip replay, one row per replayed event and consumer. */
function reportTable(reports: readonly ReplayReport[]): string {
  return table(
    ['FUNCTION', 'OUTCOME', 'EVENT', 'KEY', 'WOULD RUN'],
    reports.map((r) => [
      r.function,
      r.outcome === 'skipped' ? 'skipped' : r.valid === false ? 'invalid' : 'would run',
      `${r.detailType ?? '?'} ${r.eventId ?? ''}`.trim(),
      r.idempotencyKey ?? '-',
      r.outcome === 'skipped'
        ? '-'
        : truncate(
            r.valid === false ? `nothing (${JSON.stringify(r.problems)}); ${JSON.stringify(r.wouldRun)}` : JSON.stringify(r.wouldRun),
            160,
          ),
    ]),
  );
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
