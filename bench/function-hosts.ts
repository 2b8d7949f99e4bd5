/**
 * The function hosts' cost of a large payload (`npm run bench:hosts`): a 5 MiB JSON event
 * echoed by a Node.js function (a worker thread) and by a Python one (a python3 child process,
 * python-bootstrap.py), each through the local endpoint's Invoke as a client calls it, the
 * handler returning the event and, in a second pair, also printing it (LocalStack's
 * `echo` function, which test_echo_invoke runs, prints what it returns). Each figure is
 * the median of BENCH_ROUNDS warm invocations (default 7) after one that starts the
 * environment.
 * Target: the Python host within 1.5x of the Node.js host's time for each handler (exit 1 if missed).
 *
 *   BENCH_ROUNDS=11 npm run bench:hosts
 */
import { rmSync } from 'node:fs';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { localPython } from '../local/lambda/python-interpreter.js';
import { LocalRuntime } from '../local/runtime.js';
import { zip } from '../test/helpers/zip-archive.js';
import { assemblyOf } from '../test/local/assembly.js';
import { credentials, region, tempDataDir } from '../test/local/helpers.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
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

/** Milliseconds one invocation took; fails when the answer is not the payload. */
async function echoTime(lambda: LambdaClient, name: string): Promise<number> {
  const started = performance.now();
  const answer = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: PAYLOAD }));
  const elapsed = performance.now() - started;
  const body = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
  if (answer.FunctionError !== undefined || JSON.stringify(JSON.parse(body)) !== PAYLOAD)
    throw new Error(`${name} answered ${answer.FunctionError ?? ''} ${body.slice(0, 200)}`);
  return elapsed;
}

/**
 * Each host's warm invocations, the two alternating (so that a change in the machine's load
 * falls on both), after one each that starts its environment.
 */
async function echoTimes(lambda: LambdaClient, handler: Handler): Promise<{ node: number[]; python: number[] }> {
  const node = await create(lambda, 'nodejs', handler);
  const python = await create(lambda, 'python', handler);
  await echoTime(lambda, node);
  await echoTime(lambda, python);
  const times = { node: [] as number[], python: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    times.node.push(await echoTime(lambda, node));
    times.python.push(await echoTime(lambda, python));
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
    console.log('| handler | Node.js host | Python host | Python / Node.js |');
    console.log('| --- | --- | --- | --- |');
    for (const handler of Object.keys(HANDLERS.nodejs) as Handler[]) {
      const times = await echoTimes(lambda, handler);
      const node = median(times.node);
      const py = median(times.python);
      const ratio = py / node;
      if (ratio > TARGET) missed = true;
      console.log(`| ${handler} | ${node.toFixed(0)} ms | ${py.toFixed(0)} ms | ${ratio.toFixed(2)}x |`);
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
