import { createHash } from 'node:crypto';
import { BatchWriteItemCommand, DescribeTableCommand, DynamoDBClient, paginateListTables, paginateScan } from '@aws-sdk/client-dynamodb';
import {
  type Archive,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  ListArchivesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type Rule,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { time } from '../../clients/format.js';
import { replayLabel, replayNameFor } from '../../contracts/replay-policy.js';
import { type Clients, call, clientConfig, pages } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { GLOBAL_HELP, integerOption, parseCommand } from '../args.js';
import { timeOption } from '../times.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard rebuild --table <name> --rule <name> --from <time> [--to <time>] [--settle <ms>]

Rebuilds a read model from the archive: empties the table, replays the archive's events
from --from to --to to ONE rule (StartReplay's Destination.FilterArns: the projector's;
no other consumer sees the replay), waits for the replay to complete and for the table to
stop changing, and prints how many items it holds. The replay is named reprocess--...,
so the projector folds the events as if they were live.

  --table <name>     the read-model table: its name, or a part of it that only it has
                     (PipelineReadModelTableName in the stack outputs; "ReadModel" locally)
  --rule <name>      the projector's rule: its name, or a part only it has
                     (PipelineProjectorRuleName; "Projector" locally)
  --from <time>      30m, 2h, 7d (ago), an ISO-8601 time: the start of the history
                     (the archive's retention at most)
  --to <time>        the same (default now)
  --settle <ms>      how long the table's item count must stay unchanged once the replay
                     completed (default 3,000; at most 120,000 waited in all)

${GLOBAL_HELP}`;

export const rebuild: Command = async (argv, io) => {
  const { values } = parseCommand(
    argv,
    { table: { type: 'string' }, rule: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, settle: { type: 'string' } },
    false,
  );
  if (values.help) return io.out(HELP);
  if (values.table === undefined) throw usageError('--table is required: the read-model table to rebuild');
  if (values.rule === undefined) throw usageError('--rule is required: the rule of the projector that folds the events');
  if (values.from === undefined) throw usageError('--from is required: the start of the history to replay (7d, or an ISO-8601 time)');
  const now = Date.now();
  const from = timeOption('from', values.from, now);
  const to = values.to === undefined ? new Date(now) : timeOption('to', values.to, now);
  if (from.getTime() >= to.getTime()) throw usageError(`--from (${time(from)}) must be before --to (${time(to)})`);
  const settleMs = integerOption('settle', values.settle, 3000, 0, 60_000);
  const clients = io.clients(values);
  const dynamodb = new DynamoDBClient(clientConfig(clients.target, 'dynamodb'));
  const progress = (line: string) => (values.json ? io.err(line) : io.out(line));

  const table = await findTable(clients, dynamodb, values.table);
  const { rule, archive } = await findRuleAndArchive(clients, values.rule);
  const deleted = await emptyTable(clients, dynamodb, table);
  progress(`emptied ${table}: ${deleted} items deleted`);

  const { ArchiveArn } = await call(clients.target, () =>
    clients.events.send(new DescribeArchiveCommand({ ArchiveName: archive.ArchiveName })),
  );
  const replayName = replayNameFor('reprocess', `rebuild-${replayLabel(new Date(now))}`);
  await call(clients.target, () =>
    clients.events.send(
      new StartReplayCommand({
        ReplayName: replayName,
        Description: `switchyard rebuild --table ${table} --rule ${rule.Name}`,
        EventSourceArn: ArchiveArn,
        EventStartTime: from,
        EventEndTime: to,
        Destination: { Arn: archive.EventSourceArn, FilterArns: [rule.Arn as string] },
      }),
    ),
  );
  progress(`replay ${replayName}: events of ${archive.ArchiveName} from ${time(from)} to ${time(to)} to ${rule.Name} alone`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const replay = await call(clients.target, () => clients.events.send(new DescribeReplayCommand({ ReplayName: replayName })));
    if (replay.State === 'COMPLETED') break;
    if (replay.State === 'FAILED' || replay.State === 'CANCELLED') {
      throw new CliError(`replay ${replayName} ${replay.State}: ${replay.StateReason ?? 'no reason given'}`);
    }
    if (Date.now() > deadline)
      throw new CliError(`replay ${replayName} still ${replay.State} after 2 minutes; follow it with switchyard replay`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const queues = await ruleQueues(clients, rule);
  progress(
    `replay completed; waiting for ${queues.length > 0 ? `${queues.map((q) => q.split('/').at(-1)).join(', ')} to drain and ` : ''}${table} to settle (unchanged for ${settleMs} ms)...`,
  );
  await drained(clients, queues, deadline);
  const items = await settled(clients, dynamodb, table, settleMs, deadline);
  if (values.json) io.out(JSON.stringify({ table, rule: rule.Name, replayName, deleted, items }, null, 2));
  else io.out(`rebuilt ${table}: ${items} items`);
};

/** The URLs of the SQS queues the rule delivers to (a projector behind a queue); other targets are not waited for. */
async function ruleQueues(clients: Clients, rule: Rule): Promise<string[]> {
  const { Targets = [] } = await call(clients.target, () =>
    clients.events.send(new ListTargetsByRuleCommand({ Rule: rule.Name, EventBusName: rule.EventBusName })),
  );
  const urls: string[] = [];
  for (const target of Targets.filter((t) => t.Arn?.startsWith('arn:aws:sqs:'))) {
    const [, , , , account, name] = (target.Arn as string).split(':');
    const { QueueUrl } = await call(clients.target, () =>
      clients.sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })),
    );
    if (QueueUrl) urls.push(QueueUrl);
  }
  return urls;
}

/** Waits until no message is waiting, in flight or delayed in any of the queues (the approximate counts, twice in a row). */
async function drained(clients: Clients, queues: readonly string[], deadline: number): Promise<void> {
  let emptyReads = 0;
  while (queues.length > 0 && emptyReads < 2) {
    let total = 0;
    for (const QueueUrl of queues) {
      const { Attributes = {} } = await call(clients.target, () =>
        clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        ),
      );
      total += Object.values(Attributes).reduce((sum, n) => sum + Number(n), 0);
    }
    emptyReads = total === 0 ? emptyReads + 1 : 0;
    if (Date.now() > deadline) throw new CliError(`the projector's queue still holds ${total} messages after 2 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The one table whose name is `name` or contains it. */
async function findTable(clients: Clients, dynamodb: DynamoDBClient, name: string): Promise<string> {
  const names: string[] = [];
  for await (const page of pages(clients.target, paginateListTables({ client: dynamodb }, {}))) names.push(...(page.TableNames ?? []));
  return pickOne('--table', 'table', name, names);
}

/** The one rule whose name is `name` or contains it, on a bus that has an archive, and that archive. */
async function findRuleAndArchive(clients: Clients, name: string): Promise<{ rule: Rule; archive: Archive }> {
  const { Archives = [] } = await call(clients.target, () => clients.events.send(new ListArchivesCommand({})));
  const candidates: { rule: Rule; archive: Archive }[] = [];
  for (const archive of Archives.filter((a) => a.State !== 'DISABLED')) {
    const busName = archive.EventSourceArn?.split('/').at(-1);
    let NextToken: string | undefined;
    do {
      const page = await call(clients.target, () => clients.events.send(new ListRulesCommand({ EventBusName: busName, NextToken })));
      for (const rule of page.Rules ?? []) candidates.push({ rule, archive });
      NextToken = page.NextToken;
    } while (NextToken);
  }
  if (candidates.length === 0) throw new CliError('no archived bus with rules in the target: nothing to replay from');
  const picked = pickOne('--rule', 'rule on an archived bus', name, [...new Set(candidates.map((c) => c.rule.Name as string))]);
  const matches = candidates.filter((c) => c.rule.Name === picked);
  if (matches.length > 1) throw usageError(`--rule: ${picked}'s bus has ${matches.length} archives; the rebuild needs exactly one`);
  return matches[0] as { rule: Rule; archive: Archive };
}

function pickOne(option: string, what: string, name: string, names: readonly string[]): string {
  if (names.includes(name)) return name;
  const matching = names.filter((n) => n.includes(name));
  if (matching.length === 1) return matching[0] as string;
  if (matching.length === 0) throw usageError(`${option}: no ${what} is named "${name}" or has it in its name`);
  throw usageError(`${option}: "${name}" names ${matching.length} of them (${matching.join(', ')}): give more of the name`);
}

/** Deletes every item (Scan, then BatchWriteItem 25 at a time, unprocessed ones sent again). */
async function emptyTable(clients: Clients, dynamodb: DynamoDBClient, table: string): Promise<number> {
  const { Table } = await call(clients.target, () => dynamodb.send(new DescribeTableCommand({ TableName: table })));
  const keyNames = (Table?.KeySchema ?? []).map((k) => k.AttributeName as string);
  let deleted = 0;
  const paginator = paginateScan(
    { client: dynamodb },
    {
      TableName: table,
      ProjectionExpression: keyNames.map((_, i) => `#k${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(keyNames.map((k, i) => [`#k${i}`, k])),
    },
  );
  for await (const page of pages(clients.target, paginator)) {
    const keys = page.Items ?? [];
    for (let i = 0; i < keys.length; i += 25) {
      let requests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt === 5) throw new CliError(`${table}: ${requests.length} deletes still unprocessed after 5 attempts`);
        const sent = requests;
        const result = await call(clients.target, () => dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: sent } })));
        requests = (result.UnprocessedItems?.[table] ?? []) as typeof requests;
        if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
    deleted += keys.length;
  }
  return deleted;
}

/**
 * Waits until the table's content stays the same for `quietMs` (the projector is done with
 * the replayed events in its queue) and answers its item count. Reads the whole table each
 * time: a read model meant to be rebuilt this way is small enough to read.
 */
async function settled(clients: Clients, dynamodb: DynamoDBClient, table: string, quietMs: number, deadline: number): Promise<number> {
  let last = '';
  let since = Date.now();
  for (;;) {
    const hash = createHash('sha256');
    let count = 0;
    for await (const page of pages(clients.target, paginateScan({ client: dynamodb }, { TableName: table, ConsistentRead: true }))) {
      for (const item of page.Items ?? []) hash.update(JSON.stringify(item));
      count += page.Count ?? 0;
    }
    const fingerprint = `${count}:${hash.digest('hex')}`;
    if (fingerprint !== last) {
      last = fingerprint;
      since = Date.now();
    } else if (Date.now() - since >= quietMs || Date.now() > deadline) {
      return count;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
