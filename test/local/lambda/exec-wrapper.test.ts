import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { execWrapperPath } from '../../../local/lambda/runtime/hosts/exec-wrapper.js';
import { zip } from '../../helpers/zip-archive.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

describe('AWS_LAMBDA_EXEC_WRAPPER: where its script is', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'switchyard-wrapper-'));
  const file = (relative: string) => {
    const at = path.join(root, relative);
    mkdirSync(path.dirname(at), { recursive: true });
    writeFileSync(at, '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    return at;
  };
  const task = path.join(root, 'task');
  const layers = [path.join(root, 'layer1'), path.join(root, 'layer2')];
  const inTask = file('task/bin/wrap');
  const inFirst = file('layer1/wrap');
  const inBoth = [file('layer1/both'), file('layer2/both')];
  const wrapper = (named: string) => execWrapperPath({ AWS_LAMBDA_EXEC_WRAPPER: named }, task, layers);

  it('finds /var/task/... in the code folder and /opt/... in the last layer that holds it', () => {
    expect(wrapper('/var/task/bin/wrap')).toBe(inTask);
    expect(wrapper('/opt/wrap')).toBe(inFirst);
    expect(wrapper('/opt/both')).toBe(inBoth[1]);
  });

  it('runs none when the variable is unset or names an /opt script no layer holds (a stand-in layer has no files)', () => {
    expect(execWrapperPath({}, task, layers)).toBeUndefined();
    expect(wrapper('/opt/otel-handler')).toBeUndefined();
  });

  it('runs any other script where it is said to be, there or not (one that is not fails as in Lambda)', () => {
    expect(wrapper('/var/task/missing')).toBe(path.join(task, 'missing'));
    expect(wrapper('/idontexist.sh')).toBe('/idontexist.sh');
  });
});

describe('AWS_LAMBDA_EXEC_WRAPPER: a function started through it', () => {
  const app = restartableRuntime({
    assembly: () => assemblyOf({}),
    ownsAssembly: true,
    clients: (runtime) => ({ lambda: new LambdaClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
  });

  const handlers = {
    nodejs: {
      file: 'index.js',
      body: 'exports.handler = async () => ({ wrapped: process.env.WRAPPED ?? null, lang: process.env.LANG });\n',
    },
    python: {
      file: 'index.py',
      body: 'import os\ndef handler(event, context):\n    return {"wrapped": os.environ.get("WRAPPED"), "lang": os.environ.get("LANG")}\n',
    },
  };
  let counter = 0;
  const invokeWrapped = async (language: 'nodejs' | 'python', wrapper: string, mode: number, named = '/var/task/wrap') => {
    const FunctionName = `wrapped-${language}-${++counter}`;
    const handler = handlers[language];
    await app.lambda.send(
      new CreateFunctionCommand({
        FunctionName,
        Runtime: language === 'nodejs' ? 'nodejs22.x' : 'python3.12',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/wrapped',
        Code: {
          ZipFile: zip([
            { path: handler.file, body: handler.body },
            { path: 'wrap', body: wrapper, mode },
          ]),
        },
        Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: named } },
      }),
    );
    await waitUntilFunctionActiveV2({ client: app.lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 }, { FunctionName });
    const answer = await app.lambda.send(new InvokeCommand({ FunctionName }));
    return { error: answer.FunctionError, payload: JSON.parse(Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8')) };
  };

  it.each(['nodejs', 'python'] as const)('runs the %s runtime with the environment the script exported', async (language) => {
    const answer = await invokeWrapped(language, '#!/bin/sh\nexport WRAPPED=yes\nexec "$@"\n', 0o100755);
    expect(answer).toEqual({ error: undefined, payload: { wrapped: 'yes', lang: 'en_US.UTF-8' } });
  });

  it.each(['nodejs', 'python'] as const)('fails the %s invocation as the runtime exiting when the script cannot run', async (language) => {
    // Not executable (the archive kept no permission to run it): a shell's 126.
    const denied = await invokeWrapped(language, '#!/bin/sh\nexec "$@"\n', 0o100644);
    expect(denied.error).toBe('Unhandled');
    expect(denied.payload).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 126$/),
    });
    // Not there (as AWS answers test_lambda_runtime_wrapper_not_found: 127); one that exits without starting the runtime, its status.
    const missing = await invokeWrapped(language, '', 0o100755, '/idontexist.sh');
    expect(missing.payload.errorMessage).toMatch(/exit status 127$/);
    const exits = await invokeWrapped(language, '#!/bin/sh\nexit 3\n', 0o100755);
    expect(exits.payload.errorMessage).toMatch(/exit status 3$/);
  });
});
