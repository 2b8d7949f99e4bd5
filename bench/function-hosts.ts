/**
 * The function hosts' cost of a large payload (`npm run bench:hosts`): a 5 MiB JSON event
 * echoed by a Node.js function (a worker thread) and by a Python one (a python3 child process,
 * python-bootstrap.py), each through the local endpoint's Invoke as a client calls it, the
 * handler returning the event and, in a second pair, also printing it (LocalStack's
 * `echo` function, which test_echo_invoke runs, prints what it returns). Each figure is
 * the median of BENCH_ROUNDS warm invocations (default 7) after one that starts the
 * environment, the two hosts alternating: the wall time of the Invoke call, and the CPU time
 * this process (the runtime, the client) and its children (the Python environments) spent on it,
 * which a shared machine's load moves far less than the wall time.
 * Target: the Python host's wall time within 1.5x of the Node.js host's for each handler (exit 1 if missed).
 *
 *   BENCH_ROUNDS=11 npm run bench:hosts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { localPython } from '../local/lambda/runtime/hosts/python-interpreter.js';
import { LocalRuntime } from '../local/runtime.js';
import { zip } from '../test/helpers/zip-archive.js';
import { assemblyOf } from '../test/local/assembly.js';
import { credentials, region, tempDataDir } from '../test/local/helpers.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
/** The kernel's clock ticks per second, the unit of a process's CPU times in /proc. */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const TARGET = 1.5;
/** test_echo_invoke's large payload: 5 MiB of text in one JSON string. */
const PAYLOAD = JSON.stringify({ hello: 'obi wan!'.repeat(128 * 1024 * 5) });

const HANDLERS = {
  nodejs: {
    echo: 'exports.handler = async (event) => event;\n',
    'echo and print': 'exports.handler = async (event) => {\n  console.log(JSON.stringify(event));\n  return event;\n};\n',
  },
  python: {
    echo: 'def handler(event, context):\n    return event\n',
    'echo and print': 'import json\n\ndef handler(event, context):\n    print(json.dumps(event))\n    return event\n',
  },
} as const;
type Handler = keyof (typeof HANDLERS)['nodejs'];

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function create(lambda: LambdaClient, language: 'nodejs' | 'python', handler: Handler): Promise<string> {
  const name = `${language}-${handler.replaceAll(' ', '-')}`;
  const [file, runtime, entry] =
    language === 'nodejs'
      ? ['index.js', 'nodejs24.x', 'index.handler']
      : ['handler.py', `python${localPython()?.version}`, 'handler.handler'];
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: runtime as never,
      Handler: entry,
      Role: 'arn:aws:iam::000000000000:role/bench',
      MemorySize: 1024,
      // Long enough that a slow host shows as a slow figure, not as a timeout.
      Timeout: 60,
      Code: { ZipFile: zip([{ path: file, body: HANDLERS[language][handler] }]) },
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 60 }, { FunctionName: name });
  return name;
}

/** This process's CPU time and its children's (the Python environments), in milliseconds. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  let children = 0;
  const task = `/proc/${process.pid}/task/${process.pid}/children`;
  for (const pid of existsSync(task) ? readFileSync(task, 'utf8').trim().split(/\s+/).filter(Boolean) : []) {
    // utime and stime, the 14th and 15th fields, after the command's parenthesized name.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    children += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  }
  return (user + system) / 1000 + children;
}

/** One invocation's wall and CPU time; fails when the answer is not the payload. */
async function echoOnce(lambda: LambdaClient, name: string): Promise<{ wall: number; cpu: number }> {
  const cpu = cpuMs();
  const started = performance.now();
  const answer = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: PAYLOAD }));
  const elapsed = { wall: performance.now() - started, cpu: cpuMs() - cpu };
  const body = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
  if (answer.FunctionError !== undefined || JSON.stringify(JSON.parse(body)) !== PAYLOAD)
    throw new Error(`${name} answered ${answer.FunctionError ?? ''} ${body.slice(0, 200)}`);
  return elapsed;
}

type Times = { wall: number[]; cpu: number[] };

/**
 * Each host's warm invocations, the two alternating (so that a change in the machine's load
 * falls on both), after one each that starts its environment.
 */
async function echoTimes(lambda: LambdaClient, handler: Handler): Promise<{ node: Times; python: Times }> {
  const node = await create(lambda, 'nodejs', handler);
  const python = await create(lambda, 'python', handler);
  await echoOnce(lambda, node);
  await echoOnce(lambda, python);
  const times = { node: { wall: [] as number[], cpu: [] as number[] }, python: { wall: [] as number[], cpu: [] as number[] } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [host, name] of [
      ['node', node],
      ['python', python],
    ] as const) {
      const { wall, cpu } = await echoOnce(lambda, name);
      times[host].wall.push(wall);
      times[host].cpu.push(cpu);
    }
  }
  return times;
}

async function main(): Promise<void> {
  const python = localPython();
  if (!python) throw new Error('no python3 found (SWITCHYARD_PYTHON names another): the Python host cannot be measured');
  const dataDir = tempDataDir();
  const runtime = await LocalRuntime.start({ cdkOut: assemblyOf({}), dataDir, port: 0, log: () => undefined });
  const lambda = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  let missed = false;
  try {
    console.log(`A 5 MiB JSON event echoed through Invoke, median of ${ROUNDS} warm invocations (Python ${python.version})`);
    console.log('| handler | Node.js host: wall / CPU | Python host: wall / CPU | Python / Node.js: wall / CPU |');
    console.log('| --- | --- | --- | --- |');
    for (const handler of Object.keys(HANDLERS.nodejs) as Handler[]) {
      const times = await echoTimes(lambda, handler);
      const [nodeWall, nodeCpu, pyWall, pyCpu] = [times.node.wall, times.node.cpu, times.python.wall, times.python.cpu].map(median);
      const ratio = (pyWall as number) / (nodeWall as number);
      if (ratio > TARGET) missed = true;
      const ms = (n: number | undefined) => `${(n ?? 0).toFixed(0)} ms`;
      console.log(
        `| ${handler} | ${ms(nodeWall)} / ${ms(nodeCpu)} | ${ms(pyWall)} / ${ms(pyCpu)} | ${ratio.toFixed(2)}x / ${((pyCpu ?? 0) / (nodeCpu ?? 1)).toFixed(2)}x |`,
      );
    }
  } finally {
    lambda.destroy();
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (missed) {
    console.error(`bench:hosts: the Python host took more than ${TARGET}x the Node.js host's time`);
    process.exit(1);
  }
}

await main();
