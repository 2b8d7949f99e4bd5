/**
 * The local DynamoDB's speed (`npm run bench:dynamodb`): conditional puts (1 and 16
 * clients), transactions of 2 and 10 actions, and queries, each through an engine's HTTP
 * port with a bare keep-alive HTTP client, side by side in one run:
 *   - a LocalRuntime with IAM enforced whose only resource is a role allowed the bench's
 *     DynamoDB actions, the requests signed with a session key of that role (so each is
 *     authorized before the engine answers it), sent where local functions send theirs (the
 *     engine's own port, AWS_ENDPOINT_URL_DYNAMODB) and, in a column of its own, to the
 *     runtime's endpoint (how other clients reach it: it forwards them to that port);
 *   - the runtime's engine alone (DynamoDbHost: local/dynamodb/engine/ in its worker thread, on disk);
 *   - dynalite 4, the engine it replaced, when SWITCHYARD_BENCH_DYNALITE names a folder it is
 *     installed in (`npm install --prefix <folder> dynalite@4`; run in a worker thread, as the
 *     runtime ran it);
 *   - dynoxide, when SWITCHYARD_BENCH_DYNOXIDE names its binary (`@dynoxide/linux-x64`).
 * The engines run side by side and the workloads alternate between them in BENCH_ROUNDS rounds
 * (default 3); each figure is the median of its rounds.
 * Target: conditional puts at 16 clients on the functions' path with IAM at least twice dynalite's
 * (alone, so without an endpoint's or IAM's cost) in the same run (exit 1 if missed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DynamoDbHost } from '../local/dynamodb/dynamodb-host.js';
import { LocalRuntime } from '../local/runtime.js';
import { assemblyOf } from '../test/local/assembly.js';

/** An Authorization header naming `accessKeyId` (the runtime tells callers apart by key; it checks signatures only when asked to). */
const authorization = (accessKeyId: string) =>
  `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`;
const AUTH = authorization('local');
const PUTS = Number(process.env.BENCH_PUTS ?? 4000);
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 1000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 3000);
const TARGET = 2;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Engine {
  readonly name: string;
  readonly port: number;
  /** The Authorization header its requests carry (the administrator's key unless given). */
  readonly authorization?: string;
  stop(): Promise<void>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function call(port: number, operation: string, input: unknown, auth = AUTH): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(input);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent,
        headers: {
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(body),
          authorization: auth,
          'x-amz-date': '20260101T000000Z',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Operations per second of `total` requests made by `clients` concurrent clients; undefined if any failed. */
async function rate(clients: number, total: number, make: (i: number) => [string, unknown]): Promise<number | undefined> {
  let next = 0;
  let failed: string | undefined;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total && failed === undefined) {
        const [operation, input] = make(next++);
        const answer = await call(port(), operation, input, current?.authorization);
        if (answer.status !== 200) failed = `${operation}: ${answer.status} ${answer.body.slice(0, 200)}`;
      }
    }),
  );
  if (failed) {
    console.error(`  ${current?.name}: ${failed}`);
    return undefined;
  }
  return total / ((performance.now() - started) / 1000);
}

let current: Engine | undefined;
const port = () => (current as Engine).port;

