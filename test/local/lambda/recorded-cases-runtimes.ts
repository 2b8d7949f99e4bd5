import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { localPython } from '../../../local/lambda/runtime/hosts/python-interpreter.js';
import type { KnownDifference } from '../../helpers/recorded-answers.js';
import { zip } from '../../helpers/zip-archive.js';
import { type Answer, asserted, type Replay, type ReplayContext } from './recorded-replay.js';

/**
 * LocalStack's multiruntime functions (tests/aws/services/lambda_/functions/common/<scenario>/,
 * copied to test/conformance/aws-recorded/lambda/runtimes/fixtures/): a scenario's folder for
 * the runtime itself (`nodejs16.x`) when it has one, else its language's (`nodejs`, `python`).
 */
const FIXTURES = new URL('../../conformance/aws-recorded/lambda/runtimes/fixtures/', import.meta.url);

/** The runtimes of the held cases: the Node.js and Python ones LocalStack's suite tests (TESTED_RUNTIMES). */
const NODE_RUNTIMES = ['nodejs16.x', 'nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x'] as const;
const PYTHON_RUNTIMES = ['python3.8', 'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14'] as const;
export const COMMON_RUNTIMES: readonly string[] = [...NODE_RUNTIMES, ...PYTHON_RUNTIMES];

/** A file of the archive: its path in the zip, its text, its Unix mode when it is not a plain file's. */
type ArchiveFile = { path: string; body: string; mode?: number };

/** The files of a scenario's function for a runtime. */
export function scenarioFiles(scenario: string, runtime: string): ArchiveFile[] {
  const own = new URL(`${scenario}/${runtime}/`, FIXTURES);
  const folder = existsSync(own) ? own : new URL(`${scenario}/${runtime.startsWith('nodejs') ? 'nodejs' : 'python'}/`, FIXTURES);
  return readdirSync(folder).map((file) => ({ path: file, body: readFileSync(new URL(file, folder), 'utf8') }));
}

/** The fixture's handler for the runtime's language (HANDLERS of LocalStack's lambda_utils.py). */
const handlerOf = (runtime: string) => (runtime.startsWith('nodejs') ? 'index.handler' : 'handler.handler');

/** `multiruntime_lambda.create_function`: the scenario's archive, its runtime and handler, waited for until not Pending; its answer. */
export function multiruntime(c: ReplayContext, scenario: string, runtime: string, input: object, extra: ArchiveFile[] = []) {
  return c.createAws({
    FunctionName: c.name(scenario),
    Runtime: runtime as never,
    Handler: handlerOf(runtime),
    Role: c.role,
    Code: { ZipFile: zip([...scenarioFiles(scenario, runtime), ...extra], `${scenario} ${runtime} ${c.name('archive')}`) },
    ...input,
  });
}

/** The payloads test_echo_invoke sends, each answered as it is (JSON: a string of 5 MiB and more among them). */
const ECHOED: readonly unknown[] = [
  { hello: 'world' },
  { hello: '\'" some other \'\'"" quotes, a emoji 🥳 and some brackets {[}}[([]))' },
  { hello: 'obi wan!'.repeat(128 * 1024 * 5) },
  true,
  false,
  null,
  [1, 2],
  1,
];

