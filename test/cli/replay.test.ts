import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayPolicyOf } from '../../domain/index.js';
import { eventually } from '../local/helpers.js';
import { type AppUnderTest, startApp } from './app-fixture.js';
import { runCli } from './run-cli.js';

let app: AppUnderTest;

beforeAll(async () => {
  app = await startApp();
  const sent = await runCli(['send', 'TicketCreated', '--detail', JSON.stringify(ticket('RP-1')), ...app.target]);
  expect(sent.code, sent.stderr).toBe(0);
  await eventually(async () => ((await triageExecutions()) > 0 ? true : undefined), 60_000, 'the triage of RP-1');
}, 180_000);
afterAll(async () => {
  await app?.runtime.stop();
});

const ticket = (ticketId: string) => ({
  ticketId,
  customerId: 'C-1',
  subject: 'Charged twice',
  body: 'My card was charged twice, please refund one.',
});

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
  reports?: { function: string; outcome: string; detailType?: string; valid?: boolean; wouldRun?: Record<string, unknown> }[];
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
    expect(answer.reports).toEqual([
      expect.objectContaining({
        function: 'TicketTriageStarterHandler',
        outcome: 'dry-run',
        detailType: 'TicketCreated',
        valid: true,
        wouldRun: { startExecution: expect.objectContaining({ workflowType: 'EXPRESS', name: expect.any(String) }) },
      }),
    ]);
    expect(await triageExecutions()).toBe(before);

    const text = await runCli(
      ['replay', '--from', '10m', '--policy', 'dry-run', '--detail-type', 'TicketCreated', '--settle', '2000', ...app.target],
      { process: true },
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^replay dry-run--\S+ STARTING: events of \S+ from .* onto Switchyard-hub for \S*TicketTriageStarterRule\S*\n/,
    );
    expect(text.stdout).toMatch(
      /FUNCTION\s+OUTCOME\s+EVENT\s+KEY\s+WOULD RUN\nTicketTriageStarterHandler\s+would run\s+TicketCreated \S+\s+TicketCreated#ticketId="RP-1"\s+\{"startExecution"/,
    );
  });

  it('skip: every consumer acknowledges the replayed events without running, and says so', async () => {
    const answer = await replayJson('--from', '10m', '--policy', 'skip', '--wait', '--settle', '2000');
    expect(answer).toMatchObject({ state: 'COMPLETED', policy: 'skip' });
    expect(answer.rules).toBeUndefined();
    const outcomes = new Set(answer.reports?.map((r) => `${r.function} ${r.detailType} ${r.outcome}`));
    expect(outcomes).toEqual(
      new Set(['TicketTriageStarterHandler TicketCreated skipped', 'TicketRoutingAssignHandler TicketRouted skipped']),
    );
  });

  it('reprocess is the default; without --wait the replay is started and named, not followed', async () => {
    const started = await replayJson('--from', '10m');
    expect(started).toMatchObject({ policy: 'reprocess', state: 'STARTING' });
    expect(started.replayName).toMatch(/^reprocess--/);
    const followed = await replayJson('--from', '10m', '--to', 'now', '--wait');
    expect(followed).toMatchObject({ policy: 'reprocess', state: 'COMPLETED' });
    expect(followed.reports).toBeUndefined();
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
