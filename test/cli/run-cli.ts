import { execFile } from 'node:child_process';
import * as path from 'node:path';

const MAIN = path.resolve(import.meta.dirname, '../../cli/main.ts');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node --import tsx cli/main.ts <args>` as a child process, as a user would. */
export function runCli(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { env: childEnv(options.env), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The test's environment without anything that would point the CLI elsewhere. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of Object.keys(env)) {
    const pointsElsewhere =
      ['SWITCHYARD_ENDPOINT', 'SWITCHYARD_TARGET', 'SWITCHYARD_CDK_OUT'].includes(name) || name.startsWith('AWS_ENDPOINT_URL');
    if (pointsElsewhere && !(name in extra)) delete env[name];
  }
  return env;
}