const echo =
  (runtime: string): Replay =>
  async (c) => {
    // The recording's 5 s: a function's timeout counts from its handler's start (AWS's does not count moving
    // the 5 MiB payload in and out either), so a loaded machine does not time the echo out.
    const created = await multiruntime(c, 'echo', runtime, { MemorySize: 1024, Timeout: 5 });
    const FunctionName = String(created.FunctionName);
    // As the test asserts: each payload answered as sent, with no FunctionError; no payload at all answered `{}`.
    const sent: [unknown, unknown][] = [...ECHOED.map((payload) => [payload, payload] as [unknown, unknown]), [undefined, {}]];
    for (const [payload, expected] of sent) {
      const answer = await c.lambda.send(
        new InvokeCommand({ FunctionName, Payload: payload === undefined ? undefined : JSON.stringify(payload) }),
      );
      const body: unknown = JSON.parse(Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8'));
      if (answer.StatusCode !== 200 || answer.FunctionError !== undefined || JSON.stringify(body) !== JSON.stringify(expected)) {
        const shown = JSON.stringify(payload)?.slice(0, 80);
        throw new Error(`${shown} was answered ${answer.StatusCode} ${answer.FunctionError ?? ''} ${JSON.stringify(body).slice(0, 80)}`);
      }
    }
    return {};
  };

/** The introspection function's answer (its environment, its context), parsed. */
const introspect = (c: ReplayContext, FunctionName: string) =>
  c.call(new InvokeCommand({ FunctionName, Payload: '{"simple": "payload"}' })).then((answer) => answer.Payload as Answer);

const introspection =
  (runtime: string): Replay =>
  async (c) => {
    const created = await multiruntime(c, 'introspection', runtime, {
      MemorySize: 1024,
      Environment: { Variables: { TEST_KEY: 'TEST_VAL' } },
    });
    return {
      create_function_result: created,
      invocation_result_payload: await introspect(c, String(created.FunctionName)),
      invocation_result_payload_qualified: await introspect(c, `${created.FunctionArn}:$LATEST`),
    };
  };

const uncaughtException =
  (runtime: string): Replay =>
  async (c) => {
    const created = await multiruntime(c, 'uncaughtexception', runtime, { MemorySize: 1024 });
    const error_result = await c.call(
      new InvokeCommand({ FunctionName: String(created.FunctionName), Payload: '{"error_msg": "some_error_msg"}' }),
    );
    return { create_function_result: created, error_result };
  };

/** test_runtime_wrapper_invoke's wrapper: a script in the archive that sets a variable, then runs the runtime it wraps. */
const WRAPPER = (value: string) => `#!/bin/bash\n  export WRAPPER_VAR=${value}\n  exec "$@"\n`;

const runtimeWrapper =
  (runtime: string): Replay =>
  async (c) => {
    const value = c.name('test-value');
    const wrapper = { path: 'environment_wrapper', body: WRAPPER(value), mode: 0o100755 };
    const created = await multiruntime(
      c,
      'introspection',
      runtime,
      { MemorySize: 1024, Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: '/var/task/environment_wrapper' } } },
      [wrapper],
    );
    // As the test asserts: the function ran under the wrapper, which set its variable.
    const answer = await c.call(new InvokeCommand({ FunctionName: String(created.FunctionName), Payload: '{"simple": "payload"}' }));
    const environment = (answer.Payload as { environment?: Record<string, string> }).environment;
    if (answer.StatusCode !== 200 || environment?.WRAPPER_VAR !== value) {
      throw new Error(`the wrapper's variable is ${environment?.WRAPPER_VAR}: ${JSON.stringify(answer).slice(0, 300)}`);
    }
    return { create_function_result: created };
  };

/** A function that lists SQS queues with the SDK its runtime provides, pointed at AWS_ENDPOINT_URL: it must not fail. */
const endpointInjection =
  (runtime: string): Replay =>
  async (c) => {
    const created = await multiruntime(c, 'endpointinjection', runtime, { MemorySize: 1024, Timeout: 15 });
    const answer = await c.call(new InvokeCommand({ FunctionName: String(created.FunctionName) }));
    if (answer.FunctionError !== undefined) throw new Error(`the function failed: ${JSON.stringify(answer.Payload)}`);
    return {};
  };

