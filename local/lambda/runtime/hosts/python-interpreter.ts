import { spawnSync } from 'node:child_process';

/** The machine's Python that Python functions run on. */
export interface LocalPython {
  /** What the environments start (the interpreter itself, not a shim that finds it). */
  readonly executable: string;
  /** `3.11`: the `python3.x` runtime it is. */
  readonly version: string;
  /** Its boto3's version, when it has one: the SDK a function's code gets, as Lambda's runtime provides one. */
  readonly boto3?: string;
  /** Its aws-lambda-powertools's version, when it has one: what a Powertools for AWS Lambda (Python) layer can be provided with. */
  readonly powertools?: string;
}

/** Asks the interpreter what it is without importing boto3 (which takes a few hundred milliseconds). */
const PROBE = `import sys, json
from importlib.metadata import version
def installed(name):
    try:
        return version(name)
    except Exception:
        return None
print(json.dumps({"executable": sys.executable, "version": "%d.%d" % sys.version_info[:2], "boto3": installed("boto3"), "powertools": installed("aws-lambda-powertools")}))`;

const found = new Map<string, LocalPython | undefined>();

/**
 * The Python that Python functions run on: SWITCHYARD_PYTHON, else `python3` on PATH; undefined
 * when there is none. Asked once per command (a start-up with Python functions pays ~30 ms).
 */
export function localPython(): LocalPython | undefined {
  const command = localPython.command();
  if (!found.has(command)) found.set(command, probe(command));
  return found.get(command);
}

/** The command that starts Python here. */
localPython.command = (): string => process.env.SWITCHYARD_PYTHON || 'python3';

function probe(command: string): LocalPython | undefined {
  const result = spawnSync(command, ['-c', PROBE], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) return undefined;
  try {
    const answer = JSON.parse(result.stdout) as { executable: string; version: string; boto3: string | null; powertools: string | null };
    if (!/^3\.\d+$/.test(answer.version)) return undefined;
    return {
      executable: answer.executable,
      version: answer.version,
      ...(answer.boto3 ? { boto3: answer.boto3 } : {}),
      ...(answer.powertools ? { powertools: answer.powertools } : {}),
    };
  } catch {
    // Not a Python that answers as one: the same as none.
    return undefined;
  }
}
