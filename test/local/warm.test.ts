import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { launchRuntime, launchSettings } from '../../local/launcher.js';
import { LocalRuntime } from '../../local/runtime.js';
import { assemblyOf } from './assembly.js';
import { credentials, eventually, region, tempDataDir } from './helpers.js';
import { inlineFunction, stateMachine } from './template-resources.js';

const folders: string[] = [];
const runtimes: LocalRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const ROLE = 'arn:aws:iam::000000000000:role/app';

/** An app with a function whose init appends its time to a file, and a state machine whose definition does not compile. */
function writeApp(inits?: string, answer = 'ok') {
  const file = inits ?? path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-inits-')), 'inits');
  if (inits === undefined) writeFileSync(file, '');
  const code = `const { appendFileSync } = require('node:fs');
    appendFileSync(process.env.INITS, Date.now() + '\\n');
    exports.handler = async () => '${answer}';`;
  const cdkOut = assemblyOf(
    {
      Counted: inlineFunction(code, { FunctionName: 'counted', Role: ROLE, Environment: { Variables: { INITS: file } } }),
      Broken: stateMachine({ StartAt: 'Missing', States: { Done: { Type: 'Succeed' } } }, { StateMachineName: 'broken', RoleArn: ROLE }),
    },
    'App',
  );
  folders.push(cdkOut, path.dirname(file));
  return { cdkOut, file, inits: () => readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) };
}

/** The app started as `switchyard dev` starts it (launchRuntime), its console lines kept. */
async function launch(cdkOut: string, lines: string[] = []): Promise<LocalRuntime> {
  const dataDir = tempDataDir();
  folders.push(dataDir);
  const runtime = await launchRuntime({
    cdkOut,
    dataDir,
    settings: launchSettings({ port: '0' }),
    root: dataDir,
    started: performance.now(),
    out: () => {},
    warn: () => {},
    log: (line) => lines.push(line),
  });
  runtimes.push(runtime);
  return runtime;
}

describe('warming the runtime up', () => {
  it('initializes each function as switchyard dev starts, before its first event, which then runs in that environment', async () => {
    const { cdkOut, inits } = writeApp();
    const lines: string[] = [];
    const runtime = await launch(cdkOut, lines);
    const [initAt] = await eventually(async () => (inits().length > 0 ? inits() : undefined), 30_000, 'the function initialized');
    const lambda = new LambdaClient({ endpoint: runtime.url, region, credentials });
    const invoked = Date.now();
    const { LogResult } = await lambda.send(new InvokeCommand({ FunctionName: 'counted', LogType: 'Tail' }));
    expect(initAt).toBeLessThanOrEqual(invoked);
    expect(inits()).toHaveLength(1);
    // Its first invocation is still the environment's first: it reports the init phase's duration.
    expect(Buffer.from(LogResult ?? '', 'base64').toString()).toMatch(/REPORT RequestId: .*\tInit Duration: [\d.]+ ms/);
    // A definition that does not compile, compiled ahead: its executions fail as they would have.
    const sfn = new SFNClient({ endpoint: runtime.url, region, credentials });
    const refused = await sfn
      .send(new StartExecutionCommand({ stateMachineArn: `arn:aws:states:${region}:000000000000:stateMachine:broken` }))
      .catch((error: Error) => error);
    expect(refused).toMatchObject({ name: 'InvalidDefinition' });
    expect(lines.filter((line) => line.includes('warming up failed'))).toEqual([]);
  });

  it('initializes a function whose code a reload changed, before its next event', async () => {
    const { cdkOut, file, inits } = writeApp();
    const runtime = await launch(cdkOut);
    await eventually(async () => (inits().length === 1 ? true : undefined), 30_000, 'the function initialized');
    await runtime.reload(writeApp(file, 'changed').cdkOut);
    await eventually(async () => (inits().length === 2 ? true : undefined), 30_000, 'the changed function initialized');
    const invoked = await new LambdaClient({ endpoint: runtime.url, region, credentials }).send(
      new InvokeCommand({ FunctionName: 'counted' }),
    );
    expect(Buffer.from(invoked.Payload ?? new Uint8Array()).toString()).toBe('"changed"');
    expect(inits()).toHaveLength(2);
  });

  it('initializes no function of a runtime a program or test starts, until its first event', async () => {
    const { cdkOut, inits } = writeApp();
    const dataDir = tempDataDir();
    folders.push(dataDir);
    const runtime = await LocalRuntime.start({ cdkOut, dataDir, port: 0, log: () => {} });
    runtimes.push(runtime);
    const invoked = Date.now();
    await new LambdaClient({ endpoint: runtime.url, region, credentials }).send(new InvokeCommand({ FunctionName: 'counted' }));
    expect(inits()).toHaveLength(1);
    expect(inits()[0]).toBeGreaterThanOrEqual(invoked);
  });
});