/** test_lambda_common.py's tests of the Node.js and Python runtimes, by snapshot key. */
export const COMMON_CASES: Record<string, Replay> = Object.fromEntries(
  COMMON_RUNTIMES.flatMap((runtime) => [
    [`TestLambdaRuntimesCommon::test_echo_invoke[${runtime}]`, echo(runtime)],
    [`TestLambdaRuntimesCommon::test_introspection_invoke[${runtime}]`, introspection(runtime)],
    [`TestLambdaRuntimesCommon::test_uncaught_exception_invoke[${runtime}]`, uncaughtException(runtime)],
    [`TestLambdaRuntimesCommon::test_runtime_wrapper_invoke[${runtime}]`, runtimeWrapper(runtime)],
    [`TestLambdaCallingLocalstack::test_manual_endpoint_injection[${runtime}]`, endpointInjection(runtime)],
  ]),
);

/** One of LocalStack's single-file functions (tests/aws/services/lambda_/functions/, in fixtures/functions/). */
export const functionSource = (file: string) => readFileSync(new URL(`functions/${file}`, FIXTURES), 'utf8');

/** test_invoke_nodejs_es6_lambda: `lambda_handler_es6.mjs`, an ES module, made by `create_lambda_function` and invoked. */
const nodeEs6 =
  (Runtime: string): Replay =>
  async (c) => {
    const name = c.name('test-function');
    const live: Answer = {
      'creation-result': await c.create(name, {
        Runtime: Runtime as never,
        Handler: 'lambda_handler_es6.handler',
        Code: { ZipFile: zip([{ path: 'lambda_handler_es6.mjs', body: functionSource('lambda_handler_es6.mjs') }], c.name('es6')) },
      }),
    };
    live['invocation-result'] = await c.call(
      new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ event_type: 'test_lambda' }) }),
    );
    return live;
  };