async function createTable(name: string, sortKey: boolean): Promise<void> {
  const keys = sortKey ? ['pk', 'sk'] : ['pk'];
  await call(
    port(),
    'CreateTable',
    {
      TableName: name,
      KeySchema: keys.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      AttributeDefinitions: keys.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      BillingMode: 'PAY_PER_REQUEST',
    },
    current?.authorization,
  );
  // DynamoDB answers CreateTable with CREATING and refuses items until ACTIVE.
  for (let i = 0; i < 100; i++) {
    const described = await call(port(), 'DescribeTable', { TableName: name }, current?.authorization);
    if (described.body.includes('"ACTIVE"')) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type Results = Record<string, number | undefined>;

/** The workloads, each a measure of one engine: its name and what it runs (on tables named for the round). */
const WORKLOADS: readonly { name: string; run: (round: number) => Promise<number | undefined> }[] = [
  ...[1, 16].map((clients) => ({
    name: `conditional PutItem, ${clients} client${clients > 1 ? 's' : ''}`,
    run: async (round: number) => {
      const table = `puts${clients}-${round}`;
      await createTable(table, false);
      return rate(clients, PUTS, (i) => [
        'PutItem',
        {
          TableName: table,
          Item: { pk: { S: `k${i}` }, status: { S: 'INPROGRESS' }, expiry: { N: String(1_800_000_000 + i) } },
          ConditionExpression: 'attribute_not_exists(pk) OR expiry < :now',
          ExpressionAttributeValues: { ':now': { N: '1700000000' } },
        },
      ]);
    },
  })),
  ...[2, 10].map((actions) => ({
    name: `TransactWriteItems of ${actions} actions, 16 clients`,
    run: async (round: number) => {
      const table = `transactions${actions}-${round}`;
      await createTable(table, false);
      return rate(16, TRANSACTIONS, (i) => [
        'TransactWriteItems',
        {
          TransactItems: Array.from({ length: actions }, (_, a) => ({
            Update: {
              TableName: table,
              Key: { pk: { S: `t${i}-${a}` } },
              UpdateExpression: 'SET amount = if_not_exists(amount, :zero) + :one',
              ConditionExpression: 'attribute_not_exists(locked)',
              ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' } },
            },
          })),
        },
      ]);
    },
  })),
  {
    name: 'Query, 10 items a page, 16 clients',
    run: async (round: number) => {
      const table = `items-${round}`;
      await createTable(table, true);
      await rate(16, 1000, (i) => [
        'PutItem',
        { TableName: table, Item: { pk: { S: `p${i % 10}` }, sk: { S: `s${String(i).padStart(5, '0')}` } } },
      ]);
      return rate(16, QUERIES, (i) => [
        'Query',
        {
          TableName: table,
          KeyConditionExpression: 'pk = :p AND sk > :s',
          ExpressionAttributeValues: { ':p': { S: `p${i % 10}` }, ':s': { S: `s${String(i % 900).padStart(5, '0')}` } },
          Limit: 10,
        },
      ]);
    },
  },
];

/**
 * Every workload on every engine, in rounds that alternate the engines (this machine is
 * shared: a slow moment then falls on each engine alike); each cell is the median of its rounds.
 */
async function measureAll(engines: readonly Engine[]): Promise<Results[]> {
  const samples = engines.map(() => new Map<string, (number | undefined)[]>());
  for (let round = 0; round < ROUNDS; round++) {
    for (const workload of WORKLOADS) {
      for (const [e, engine] of engines.entries()) {
        current = engine;
        const value = await workload.run(round);
        const list = samples[e]?.get(workload.name) ?? [];
        list.push(value);
        samples[e]?.set(workload.name, list);
      }
    }
  }
  return samples.map((byWorkload) =>
    Object.fromEntries(
      [...byWorkload].map(([name, values]) => {
        if (values.some((v) => v === undefined)) return [name, undefined];
        const sorted = (values as number[]).sort((a, b) => a - b);
        return [name, sorted[Math.floor(sorted.length / 2)]];
      }),
    ),
  );
}

const BENCH_ROLE = 'arn:aws:iam::000000000000:role/bench-writer';

/**
 * The runtime (IAM enforced) with one role, allowed what the workloads do; requests signed as a
 * session of it, sent where functions send theirs (the engine's own port) or to the endpoint.
 */
async function startRuntime(folder: string, where: 'functions' | 'endpoint'): Promise<Engine> {
  const cdkOut = assemblyOf({
    Writer: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'bench-writer',
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: 'tables',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['dynamodb:CreateTable', 'dynamodb:DescribeTable', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
                  Resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/*',
                },
              ],
            },
          },
        ],
      },
    },
  });
  const runtime = await LocalRuntime.start({ cdkOut, dataDir: folder, port: 0, log: () => undefined, iam: 'enforce' });
  const { accessKeyId } = runtime.iam.principals.credentialsFor(BENCH_ROLE, 'bench');
  return {
    name: where === 'functions' ? "runtime, functions' path (engine port), IAM enforce" : 'runtime endpoint, IAM enforce',
    port: Number(new URL(where === 'functions' ? runtime.dynamodb.host.url : runtime.url).port),
    authorization: authorization(accessKeyId),
    stop: async () => {
      await runtime.stop();
      rmSync(cdkOut, { recursive: true, force: true });
    },
  };
}

async function startEngine(folder: string): Promise<Engine> {
  const host = await DynamoDbHost.start({ folder });
  return { name: 'engine (node:sqlite)', port: Number(new URL(host.url).port), stop: () => host.stop() };
}

/** dynalite in a worker thread, on disk, as the runtime ran it. */
async function startDynalite(installed: string, folder: string): Promise<Engine> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const dynalite = require(require.resolve('dynalite', { paths: [workerData.installed] }));
    const server = dynalite({ path: workerData.folder, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`;
  const worker = new Worker(code, { eval: true, workerData: { installed, folder } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { name: 'dynalite 4 (LevelDB, worker thread)', port, stop: async () => void (await worker.terminate()) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startDynoxide(binary: string, folder: string): Promise<Engine> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    ['serve', '--host', '127.0.0.1', '--port', String(port), '--db-path', path.join(folder, 'dynoxide.db')],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    current = { name: 'dynoxide', port, stop: async () => {} };
    if ((await call(port, 'ListTables', {}).catch(() => ({ status: 0 }))).status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { name: 'dynoxide (Rust, SQLite, own process)', port, stop: async () => void child.kill() };
}

async function main(): Promise<void> {
  const columns: { name: string; results: Results }[] = [];
  const starters: [string, (folder: string) => Promise<Engine>][] = [
    ['functions', (folder) => startRuntime(folder, 'functions')],
    ['endpoint', (folder) => startRuntime(folder, 'endpoint')],
    ['engine', startEngine],
  ];
  if (process.env.SWITCHYARD_BENCH_DYNALITE)
    starters.push(['dynalite', (f) => startDynalite(process.env.SWITCHYARD_BENCH_DYNALITE as string, f)]);
  if (process.env.SWITCHYARD_BENCH_DYNOXIDE)
    starters.push(['dynoxide', (f) => startDynoxide(process.env.SWITCHYARD_BENCH_DYNOXIDE as string, f)]);
  const folders: string[] = [];
  const engines: Engine[] = [];
  try {
    for (const [key, start] of starters) {
      const folder = mkdtempSync(path.join(tmpdir(), `switchyard-bench-dynamodb-${key}-`));
      folders.push(folder);
      engines.push(await start(folder));
    }
    const results = await measureAll(engines);
    columns.push(...engines.map((engine, i) => ({ name: engine.name, results: results[i] as Results })));
  } finally {
    for (const engine of engines) await engine.stop();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  }
  agent.destroy();
  const rows = Object.keys(columns[0]?.results ?? {});
  console.log(`| measure (per second) | ${columns.map((c) => c.name).join(' | ')} |`);
  console.log(`| --- | ${columns.map(() => '---').join(' | ')} |`);
  for (const row of rows) {
    console.log(`| ${row} | ${columns.map((c) => (c.results[row] === undefined ? 'fails' : c.results[row]?.toFixed(0))).join(' | ')} |`);
  }
  const dynalite = columns.find((c) => c.name.startsWith('dynalite'));
  if (!dynalite) {
    console.log('dynalite not measured (set SWITCHYARD_BENCH_DYNALITE to a folder it is installed in): the 2x target is not checked');
    return;
  }
  const key = 'conditional PutItem, 16 clients';
  // Measured as functions reach DynamoDB: the engine's port, each request through the IAM check (columns[0]).
  const ratio = (columns[0]?.results[key] ?? 0) / (dynalite.results[key] ?? Number.POSITIVE_INFINITY);
  console.log(
    `conditional puts, 16 clients, as functions reach DynamoDB with IAM enforced: ${ratio.toFixed(2)}x dynalite alone (target >= ${TARGET}x): ${ratio >= TARGET ? 'met' : 'MISSED'}`,
  );
  if (ratio < TARGET) process.exitCode = 1;
}

await main();
