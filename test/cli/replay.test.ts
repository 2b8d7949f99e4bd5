import { DeleteItemCommand, DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { executionNameFor, replayPolicyOf, TicketCreated } from '../../domain/index.js';
import { eventually } from '../local/helpers.js';
import { useApp } from './app-fixture.js';
import { runCli } from './run-cli.js';

const app = useApp(async ({ target }) => {
  for (const ticketId of ['RP-1', 'RP-2']) {
    const sent = await runCli(['send', 'TicketCreated', '--detail', JSON.stringify(ticket(ticketId)), ...target]);
    expect(sent.code, sent.stderr).toBe(0);
  }
  await starterClaimsComplete(2);
  // RP-1 stays applied; RP-2's claim goes, as a claim does when it expires (24 hours): a replay would run it again.
  await forgetStarterClaim('RP-2');
});

const ticket = (ticketId: string) => ({
  ticketId,
  customerId: 'C-1',
  subject: 'Charged twice',
  body: 'My card was charged twice, please refund one.',
});

/**
 * Deletes the triage starter's idempotency claim of a ticket, once it is complete: the item
 * whose stored result names the ticket's execution.
 */
async function forgetStarterClaim(ticketId: string): Promise<void> {
  const dynamodb = new DynamoDBClient(app.config);
  const execution = executionNameFor(TicketCreated, `TicketCreated#ticketId=${JSON.stringify(ticketId)}`);
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const TableName = TableNames.find((name) => /Idempotency/.test(name));
  const claim = await eventually(
    async () => {
      const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName }));
      return Items.find((item) => item.status?.S === 'COMPLETED' && JSON.stringify(item.data ?? {}).includes(execution));
    },
    60_000,
    `the completed claim of ${ticketId}`,
  );
  await dynamodb.send(new DeleteItemCommand({ TableName, Key: { id: claim.id as { S: string } } }));
}

/** Until the starter's claims of the tickets sent are all complete (an Express starter completes one when its execution ends). */
async function starterClaimsComplete(count: number): Promise<void> {
  const dynamodb = new DynamoDBClient(app.config);
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const TableName = TableNames.find((name) => /Idempotency/.test(name));
  await eventually(
    async () => {
      const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName }));
      const done = Items.filter((item) => item.id?.S?.includes('TicketTriageStarter') && item.status?.S === 'COMPLETED');
      return done.length >= count ? true : undefined;
    },
    60_000,
    `${count} completed claims of the triage starter`,
  );
}

/** How many executions of the triage flow (Express, started by the starter) its log group records. */
async function triageExecutions(): Promise<number> {
  const result = await runCli(['executions', '--flow', 'TicketTriage', '--json', ...app.target]);
  return (JSON.parse(result.stdout) as unknown[]).length;
}

interface ReplayAnswer {
  replayName: string;
  state: string;
  policy: string;
  rules?: string[];
  summary: { reached: number; wouldRun: number; wouldSkipAsApplied: number; skipped: number; reprocessed: Record<string, number> };
  reports: {
    function: string;
    outcome: string;
    detailType?: string;
    idempotencyKey?: string;
    valid?: boolean;
    claim?: string;
    result?: string;
    wouldRun?: Record<string, unknown>;
  }[];
}

