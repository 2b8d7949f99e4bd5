import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpMount } from '../../cli/mcp/mount.js';
import { LocalRuntime } from '../../local/runtime.js';
import { disposableData, eventually } from '../local/helpers.js';
import { type AppUnderTest, putRawTicket, startApp } from './app-fixture.js';
import { childEnv } from './run-cli.js';

const MAIN = path.resolve(import.meta.dirname, '../../cli/main.ts');
const TOOLS = [
  'describe_app',
  'send_event',
  'list_executions',
  'get_execution',
  'get_trace',
  'list_failures',
  'redrive',
  'replay',
  'fork_execution',
  'stop_execution',
  'pause_flow',
  'resume_flow',
  'decide_task',
  'get_logs',
  'query_table',
  'model_usage',
];

let app: AppUnderTest;
let stdio: Client;

/** An SDK client of `switchyard mcp` run as an agent's configuration runs it: a child process on stdio. */
async function stdioClient(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Client> {
  const client = new Client({ name: 'switchyard-test', version: '1.0.0' });
  const merged = Object.fromEntries(Object.entries(childEnv(env)).filter((e): e is [string, string] => e[1] !== undefined));
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', MAIN, 'mcp', ...args], env: merged, stderr: 'pipe' }),
  );
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** A tool's structured answer; fails the test with the tool's error text when it failed. */
async function answer<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await call(client, name, args);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as T;
}

const errorText = (result: CallToolResult) => (result.content[0] as { text: string }).text;
const ticket = (ticketId: string) => ({ ticketId, customerId: 'C-1', subject: 'Charged twice', body: 'Please refund the second charge.' });

beforeAll(async () => {
  app = await startApp();
  stdio = await stdioClient(app.target);
}, 180_000);

afterAll(async () => {
  await stdio?.close();
  await app?.runtime.stop();
});

