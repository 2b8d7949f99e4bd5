import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../local/helpers.js';
import { type AppUnderTest, depth, putRawTicket, STARTER_DLQ, STARTER_QUEUE, startApp } from './app-fixture.js';
import { runCli } from './run-cli.js';

let app: AppUnderTest;

beforeAll(async () => {
  app = await startApp();
}, 180_000);

afterAll(async () => {
  await app?.runtime.stop();
});

const ticket = (ticketId: string) => ({ ticketId, customerId: 'C-1', subject: 'Charged twice', body: 'Please refund the second charge.' });
const CONSUMER = 'TicketTriageStarterQueue -> TicketTriageStarterHandler';

/** The flow's executions the CLI lists, by name. */
async function executions(): Promise<string[]> {
  const result = await runCli(['executions', '--flow', 'TicketTriage', '--limit', '1000', '--json', ...app.target]);
  return (JSON.parse(result.stdout) as { name: string }[]).map((e) => e.name);
}

describe('switchyard pause and resume', () => {
  it('fails if the target is not one of the app, listing what can be paused', async () => {
    const result = await runCli(['pause', 'TicketTriag', ...app.target]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^switchyard pause: no flow, function or queue "TicketTriag" in the app \(what can be paused: flows: TicketTriage, /,
    );
    expect(result.stderr).toContain('queues: TicketTriageStarterQueue, ');
  });

  it("pauses a flow's starter: events sent meanwhile wait in its queue, not received; switchyard flow shows it paused since then", async () => {
    const before = await executions();
    const paused = await runCli(['pause', 'TicketTriage', ...app.target], { process: true });
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain('Paused flow TicketTriage: its consumers take no messages; events wait in their queues');
    expect(paused.stdout).toMatch(new RegExp(`^${CONSUMER} +mapping +Disabl(ing|ed) +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`, 'm'));
    for (const id of ['PAUSE-1', 'PAUSE-2', 'PAUSE-3']) await putRawTicket(app, ticket(id));
    await eventually(async () => ((await depth(app, STARTER_QUEUE)).visible === 3 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await depth(app, STARTER_QUEUE)).toEqual({ visible: 3, inFlight: 0 });
    expect(await executions()).toEqual(before);

    const flow = await runCli(['flow', ...app.target]);
    expect(flow.code).toBe(0);
    expect(flow.stdout).toMatch(
      new RegExp(`^  ${CONSUMER} \\(mapping\\): paused since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ \\(Disabled\\)$`, 'm'),
    );
    const report = JSON.parse((await runCli(['flow', '--json', ...app.target])).stdout) as {
      paused: { consumer: string; state: string }[];
    };
    expect(report.paused).toEqual([expect.objectContaining({ consumer: CONSUMER, kind: 'mapping', state: 'Disabled' })]);
  });

  it('pauses twice as it pauses once, by any of its names', async () => {
    for (const name of ['TicketTriage', 'TicketTriageStarterHandler', 'TicketTriageStarterQueue']) {
      const again = await runCli(['pause', name, '--json', ...app.target]);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).consumers).toEqual([
        expect.objectContaining({ consumer: CONSUMER, kind: 'mapping', state: 'Disabled', changed: false, enabledInTemplate: true }),
      ]);
    }
    expect(await depth(app, STARTER_QUEUE)).toEqual({ visible: 3, inFlight: 0 });
  });

  it('resumes it: each waiting event starts its execution once, nothing dead-lettered, and flow no longer shows it paused', async () => {
    const before = await executions();
    const resumed = await runCli(['resume', 'TicketTriage', ...app.target]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Resumed flow TicketTriage: its consumers take messages again.');
    await eventually(async () => ((await executions()).length === before.length + 3 ? true : undefined), 60_000, 'three executions');
    await eventually(async () => ((await depth(app, STARTER_QUEUE)).inFlight === 0 ? true : undefined));
    expect(await depth(app, STARTER_QUEUE)).toEqual({ visible: 0, inFlight: 0 });
    expect(await depth(app, STARTER_DLQ)).toEqual({ visible: 0, inFlight: 0 });
    expect((await runCli(['flow', ...app.target])).stdout).not.toContain('Paused');
    const again = await runCli(['resume', 'TicketTriage', ...app.target]);
    expect(again.stdout).toContain('flow TicketTriage was running already: nothing changed.');
  });
});