async function replayJson(...args: string[]): Promise<ReplayAnswer> {
  const result = await runCli(['replay', '--json', '--interval', '100', ...args, ...app.target]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ReplayAnswer;
}

describe('switchyard replay', () => {
  it('dry-run: delivers only to the rules of the detail-type, and prints what the consumers would run, starting nothing', async () => {
    const before = await triageExecutions();
    const answer = await replayJson('--from', '10m', '--policy', 'dry-run', '--detail-type', 'TicketCreated', '--settle', '2000');
    expect(answer.replayName).toMatch(/^dry-run--\d{8}T\d{9}Z$/);
    expect(replayPolicyOf(answer.replayName)).toBe('dry-run');
    expect(answer).toMatchObject({ state: 'COMPLETED', policy: 'dry-run', rules: [expect.stringContaining('TicketTriageStarterRule')] });
    // RP-1 was applied: its claim is there, and a replay would skip it. RP-2's is gone: it would run.
    const byKey = Object.fromEntries(answer.reports.map((r) => [r.idempotencyKey, r]));
    expect(answer.reports).toHaveLength(2);
    expect(byKey['TicketCreated#ticketId="RP-1"']).toMatchObject({
      function: 'TicketTriageStarterHandler',
      outcome: 'dry-run',
      detailType: 'TicketCreated',
      valid: true,
      claim: 'applied',
    });
    expect(byKey['TicketCreated#ticketId="RP-2"']).toMatchObject({
      function: 'TicketTriageStarterHandler',
      valid: true,
      claim: 'none',
      wouldRun: { startExecution: expect.objectContaining({ workflowType: 'EXPRESS', name: expect.any(String) }) },
    });
    expect(answer.summary).toMatchObject({ reached: 2, wouldRun: 1, wouldSkipAsApplied: 1 });
    expect(await triageExecutions()).toBe(before);

    const text = await runCli(
      ['replay', '--from', '10m', '--policy', 'dry-run', '--detail-type', 'TicketCreated', '--settle', '2000', ...app.target],
      { process: true },
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^replay dry-run--\S+ STARTING: events of \S+ from .* onto Switchyard-hub for \S*TicketTriageStarterRule\S*\n/,
    );
    expect(text.stdout).toMatch(/^FUNCTION\s+OUTCOME\s+EVENT\s+KEY\s+WOULD RUN$/m);
    expect(text.stdout).toMatch(
      /^TicketTriageStarterHandler\s+would skip: already applied\s+TicketCreated \S+\s+TicketCreated#ticketId="RP-1"\s+nothing$/m,
    );
    expect(text.stdout).toMatch(
      /^TicketTriageStarterHandler\s+would run\s+TicketCreated \S+\s+TicketCreated#ticketId="RP-2"\s+startExecution: stateMachineArn=TicketTriage\S*, workflowType=EXPRESS, name=\S+$/m,
    );
    expect(text.stdout).toMatch(/^2 replayed events reached the consumers: 1 would run, 1 would be skipped as already applied$/m);
  });

  it('skip: every consumer acknowledges the replayed events without running, and says so', async () => {
    const answer = await replayJson('--from', '10m', '--policy', 'skip', '--wait', '--settle', '2000');
    expect(answer).toMatchObject({ state: 'COMPLETED', policy: 'skip' });
    expect(answer.rules).toBeUndefined();
    const outcomes = new Set(answer.reports?.map((r) => `${r.function} ${r.detailType} ${r.outcome}`));
    expect(outcomes).toEqual(
      new Set(['TicketTriageStarterHandler TicketCreated skipped', 'TicketRoutingAssignHandler TicketRouted skipped']),
    );
    expect(answer.summary.skipped).toBe(answer.summary.reached);
  });

  it('reprocess --wait says what became of the replayed events: how many reached the consumers, ran and were skipped as applied', async () => {
    const followed = await runCli(
      ['replay', '--from', '10m', '--to', 'now', '--wait', '--interval', '100', '--settle', '2000', ...app.target],
      {
        process: true,
      },
    );
    expect(followed.code, followed.stderr).toBe(0);
    // RP-2's claim was gone, so its triage runs again (and claims it); RP-1's was applied already. (The
    // routing consumer claims nothing, its conditional write being its guard: its handler runs.)
    expect(followed.stdout).toMatch(/^COMPLETED/m);
    expect(followed.stdout).toMatch(/^\d+ replayed events reached the consumers: \d+ ran, 1 skipped as already applied$/m);
    expect(followed.stdout).toMatch(/^ {2}TicketTriageStarterHandler: 2 replayed events: 1 ran, 1 skipped as already applied$/m);
  });

  it('reprocess is the default; without --wait the replay is started and named, not followed', async () => {
    const started = await replayJson('--from', '10m');
    expect(started).toMatchObject({ policy: 'reprocess', state: 'STARTING' });
    expect(started.replayName).toMatch(/^reprocess--/);
  });
});

describe('switchyard replay (bad input)', () => {
  const cases: [string, string[], RegExp][] = [
    [
      '--policy is not a policy',
      ['--from', '1h', '--policy', 'nonsense'],
      /--policy must be one of reprocess, skip, dry-run \(got "nonsense"\)/,
    ],
    ['--from is missing', [], /--from is required/],
    ['--from is not a time', ['--from', 'last tuesday'], /--from must be a duration ago such as 30m, 2h or 7d/],
    ['--from is after --to', ['--from', '1h', '--to', '2h'], /--from \(.*\) must be before --to/],
    ['--to is in the future', ['--from', '1h', '--to', '2999-01-01'], /--to \(.*\) is in the future/],
    [
      'no rule takes the --detail-type',
      ['--from', '1h', '--detail-type', 'TicketDeleted'],
      /--detail-type: no rule of Switchyard-hub listens for "TicketDeleted" \(its rules listen for /,
    ],
    ['the --archive does not exist', ['--from', '1h', '--archive', 'nope'], /--archive: no archive "nope" in the target/],
  ];
  for (const [what, args, message] of cases) {
    it(`fails if ${what}`, async () => {
      const result = await runCli(['replay', ...args, ...app.target]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    });
  }
});
