import { AwsError } from '../../endpoint/aws-error.js';
import { localPython } from './hosts/python-interpreter.js';
import { endedRuntime } from './runtime-lifecycle.js';

/** The Node.js major version the local runtime runs every Node.js function on. */
const LOCAL_NODE_MAJOR = Number(process.versions.node.split('.')[0]);

export type RuntimeSupport =
  /** The runtime matches this machine's Node.js or Python: functions run as in Lambda. */
  | 'same'
  /** Another version of Node.js or Python: functions run, but on this machine's. */
  | 'other-version'
  /** Java, .NET, Ruby, OS-only (`provided.*`), or Python without a python3 here: functions load, their invocations fail. */
  | 'unsupported';

/** The languages whose functions run locally, each in its own kind of execution environment (environment-pool.ts). */
export type RuntimeLanguage = 'nodejs' | 'python';

export function runtimeLanguage(runtime: string): RuntimeLanguage | undefined {
  if (/^nodejs\d+\.x$/.test(runtime)) return 'nodejs';
  if (/^python3\.\d+$/.test(runtime)) return 'python';
  return undefined;
}

export function runtimeSupport(runtime: string): RuntimeSupport {
  const node = /^nodejs(\d+)\.x$/.exec(runtime);
  if (node) return Number(node[1]) === LOCAL_NODE_MAJOR ? 'same' : 'other-version';
  if (runtimeLanguage(runtime) !== 'python') return 'unsupported';
  const python = localPython();
  if (!python) return 'unsupported';
  return runtime === `python${python.version}` ? 'same' : 'other-version';
}

/** Why a function of this runtime does not run here. */
function unsupportedReason(runtime: string): string {
  if (runtimeLanguage(runtime) === 'python') {
    return `Python functions run locally on the machine's python3, and ${localPythonProblem()}`;
  }
  return 'only Node.js and Python functions run locally';
}

function localPythonProblem(): string {
  return process.env.SWITCHYARD_PYTHON
    ? `SWITCHYARD_PYTHON=${process.env.SWITCHYARD_PYTHON} does not run as a Python 3`
    : 'none was found (no python3 on PATH; SWITCHYARD_PYTHON names another)';
}

/** Lambda's Invoke error for a function whose runtime does not run here. */
export function unsupportedRuntimeError(fn: { readonly name: string; readonly runtime: string }): AwsError {
  return new AwsError(
    'InvalidRuntimeException',
    `The runtime ${fn.runtime} of function ${fn.name} is not supported by the local runtime: ${unsupportedReason(fn.runtime)}`,
    502,
  );
}

/** The start-up warnings about functions whose runtime the local runtime does not run as declared, or Lambda no longer creates. */
export function runtimeWarnings(functions: readonly { name: string; runtime: string }[]): string[] {
  const warnings: string[] = [];
  const listed = (fns: readonly { name: string; runtime: string }[]) => fns.map((f) => `${f.name} (${f.runtime})`).join(', ');
  const otherVersion = (language: RuntimeLanguage) =>
    functions.filter((f) => runtimeLanguage(f.runtime) === language && runtimeSupport(f.runtime) === 'other-version');
  const otherNode = otherVersion('nodejs');
  if (otherNode.length > 0) {
    warnings.push(
      `functions ${listed(otherNode)} declare another Node.js runtime than this machine's ` +
        `Node.js ${LOCAL_NODE_MAJOR}; they run on Node.js ${LOCAL_NODE_MAJOR} here, so version differences (built-in APIs, ` +
        `the AWS SDK version the runtime provides) will not show locally`,
    );
  }
  const otherPython = otherVersion('python');
  // Only an app with Python functions asks the machine for its Python (a process at start-up).
  const python = otherPython.length > 0 ? localPython() : undefined;
  if (python) {
    warnings.push(
      `functions ${listed(otherPython)} declare another Python runtime than this machine's Python ${python.version} ` +
        `(${python.executable}); they run on Python ${python.version} here, so version differences (the language, the ` +
        `standard library, the boto3 the runtime provides: here the machine's${python.boto3 ? ` ${python.boto3}` : ', none installed'}) will not show locally`,
    );
  }
  for (const f of functions) {
    const ended = endedRuntime(f.runtime);
    if (ended === undefined) continue;
    warnings.push(
      `function ${f.name} (${f.runtime}): Lambda no longer creates functions on ${f.runtime} (deprecated on ${ended.deprecated}, ` +
        `creation blocked since ${ended.creationBlocked}; its successor: ${ended.successor}), so deploying this template fails where ` +
        `it creates the function, and CreateFunction refuses ${f.runtime} here as in AWS; the template's function runs here anyway`,
    );
  }
  for (const f of functions.filter((fn) => runtimeSupport(fn.runtime) === 'unsupported')) {
    warnings.push(`function ${f.name} (${f.runtime}): ${unsupportedReason(f.runtime)}; its invocations fail with InvalidRuntimeException`);
  }
  return warnings;
}

/** The start-up report's line naming the Python that Python functions run on, when the app has any. */
export function pythonReportLines(functions: readonly { name: string; runtime: string }[]): string[] {
  if (!functions.some((f) => runtimeLanguage(f.runtime) === 'python')) return [];
  const python = localPython();
  if (!python) return [];
  const boto3 = python.boto3 ? `boto3 ${python.boto3}` : 'no boto3 (functions that import it fail to init)';
  return [`  Python functions run on Python ${python.version} (${python.executable}), with its ${boto3}`];
}