describe('switchyard mcp', () => {
  it('lists every tool with its input and output schema', async () => {
    const { tools } = await stdio.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
    }
    const send = tools.find((t) => t.name === 'send_event');
    expect(send?.inputSchema.required).toEqual(['detailType', 'detail']);
    expect(send?.annotations?.readOnlyHint).toBe(false);
  });

  it('finds a dead-lettered event, reads its trace and reason, redrives it fixed and sends the fixed event, with its tools alone', async () => {
    const app_ = await answer<{ queues: { name: string; deadLetterQueue?: { name: string } }[]; contracts: { detailType: string }[] }>(
      stdio,
      'describe_app',
    );
    expect(app_.queues).toContainEqual(
      expect.objectContaining({
        name: 'TicketTriageStarterQueue',
        deadLetterQueue: expect.objectContaining({ name: 'TicketTriageStarterDeadLetterQueue' }),
      }),
    );
    expect(app_.contracts.map((c) => c.detailType)).toContain('TicketCreated');

    const eventId = await putRawTicket(app, { ticketId: 'MCP-1', subject: 'no customer' });
    const letter = await eventually(async () => {
      const { failures } = await answer<{ failures: { source: string; id: string; reason?: string; what?: string }[] }>(
        stdio,
        'list_failures',
      );
      return failures.find((f) => f.source === 'TicketTriageStarterDeadLetterQueue' && f.reason?.includes('InvalidEvent'));
    }, 60_000);
    expect(letter.reason).toContain('InvalidEvent');

    const trace = await answer<{ trace: unknown }>(stdio, 'get_trace', { id: eventId });
    expect(JSON.stringify(trace.trace)).toContain(eventId);
    // The spans as the CLI's tree, a line per span starting with its id; then one span whole, by that id.
    // Read until the trace has its one root: the dead-letter queue's send can be visible before the
    // span of the receive it follows is written (their batches are the runtime's own; CI's load once showed it).
    let tree: { view: string; trace: string[] } | undefined;
    const first = await eventually(async () => {
      tree = await answer<{ view: string; trace: string[] }>(stdio, 'get_trace', { id: eventId, spans: true });
      return /^└─ ([0-9a-f]{16}) {2}\+0 ms {2}/.exec(tree.trace[1] ?? '')?.[1];
    }, 30_000).catch((error: unknown) => {
      throw new Error(`the trace never had one root:\n${tree?.trace.join('\n')}`, { cause: error });
    });
    expect(tree?.view).toBe('spans');
    expect(tree?.trace[0]).toMatch(/^trace [0-9a-f]{32} {2}/);
    const detail = await answer<{ view: string; trace: { spanId: string; attributes: object } }>(stdio, 'get_trace', {
      id: eventId,
      span: first,
    });
    expect(detail).toMatchObject({ view: 'span', trace: { spanId: first } });

    // The starter's log lines of the dead-lettered event: the consumer kit logs its failure.
    const logs = await eventually(async () => {
      const { lines } = await answer<{ lines: { message: string }[] }>(stdio, 'get_logs', { function: 'TicketTriageStarterHandler' });
      return lines.some((l) => l.message.includes('InvalidEvent')) ? lines : undefined;
    }, 20_000);
    expect(logs.length).toBeGreaterThan(0);

    const refused = await call(stdio, 'redrive', { source: letter.source, ids: [letter.id] });
    expect(refused.isError).toBe(true);
    expect(errorText(refused)).toContain("the MCP redrive tool's detail");

    const broken = await call(stdio, 'redrive', { source: letter.source, ids: [letter.id], detail: { ticketId: 'MCP-1' } });
    expect(broken.isError).toBe(true);
    expect(errorText(broken)).toMatch(/--detail breaks the TicketCreated contract/);

    const redriven = await answer<{ changed: string }>(stdio, 'redrive', {
      source: letter.source,
      ids: [letter.id],
      detail: ticket('MCP-1'),
    });
    // Followed to its consumer, which took it this time.
    expect(redriven.changed).toBe('1 message(s) of TicketTriageStarterDeadLetterQueue sent back; then 1 handled');

    const sent = await answer<{ eventIds: string[]; changed: string }>(stdio, 'send_event', {
      detailType: 'TicketCreated',
      detail: ticket('MCP-2'),
    });
    expect(sent.eventIds).toHaveLength(1);
    expect(sent.changed).toContain(`put 1 TicketCreated event on `);
    const invalid = await call(stdio, 'send_event', { detailType: 'TicketCreated', detail: { ticketId: 'MCP-3' } });
    expect(invalid.isError).toBe(true);

    // The fixed letter left its dead-letter queue and was not dead-lettered again.
    await eventually(async () => {
      const { failures } = await answer<{ failures: { id: string }[] }>(stdio, 'list_failures', { source: letter.source });
      return failures.some((f) => f.id === letter.id) ? undefined : true;
    }, 60_000);
  }, 180_000);

  it('forks an execution from one of its states, as switchyard fork --json answers', async () => {
    // An order starts the saga, a Standard flow (an Express execution keeps no history to fork from).
    const order = { orderId: 'MCP-O-1', customerId: 'C-1', sku: 'SKU-1', quantity: 2, amount: 4200, currency: 'eur' };
    await answer(stdio, 'send_event', { detailType: 'OrderPlaced', detail: order });
    const parent = await eventually(async () => {
      const { executions } = await answer<{ executions: { name: string; executionArn: string; status: string }[] }>(
        stdio,
        'list_executions',
        {
          limit: 100,
        },
      );
      return executions.find((e) => e.executionArn.includes(':execution:') && e.status === 'SUCCEEDED');
    }, 90_000);
    const { states } = await answer<{ states: { name: string }[] }>(stdio, 'get_execution', { execution: parent.name });
    const from = states[1]?.name ?? '';
    const forked = await answer<{ executionArn: string; name: string; parent: string; from: string; changed: string }>(
      stdio,
      'fork_execution',
      {
        execution: parent.name,
        from,
      },
    );
    expect(forked).toMatchObject({ from, changed: `started ${forked.name}, a fork of ${parent.name} from ${from}` });
    expect(forked.parent).toContain(parent.name);
    // Asked again: the same execution, and the answer says nothing started rather than "started".
    const again = await answer<{ executionArn: string; existing?: true; changed: string }>(stdio, 'fork_execution', {
      execution: parent.name,
      from,
    });
    expect(again).toMatchObject({ executionArn: forked.executionArn, existing: true });
    expect(again.changed).toMatch(new RegExp(`^nothing started: ${parent.name} was forked from ${from} before, as ${forked.name} `));

    const ledger = await answer<{ items: { orderId: string }[] }>(stdio, 'query_table', {
      table: 'OrderSagaLedger',
      key: { orderId: 'MCP-O-1' },
    });
    expect(ledger.items.length).toBeGreaterThan(0);
    expect(ledger.items.every((item) => item.orderId === 'MCP-O-1')).toBe(true);
  }, 120_000);

  it('pauses a flow, answering once its consumers stopped, and resumes it', async () => {
    const paused = await answer<{ consumers: { consumer: string; state: string; changed: boolean }[]; changed: string }>(
      stdio,
      'pause_flow',
      {
        target: 'TicketTriage',
      },
    );
    expect(paused.consumers).toEqual([expect.objectContaining({ state: 'Disabled', changed: true })]);
    expect(paused.changed).toMatch(/Disabled$/);
    const resumed = await answer<{ consumers: { state: string }[] }>(stdio, 'resume_flow', { target: 'TicketTriage' });
    expect(resumed.consumers).toEqual([expect.objectContaining({ state: 'Enabled', changed: true })]);
  }, 120_000);

  it('fails if the arguments break the schema or name nothing, as tool errors naming what was meant', async () => {
    const missing = await call(stdio, 'get_execution', {});
    expect(missing.isError).toBe(true);
    expect(errorText(missing)).toMatch(/execution/);
    const unknown = await call(stdio, 'get_execution', { execution: 'no-such-execution' });
    expect(unknown.isError).toBe(true);
    expect(errorText(unknown)).toContain('no-such-execution');
    const table = await call(stdio, 'query_table', { table: 'NoSuchTable', key: { id: '1' } });
    expect(table.isError).toBe(true);
    expect(errorText(table)).toMatch(/no table "NoSuchTable" in the app \(its tables: .+\)/);
    const pause = await call(stdio, 'pause_flow', { target: 'TicketTriag' });
    expect(errorText(pause)).toContain('TicketTriage');
    // The server is still there.
    expect((await stdio.listTools()).tools.length).toBe(TOOLS.length);
  }, 60_000);

  it('fails if a write is asked of AWS without --allow-writes, before any call to AWS', async () => {
    let requests = 0;
    const aws: Server = createServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(aws.address() as AddressInfo).port}`;
    const client = await stdioClient(['--aws', '--region', 'us-east-1', '--cdk-out', app.cdkOut], {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    });
    try {
      const writes = {
        send_event: { detailType: 'TicketCreated', detail: ticket('A-1') },
        pause_flow: { target: 'TicketTriage' },
        stop_execution: { execution: 'x' },
      };
      for (const [name, args] of Object.entries(writes)) {
        const refused = await call(client, name, args);
        expect(refused.isError, name).toBe(true);
        expect(errorText(refused)).toContain('start it with --allow-writes');
      }
      expect(requests).toBe(0);
    } finally {
      await client.close();
      aws.close();
    }
  }, 60_000);
});

describe('switchyard dev /mcp', () => {
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await LocalRuntime.start({
      cdkOut: app.cdkOut,
      ...disposableData(),
      port: 0,
      log: () => {},
      mcp: mcpMount('test', app.cdkOut),
    });
  }, 60_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  it('serves the tools over Streamable HTTP in a session of its own', async () => {
    const client = new Client({ name: 'switchyard-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${runtime.url}/mcp`));
    await client.connect(transport);
    try {
      expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
      await client.ping();
      const contracts = await client.readResource({ uri: 'switchyard://contracts' });
      expect((contracts.contents[0] as { text: string }).text).toContain('"detailType": "TicketCreated"');
      const page = await client.readResource({ uri: 'switchyard://docs/mcp' });
      expect((page.contents[0] as { text: string }).text).toMatch(/^# Coding agents/);
      const usage = await call(client, 'model_usage');
      expect(usage.isError, JSON.stringify(usage.content)).toBeFalsy();
      const failures = await call(client, 'list_failures', { source: 'TicketTriageStarterDeadLetterQueue' });
      expect(failures.isError, JSON.stringify(failures.content)).toBeFalsy();
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });

  it('fails if a browser page of another origin posts to it (403), or a request names no session', async () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const foreign = await fetch(`${runtime.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, origin: 'http://evil.example' },
      body: JSON.stringify(init),
    });
    expect(foreign.status).toBe(403);
    const own = await fetch(`${runtime.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, origin: runtime.url },
      body: JSON.stringify(init),
    });
    expect(own.status).toBe(200);
    const stray = await fetch(`${runtime.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(stray.status).toBe(400);
  });
});
