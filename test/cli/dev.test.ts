import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudWatchLogsClient, DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningDevEndpoint } from '../../inspect/assembly.js';
import { childEnv } from './run-cli.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(REPO, 'cli', 'bin.mjs');
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'dev-app');
/** switchyard dev's tests have ports 4700-4719; this suite's server listens on the first. */
const PORT = 4700;
const config = { endpoint: `http://127.0.0.1:${PORT}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };

const folders: string[] = [];

/** A copy of the fixture app in a temporary folder, with the repository's node_modules (aws-cdk-lib) beside it. */
function copyFixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-dev-'));
  folders.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** `switchyard <args>` run in the app's folder against the dev server, as a user runs it in another terminal. */
function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args, '--endpoint', config.endpoint],
      { cwd: app, env: childEnv(), timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

/** `switchyard dev <args>` in `cwd`, through the package's bin, as a user runs it; its output is collected. */
class Dev {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(cwd: string, args: readonly string[]) {
    this.child = spawn(process.execPath, [BIN, 'dev', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout, this.child.stderr]) stream?.on('data', (chunk: Buffer) => this.#take(chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  readonly #waiting = new Set<() => void>();

  #take(chunk: Buffer): void {
    this.output += chunk.toString('utf8');
    for (const check of this.#waiting) check();
  }

  /** Resolves once the output after `from` matches; fails with the output if the process exits or time runs out. */
  waitFor(pattern: RegExp, from = 0, timeoutMs = 45_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.output.slice(from));
        if (!match) return;
        done();
        resolve(match[0]);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${this.output}`));
      }, timeoutMs);
      const exit = (code: number | null) => {
        done();
        reject(new Error(`switchyard dev exited (${code}) before ${pattern}; output:\n${this.output}`));
      };
      const done = () => {
        clearTimeout(timer);
        this.#waiting.delete(check);
        this.child.off('exit', exit);
      };
      this.#waiting.add(check);
      this.child.once('exit', exit);
      check();
    });
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

let app: string;
let dev: Dev;
const events = new EventBridgeClient(config);
const sqs = new SQSClient(config);
const lambda = new LambdaClient(config);
const logs = new CloudWatchLogsClient(config);

/** What the bundled function answers now (it returns its marker). */
async function bundledAnswer(id: string): Promise<string> {
  const { Payload } = await lambda.send(new InvokeCommand({ FunctionName: 'dev-fixture-bundled', Payload: JSON.stringify({ id }) }));
  return JSON.parse(Buffer.from(Payload ?? []).toString('utf8')) as string;
}

/** Saves the bundled handler's marker as `version`. */
function saveMarker(version: string): void {
  writeFileSync(path.join(app, 'bundled', 'marker.ts'), `export const marker = 'bundled ${version}';\n`);
}

const putOrder = (id: string) =>
  events.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: 'dev-fixture', Source: 'dev.fixture', DetailType: 'Order', Detail: JSON.stringify({ id }) }],
    }),
  );

beforeAll(async () => {
  app = copyFixture();
  dev = new Dev(app, ['--port', String(PORT)]);
  await dev.waitFor(/Ctrl-C stops/);
}, 90_000);

