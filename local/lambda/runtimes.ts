/** The Node.js major version the local runtime runs every Node.js function on. */
const LOCAL_NODE_MAJOR = Number(process.versions.node.split('.')[0]);

export type RuntimeSupport =
  /** The runtime matches this Node.js: functions run as in Lambda. */
  | 'same'
  /** Another Node.js runtime: functions run, but on this Node.js. */
  | 'other-node'
  /** Python, Java, .NET, Ruby, OS-only (`provided.*`): functions load, their invocations fail. */
  | 'unsupported';

export function runtimeSupport(runtime: string): RuntimeSupport {
  const node = /^nodejs(\d+)\.x$/.exec(runtime);
  if (!node) return 'unsupported';
  return Number(node[1]) === LOCAL_NODE_MAJOR ? 'same' : 'other-node';
}

/** The start-up warnings about functions whose runtime the local runtime does not run as declared. */
export function runtimeWarnings(functions: readonly { name: string; runtime: string }[]): string[] {
  const warnings: string[] = [];
  const otherNode = functions.filter((f) => runtimeSupport(f.runtime) === 'other-node');
  if (otherNode.length > 0) {
    warnings.push(
      `functions ${otherNode.map((f) => `${f.name} (${f.runtime})`).join(', ')} declare another Node.js runtime than this machine's ` +
        `Node.js ${LOCAL_NODE_MAJOR}; they run on Node.js ${LOCAL_NODE_MAJOR} here, so version differences (built-in APIs, ` +
        `the AWS SDK version the runtime provides) will not show locally`,
    );
  }
  for (const f of functions.filter((fn) => runtimeSupport(fn.runtime) === 'unsupported')) {
    warnings.push(
      `function ${f.name} (${f.runtime}): only Node.js functions run locally; its invocations fail with InvalidRuntimeException`,
    );
  }
  return warnings;
}
