import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import type { Lineage } from '../../clients/read-api-contract.js';
import { TicketCreated } from '../../domain/index.js';
import { toHub } from '../helpers/hub.js';
import { eventually, region } from '../local/helpers.js';
import { useApp } from './app-fixture.js';
import { runCli } from './run-cli.js';

const app = useApp(async ({ runtime, config }) => {
  await new EventBridgeClient(config).send(
    toHub(TicketCreated, {
      ticketId: 'TR-1',
      customerId: 'C-1',
      subject: 'Charged twice this month',
      body: 'My card was charged twice, please refund one.',
    }),
  );
  // Traced once the routing consumer has run for it.
  await eventually(
    async () => {
      const lineage = await runtime.readApi.lineage('TR-1');
      const text = JSON.stringify(lineage);
      return text.includes('TicketRouted') && (text.match(/"status":"succeeded"/g)?.length ?? 0) >= 3 ? lineage : undefined;
    },
    30_000,
    'the lineage of TR-1',
  );
});

describe('switchyard trace', () => {
  it('draws the lineage of a ticket as a tree, with times, statuses and log lines', async () => {
    const { code, stdout, stderr } = await runCli(['trace', 'TR-1', ...app.target], { process: true });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}event: TicketCreated from switchyard\.helpdesk on Switchyard-hub {2}\[accepted\]/);
    expect(stdout).toMatch(
      /[├└]─ \d\d:\d\d:\d\d\.\d{3} {2}rule: Switchyard-TicketTriageStarterRule\S* -> Switchyard-TicketTriageStarterQueue\S* \(delivered\) {2}\[delivered\]/,
    );
    expect(stdout).toMatch(/message: message to Switchyard-TicketTriageStarterQueue\S* {2}\[sent\]/);
    expect(stdout).toMatch(/invocation: Switchyard-TicketTriageStarterHandler\S* invocation \S+ {2}\[succeeded\]/);
    expect(stdout).toMatch(/execution: Switchyard-TicketTriageStateMachine\S* execution TicketCreated-\S+ {2}\[SUCCEEDED\]/);
    expect(stdout).toMatch(/event: TicketRouted from switchyard\.triage/);
    // An invocation's log lines sit under it.
    expect(stdout).toMatch(/┊ START RequestId: \S+\n.*┊ INFO workflow started/);
    expect(stdout).toMatch(/┊ REPORT RequestId: \S+ Duration: /);
    // Deeper nodes are indented further than the root.
    const execution = lines.find((line) => line.includes('execution: Switchyard-TicketTriageStateMachine')) ?? '';
    expect(execution.indexOf('execution:')).toBeGreaterThan(lines[0]?.indexOf('event:') ?? 0);
    // TicketRouted leaves through triage's outbox pipe, which carries no trace header of the
    // execution that wrote it: it sits under the TicketCreated its detail names as its cause.
    const routed = lines.find((line) => line.includes('event: TicketRouted')) ?? '';
    expect(routed.indexOf('event:')).toBeGreaterThan(lines[0]?.indexOf('event:') ?? 0);
  });

  it('answers --json with the read API tree, cut by --depth', async () => {
    const { code, stdout } = await runCli(['trace', 'TR-1', '--json', '--depth', '2', ...app.target]);
    expect(code).toBe(0);
    const lineage = JSON.parse(stdout) as Lineage;
    expect(lineage.roots[0]?.kind).toBe('event');
    expect(lineage.roots[0]?.children.every((child) => child.children.length === 0)).toBe(true);
  });

  it('traces an event by its id', async () => {
    const lineage = await app.runtime.readApi.lineage('TR-1');
    const eventId = lineage.roots[0]?.id ?? '';
    const { code, stdout } = await runCli(['trace', eventId, ...app.target]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toContain('event: TicketCreated');
  });

  it('fails if nothing has the id, with one line and exit 1', async () => {
    const { code, stdout, stderr } = await runCli(['trace', 'NO-SUCH-TICKET', ...app.target]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('switchyard trace: nothing to trace for "NO-SUCH-TICKET"');
  });

  it('fails if the input is bad, with exit 2', async () => {
    for (const args of [
      ['trace'],
      ['trace', 'a', 'b'],
      ['trace', 'TR-1', '--depth', '0'],
      ['trace', 'TR-1', '--depth', 'deep'],
      ['trace', 'TR-1', '--colour'],
    ]) {
      const { code, stderr } = await runCli([...args, ...app.target]);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('fails if no runtime answers, saying so', async () => {
    const { code, stderr } = await runCli(['trace', 'TR-1', '--endpoint', 'http://127.0.0.1:9', '--cdk-out', app.cdkOut]);
    expect(code).toBe(1);
    expect(stderr).toContain('no local runtime at http://127.0.0.1:9');
  });

  it('fails if the endpoint has no read API, saying so', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: 'no local service answers GET' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { code, stderr } = await runCli(['trace', 'TR-1', '--endpoint', url, '--cdk-out', app.cdkOut]);
      expect(code).toBe(1);
      expect(stderr).toContain(`${url} does not serve the read API`);
    } finally {
      server.close();
    }
  });

  it('prints its help', async () => {
    const { code, stdout } = await runCli(['trace', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: switchyard trace');
    expect(stdout).toContain('rule matches are not available there');
    expect(stdout).toContain('--since <when>');
  });

  it('in AWS (without a read API) shows the executions named after the ticket and the log lines that mention it', async () => {
    // The AWS path, pointed at the local runtime through the SDK's own endpoint variable.
    const env = { AWS_ENDPOINT_URL: app.runtime.url, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: region };
    const { code, stdout, stderr } = await runCli(['trace', 'TR-1', '--aws', '--cdk-out', app.cdkOut], { env });
    // The local runtime serves no Logs Insights: the saved queries cannot be listed, and it says it falls back.
    expect(stderr).toBe('cannot list the saved Logs Insights queries (UnknownOperationException): falling back to FilterLogEvents\n');
    expect(code).toBe(0);
    expect(stdout).toContain('AWS has no API for which rules an event matched');
    expect(stdout).toMatch(/executions named after TR-1:\n├─ .*TicketTriage.*:express:.*TicketCreated-/);
    expect(stdout).toMatch(/log lines that mention TR-1:\n├─ /);
    const none = await runCli(['trace', 'NO-SUCH-TICKET', '--aws', '--cdk-out', app.cdkOut], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('nothing to trace for "NO-SUCH-TICKET" in AWS');
  });
});