afterAll(async () => {
  events.destroy();
  sqs.destroy();
  lambda.destroy();
  await dev?.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('switchyard dev', () => {
  it('runs the app of its folder: state in a git-ignored .switchyard/, the report with the console URL, events reach the handler', async () => {
    expect(dev.output).toContain('note: .switchyard/ holds');
    expect(readFileSync(path.join(app, '.switchyard', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(existsSync(path.join(app, '.switchyard', 'cdk.out', 'manifest.json'))).toBe(true);
    expect(existsSync(path.join(app, '.switchyard', 'data'))).toBe(true);
    expect(dev.output).toContain(`Switchyard local runtime listening on http://127.0.0.1:${PORT}`);
    expect(dev.output).toContain(`console: http://127.0.0.1:${PORT}/`);
    const from = dev.output.length;
    await putOrder('e1');
    await dev.waitFor(/handled-by v1 event e1/, from);
  });

  it('reloads a changed handler and the consumer it enables: a message queued before the change runs on the new code, as does the next event', async () => {
    // The consumer is disabled: the message waits in the queue across the change.
    await sqs.send(new SendMessageCommand({ QueueUrl: `http://127.0.0.1:${PORT}/000000000000/dev-fixture-inbox`, MessageBody: 'm1' }));
    const from = dev.output.length;
    const handler = path.join(app, 'handler', 'index.mjs');
    writeFileSync(handler, readFileSync(handler, 'utf8').replace('handled-by v1', 'handled-by v2'));
    writeFileSync(path.join(app, 'settings.json'), JSON.stringify({ consumerEnabled: true, greeting: 'v2' }));

    const reloaded = await dev.waitFor(/reloaded in [\d.]+ s: .*/, from);
    expect(reloaded).toContain('function dev-fixture-handler (code)');
    expect(reloaded).toContain('event source mapping dev-fixture-inbox -> dev-fixture-handler');
    expect(reloaded).toContain('state machine dev-fixture-greeter');
    await dev.waitFor(/handled-by v2 message m1/, from);
    const next = dev.output.length;
    await putOrder('e2');
    await dev.waitFor(/handled-by v2 event e2/, next);
    expect(dev.output.slice(from)).not.toContain('handled-by v1');
  });

  it('shows a synthesis error and keeps the last good app running', async () => {
    const from = dev.output.length;
    const source = path.join(app, 'app.mjs');
    const good = readFileSync(source, 'utf8');
    writeFileSync(source, `${good}\nthrow new Error('broken on purpose');\n`);
    await dev.waitFor(/the last good app keeps running/, from);
    expect(dev.output.slice(from)).toContain('Error: broken on purpose');
    const next = dev.output.length;
    await putOrder('e3');
    await dev.waitFor(/handled-by v2 event e3/, next);
    writeFileSync(source, good);
    await dev.waitFor(/reloaded in [\d.]+ s: nothing that runs locally changed/, next);
  });

  it('keeps send, failures, executions and the MCP list_failures on the app that is running while the source does not synthesize, saying so once', async () => {
    const from = dev.output.length;
    const source = path.join(app, 'app.mjs');
    const good = readFileSync(source, 'utf8');
    writeFileSync(source, `${good}\nthrow new Error('broken on purpose');\n`);
    try {
      await dev.waitFor(/the last good app keeps running/, from);
      const note = 'note: the source does not synthesize (Error: broken on purpose); using the app that is running\n';
      // The bus comes from the running app's assembly: the one dev synthesized is gone.
      const sent = await cli(['send', 'Order', '--detail', '{"id":"e9"}', '--source', 'dev.fixture', '--no-validate']);
      expect([sent.code, sent.stderr]).toEqual([0, `${note}warning: Order is sent unchecked (--no-validate)\n`]);
      await dev.waitFor(/handled-by v\d event e9/, from);
      const failures = await cli(['failures']);
      expect([failures.code, failures.stderr]).toEqual([0, note]);
      // The flows by the names the app gives them, not every state machine of the runtime.
      const executions = await cli(['executions', '--json']);
      expect([executions.code, executions.stderr]).toEqual([0, note]);

      const mcp = new Client({ name: 'switchyard-test', version: '1.0.0' });
      await mcp.connect(new StreamableHTTPClientTransport(new URL(`${config.endpoint}/mcp`)));
      try {
        const result = (await mcp.callTool({ name: 'list_failures', arguments: {} })) as CallToolResult;
        expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
        expect(result.content.slice(1)).toEqual([{ type: 'text', text: note.trimEnd() }]);
      } finally {
        await mcp.close();
      }
    } finally {
      const next = dev.output.length;
      writeFileSync(source, good);
      await dev.waitFor(/reloaded in [\d.]+ s/, next);
    }
    expect(await cli(['failures'])).toMatchObject({ code: 0, stderr: '' });
  });

  it('runs a saved edit of a bundled handler with no synthesis: only its bundle is built again, and the next invocation runs it', async () => {
    expect(await bundledAnswer('b1')).toBe('bundled v1 b1');
    const from = dev.output.length;
    saveMarker('v2');
    await dev.waitFor(/rebuilt bundled\/handler\.ts in \d+ ms, no synthesis: dev-fixture-bundled runs it/, from);
    expect(await bundledAnswer('b2')).toBe('bundled v2 b2');
    expect(dev.output.slice(from)).not.toContain('synthesizing');
  });

  it('runs a saved edit of a Python handler with no synthesis, and keeps the last good code when one does not compile, naming its file and line', async () => {
    const reportAnswer = async (id: string) => {
      const { Payload } = await lambda.send(new InvokeCommand({ FunctionName: 'dev-fixture-report', Payload: JSON.stringify({ id }) }));
      return JSON.parse(Buffer.from(Payload ?? []).toString('utf8')) as string;
    };
    const source = path.join(app, 'report', 'index.py');
    const good = readFileSync(source, 'utf8');
    expect(await reportAnswer('p1')).toBe('report v1 p1');
    const from = dev.output.length;
    writeFileSync(source, good.replace('report v1', 'report v2'));
    await dev.waitFor(/rebuilt report\/ in \d+ ms, no synthesis: dev-fixture-report runs it/, from);
    expect(await reportAnswer('p2')).toBe('report v2 p2');
    expect(dev.output.slice(from)).not.toContain('synthesizing');
    const next = dev.output.length;
    writeFileSync(source, good.replace('report v1', 'report v3').replace('+ event["id"]', '+ (event["id"]'));
    await dev.waitFor(/report\/index\.py:2:\d+: SyntaxError: /, next);
    expect(dev.output.slice(next)).toContain('the last good code keeps running');
    expect(await reportAnswer('p3')).toBe('report v2 p3');
    expect(dev.output.slice(from)).not.toContain('synthesizing');
    // Fixed again: the code that runs (the restart below runs it again, with no synthesis).
    const fixed = dev.output.length;
    writeFileSync(source, good.replace('report v1', 'report v2'));
    await dev.waitFor(/rebuilt report\/ in \d+ ms, no synthesis: dev-fixture-report runs it/, fixed);
  });

  it('keeps the last good code running when a saved handler does not build, naming the file and line once', async () => {
    const from = dev.output.length;
    writeFileSync(path.join(app, 'bundled', 'marker.ts'), "export const marker = 'bundled v3\n");
    await dev.waitFor(/the last good code keeps running/, from);
    await dev.waitFor(/bundled\/marker\.ts:1:\d+: Unterminated string literal/, from);
    expect(dev.output.slice(from).match(/Unterminated string literal/g)).toHaveLength(1);
    expect(await bundledAnswer('b3')).toBe('bundled v2 b3');
    const next = dev.output.length;
    saveMarker('v3');
    await dev.waitFor(/rebuilt bundled\/handler\.ts/, next);
    expect(await bundledAnswer('b4')).toBe('bundled v3 b4');
  });

  it('says a change nothing reads reloads nothing', async () => {
    const from = dev.output.length;
    writeFileSync(path.join(app, 'bundled', 'notes.ts'), 'export {};\n');
    await dev.waitFor(/changed: bundled\/notes\.ts: neither the app's synthesis nor a function's bundle reads it; nothing to reload/, from);
  });

  it('starts again from its last synthesis when nothing it read has changed, running the handlers saved while it was stopped', async () => {
    expect(await dev.stop()).toBe(0);
    saveMarker('v4');
    const restarted = Date.now();
    dev = new Dev(app, ['--port', String(PORT)]);
    await dev.waitFor(/Ctrl-C stops/);
    expect(dev.output).toContain('starting from the last synthesis (.switchyard/cdk.out): nothing it read has changed');
    expect(dev.output).not.toContain('synthesizing');
    expect(dev.output).toMatch(/handlers saved since the last synthesis: rebuilt bundled\/handler\.ts in \d+ ms/);
    expect(dev.output).toContain(
      '  code newer than cdk.out: dev-fixture-report, dev-fixture-bundled (rebuilt from the sources since the last synthesis',
    );
    expect(await bundledAnswer('b5')).toBe('bundled v4 b5');
    // Started on the rebuilt code: one environment since the restart (a log stream each), none on
    // the template's code first and then a switch.
    const { logStreams = [] } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/dev-fixture-bundled' }));
    expect(logStreams.filter((stream) => (stream.creationTime ?? 0) >= restarted)).toHaveLength(1);
  });

  it('fails if a switchyard dev runs in the app already (started from a folder inside it), naming it, and leaves that one reachable', async () => {
    // Own data folder, the app synthesized already: only the dev running here is in the way.
    const data = mkdtempSync(path.join(tmpdir(), 'switchyard-dev-data-'));
    folders.push(data);
    // Started in a folder inside the app: the app is the nearest cdk.json up, as for the other commands.
    const second = new Dev(path.join(app, 'bundled'), ['--port', String(PORT + 3), '--no-synth', '--no-watch', '--data', data]);
    expect(await second.exited).toBe(1);
    expect(second.output).toMatch(
      new RegExp(`switchyard dev already runs in this folder \\(process \\d+, http://127\\.0\\.0\\.1:${PORT}\\)`),
    );
    // The commands beside it still reach the first: its record was left.
    expect(runningDevEndpoint(app)).toBe(`http://127.0.0.1:${PORT}`);
  });

  it('fails if the port is in use, saying so', async () => {
    // Another app's folder, its own data folder: only the port is in the way.
    const other = copyFixture();
    const second = new Dev(other, ['--port', String(PORT), '--no-watch']);
    expect(await second.exited).toBe(1);
    expect(second.output).toContain(`port ${PORT} is already in use`);
  });

  it('fails if the folder has no cdk.json, saying to run it in a CDK app', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'switchyard-dev-empty-'));
    folders.push(empty);
    const run = new Dev(empty, ['--port', String(PORT + 1)]);
    expect(await run.exited).toBe(2);
    expect(run.output).toContain(`switchyard dev: no cdk.json in ${empty}`);
    expect(existsSync(path.join(empty, '.switchyard'))).toBe(false);
  });

  it("fails if the app's synthesis fails, showing its error", async () => {
    const broken = copyFixture();
    writeFileSync(path.join(broken, 'cdk.json'), JSON.stringify({ app: 'node -e "console.error(\'no such stack\'); process.exit(3)"' }));
    const run = new Dev(broken, ['--port', String(PORT + 2)]);
    expect(await run.exited).toBe(1);
    expect(run.output).toContain('no such stack');
    expect(run.output).toMatch(/the app \(cdk\.json "app"\) failed \(.*exit 3\): fix the app and run switchyard dev again/);
  });
});