/** test_handler_in_submodule: `lambda_integration.py` at `localstack_package/def/main.py` (a package named by a keyword), `__init__.py` on the way. */
const handlerInSubmodule =
  (Runtime: string): Replay =>
  async (c) => {
    const name = c.name('test-function');
    const files = [
      { path: 'localstack_package/__init__.py', body: '' },
      { path: 'localstack_package/def/__init__.py', body: '' },
      { path: 'localstack_package/def/main.py', body: functionSource('lambda_integration.py') },
    ];
    await c.create(name, {
      Runtime: Runtime as never,
      Handler: 'localstack_package.def.main.handler',
      Code: { ZipFile: zip(files, c.name('sub')) },
    });
    const answer = await c.call(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
    return asserted({ StatusCode: [200, answer.StatusCode], event: [{}, (answer.Payload as { event?: unknown } | undefined)?.event] });
  };

/** test_python_runtime_correct_versions: `lambda_python_version.py` answers the interpreter's `python<major>.<minor>`, which must be the runtime's. */
const pythonVersion =
  (Runtime: string): Replay =>
  async (c) => {
    const name = c.name('test_python_executor');
    await c.create(name, {
      Runtime: Runtime as never,
      Code: { ZipFile: zip([{ path: 'handler.py', body: functionSource('lambda_python_version.py') }], c.name('v')) },
    });
    const answer = await c.call(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
    return asserted({ version: [Runtime, (answer.Payload as { version?: string } | undefined)?.version] });
  };

/** test_lambda_runtimes.py's tests of the Node.js and Python runtimes, by snapshot key. */
export const RUNTIME_CASES: Record<string, Replay> = Object.fromEntries([
  ...NODE_RUNTIMES.map((runtime) => [`TestNodeJSRuntimes::test_invoke_nodejs_es6_lambda[${runtime}]`, nodeEs6(runtime)]),
  ...PYTHON_RUNTIMES.flatMap((runtime) => [
    [`TestPythonRuntimes::test_handler_in_submodule[${runtime}]`, handlerInSubmodule(runtime)],
    [`TestPythonRuntimes::test_python_runtime_correct_versions[${runtime}]`, pythonVersion(runtime)],
  ]),
]);

/** The Python every Python function runs on here, whatever its runtime (python-interpreter.ts). */
const LOCAL_PYTHON = localPython()?.version;

/** The Python runtimes that are not the machine's: their functions run on its Python, and say so. */
const OTHER_PYTHON_VERSIONS: readonly KnownDifference[] = PYTHON_RUNTIMES.filter((runtime) => runtime !== `python${LOCAL_PYTHON}`).map(
  (runtime) => ({
    test: `TestPythonRuntimes::test_python_runtime_correct_versions[${runtime}]`,
    path: /^assert\.version$/,
    reason: `every Python function runs on this machine's python3 (${LOCAL_PYTHON}), whatever python3.x it declares (the start-up report names each that differs); its AWS_EXECUTION_ENV names the runtime it declares`,
  }),
);

/** An introspection answer's environment variables (both invocations'), by name. */
const variables = (...names: string[]) => new RegExp(`^invocation_result_payload(_qualified)?\\.environment\\.(${names.join('|')})$`);

/**
 * What the introspection functions' environments still show of where the local runtime runs
 * them (each the same in every Node.js and Python runtime, but those named).
 */
export const RUNTIME_KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  ...OTHER_PYTHON_VERSIONS,
  ...COMMON_RUNTIMES.flatMap((runtime) => {
    const test = `TestLambdaRuntimesCommon::test_introspection_invoke[${runtime}]`;
    const differences: KnownDifference[] = [
      {
        test,
        path: variables('AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_DISABLE_HOST_PREFIX_INJECTION'),
        reason:
          "the local runtime points the SDK in a function at itself (AWS_ENDPOINT_URL, DynamoDB's own endpoint; a Python function's " +
          'host prefixes off): without them the clients would call AWS (LocalStack does not compare AWS_ENDPOINT_URL either)',
      },
      {
        test,
        path: variables(
          'AWS_LAMBDA_RUNTIME_API',
          'AWS_XRAY_CONTEXT_MISSING',
          'AWS_XRAY_DAEMON_ADDRESS',
          '_AWS_XRAY_DAEMON_ADDRESS',
          '_AWS_XRAY_DAEMON_PORT',
          'POWERTOOLS_TRACE_ENABLED',
        ),
        reason:
          'no Runtime API serves the local environments (a worker thread, or a Python process on a file descriptor, speaks to the ' +
          'runtime) and no X-Ray daemon runs: the SDKs are told not to look for one (IGNORE_ERROR, Powertools tracing off) rather ' +
          "than given Lambda's daemon address",
      },
      {
        test,
        path: variables(
          'LAMBDA_TASK_ROOT',
          'LAMBDA_RUNTIME_DIR',
          'PWD',
          'PATH',
          'LD_LIBRARY_PATH',
          'NODE_PATH',
          'NODE_EXTRA_CA_CERTS',
          'PYTHONPATH',
        ),
        reason:
          "the folders are the machine's, not Lambda's image's: the code runs in its data folder (LAMBDA_TASK_ROOT; a Python " +
          "process's working directory, PWD), the programs are the machine's (PATH), and the runtime's own folders (/var/runtime, " +
          "/var/lang/lib, its CA bundle) do not exist; modules are found by the runtime's own resolution (module-resolution.mjs, " +
          "python-bootstrap.py's sys.path), not NODE_PATH or PYTHONPATH. A Node.js worker thread shares the runtime's working directory: no PWD",
      },
      {
        test,
        path: variables('SHLVL'),
        reason: 'Lambda starts its runtime from a shell script, which leaves SHLVL=0; no shell starts the local one',
      },
    ];
    if (['python3.8', 'python3.9', 'python3.10', 'python3.11'].includes(runtime)) {
      differences.push({
        test,
        path: variables('LC_CTYPE'),
        reason:
          "Python coerces the locale (PEP 538: LC_CTYPE=C.UTF-8) where LANG's en_US.UTF-8 is not installed, as on Lambda's " +
          "Amazon Linux 2023 images of python3.12 and later; this machine has no en_US.UTF-8 either, but python3.11's and older " +
          'images of Lambda have it',
      });
    }
    return differences;
  }),
];
