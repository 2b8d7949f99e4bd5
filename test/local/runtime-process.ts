import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';

const root = path.join(import.meta.dirname, '../..');

/** A port nobody listens on right now, so a restarted runtime can take the same one. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `npm start`'s entry point running as its own process, so a test can kill it outright. */
export interface RuntimeProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
}

/** Starts runtimes as child processes and kills every one of them on `killAll`. */
export class RuntimeProcesses {
  readonly #children: ChildProcess[] = [];

  /** Starts `local/main.ts` on an existing assembly and resolves once it listens. */
  async start(cdkOut: string, dataDir: string, port: number): Promise<RuntimeProcess> {
    const child = spawn(
      process.execPath,
      // `--import tsx` keeps it one process: the tsx CLI would fork a child that outlives a SIGKILL.
      ['--import', 'tsx', 'local/main.ts', '--no-synth', '--cdk-out', cdkOut, '--data', dataDir, '--port', String(port)],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`runtime did not start:\n${output}`)), 30_000);
      const listening = () => {
        if (!output.includes('listening on')) return;
        clearTimeout(timer);
        child.stdout?.off('data', listening);
        resolve();
      };
      child.stdout?.on('data', listening);
      child.once('exit', (code) => reject(new Error(`runtime exited with ${code}:\n${output}`)));
    });
    return { child, output: () => output };
  }

  killAll(): void {
    for (const child of this.#children.splice(0)) child.kill('SIGKILL');
  }
}
