/**
 * Step Functions engine benchmark (`npm run bench`): executions/s of the local engine
 * beside aws-local-stepfunctions on the same JSONPath definitions (the peer has no
 * JSONata), and memory per thousand executions waiting in a Wait state.
 * Run with `node --expose-gc` for the memory figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { StateMachine as PeerStateMachine } from 'aws-local-stepfunctions';
import { lambdaIam } from '../local/lambda/iam-authorizations.js';
import { lambdaStepFunctions } from '../local/lambda/step-functions.js';
import { parseDefinition, startExecution, type TaskRunner } from '../local/states/engine/index.js';
import { StatesService } from '../local/states/states-service.js';
import { openDatabase } from '../local/store/data-folder.js';
import { DEFINITIONS, INPUT } from './step-functions-definitions.js';

const DURATION_MS = Number(process.env.BENCH_SFN_MS ?? 3000);

const classify = async () => ({ queue: 'billing', confidence: 0.9 });
const runner: TaskRunner = { run: async () => classify() };
const noSleep = async () => undefined;

async function rate(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await run(); // warm up
  let count = 0;
  const end = performance.now() + DURATION_MS;
  while (performance.now() < end) {
    await Promise.all(Array.from({ length: 10 }, run));
    count += 10;
  }
  return count / (DURATION_MS / 1000);
}

async function main() {
  const memory = await memoryPerThousandWaiting();
  console.log(`\nStep Functions engine benchmark (executions/s, ${DURATION_MS / 1000} s each, Node ${process.versions.node})\n`);
  console.log(
    '| definition | engine (in memory) | EXPRESS via StartSyncExecution | STANDARD, durable in SQLite | aws-local-stepfunctions | EXPRESS / peer | STANDARD / peer |\n| --- | --- | --- | --- | --- | --- | --- |',
  );
  const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-sfn-bench-'));
  const db = openDatabase(path.join(folder, 'states.sqlite'));
  const service = new StatesService({
    db,
    accountId: '000000000000',
    region: 'us-east-1',
    sleep: noSleep,
    integrations: [{ name: 'lambda', iam: lambdaIam, stepFunctions: lambdaStepFunctions }],
    services: { lambda: { invoke: async () => ({ ok: true, payload: JSON.stringify(await classify()), requestId: 'r' }) } },
  });
  await service.start();
  for (const [name, definition] of Object.entries(DEFINITIONS)) {
    const text = JSON.stringify(definition);
    const machine = parseDefinition(text);
    let n = 0;
    const ours = await rate(async () => {
      const id = `e${n++}`;
      const { result } = startExecution({
        definition: machine,
        input: JSON.stringify(INPUT),
        name: id,
        executionArn: `arn:aws:states:us-east-1:000000000000:express:bench:${id}`,
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:bench',
        stateMachineName: 'bench',
        taskRunner: runner,
        sleep: noSleep,
      });
      const outcome = await result;
      if (outcome.status !== 'SUCCEEDED') throw new Error(`${name}: ${outcome.error} ${outcome.cause}`);
    });
    const slug = name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40);
    const { stateMachineArn: expressArn } = await service.CreateStateMachine({
      name: `express-${slug}`,
      definition: text,
      roleArn: 'arn:aws:iam::000000000000:role/bench',
      type: 'EXPRESS',
    });
    const express = await rate(async () => {
      const outcome = await service.StartSyncExecution({ stateMachineArn: expressArn, input: JSON.stringify(INPUT) });
      if (outcome.status !== 'SUCCEEDED') throw new Error(`${name}: ${JSON.stringify(outcome)}`);
    });
    const { stateMachineArn: standardArn } = await service.CreateStateMachine({
      name: `standard-${slug}`,
      definition: text,
      roleArn: 'arn:aws:iam::000000000000:role/bench',
      type: 'STANDARD',
    });
    const signal = new AbortController().signal;
    const standard = await rate(async () => {
      const { executionArn } = await service.StartExecution({ stateMachineArn: standardArn, input: JSON.stringify(INPUT) });
      const outcome = await service.executionOutcome(executionArn, signal);
      if (outcome.status !== 'SUCCEEDED') throw new Error(`${name}: ${JSON.stringify(outcome)}`);
    });
    const peer = new PeerStateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: false } });
    const peerRate = await rate(async () => {
      const execution = peer.run(INPUT, { overrides: { taskResourceLocalHandlers: { Classify: classify } } });
      await execution.result;
    });
    console.log(
      `| ${name} | ${ours.toFixed(0)} | ${express.toFixed(0)} | ${standard.toFixed(0)} | ${peerRate.toFixed(0)} | ${(express / peerRate).toFixed(2)}x | ${(standard / peerRate).toFixed(2)}x |`,
    );
  }
  await service.close();
  db.close();
  rmSync(folder, { recursive: true, force: true });
  console.log(`\nmemory: ${memory}`);
}

/** Heap per thousand executions parked in a one-hour Wait state, measured before anything else runs. */
async function memoryPerThousandWaiting(): Promise<string> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return '(run with node --expose-gc for the memory figure)';
  const waiting = parseDefinition(JSON.stringify({ StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } } }));
  gc();
  const before = process.memoryUsage().heapUsed;
  const handles = Array.from({ length: 1000 }, (_, i) =>
    startExecution({
      definition: waiting,
      input: JSON.stringify(INPUT),
      name: `w${i}`,
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:wait:w${i}`,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:wait',
      stateMachineName: 'wait',
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  const after = process.memoryUsage().heapUsed;
  for (const handle of handles) handle.stop();
  await Promise.all(handles.map((h) => h.result));
  return `${((after - before) / 1024 / 1024).toFixed(1)} MiB of heap per 1,000 executions waiting in a Wait state (the engine alone, input of ${JSON.stringify(INPUT).length} bytes)`;
}

await main();
process.exit(0);
