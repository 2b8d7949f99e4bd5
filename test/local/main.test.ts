import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempAssemblyDir, writeAssembly } from './assembly.js';
import { eventually, processAlive, tempDataDir } from './helpers.js';
import { eventRule } from './template-resources.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Another app's assembly: a bus with one rule sending orders to a queue. */
function otherApp(): string {
  const dir = tempAssemblyDir();
  dirs.push(dir);
  return writeAssembly(dir, {
    Shop: {
      template: {
        Resources: {
          Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'shop' } },
          Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders' } },
          Rule: eventRule({ bus: 'Bus', pattern: { source: ['shop.checkout'], 'detail-type': ['OrderPlaced'] }, target: 'Queue', id: 'q' }),
        },
      },
    },
  });
}

/** Runs `npm start` (local/main.ts) and resolves with its output up to the start-up hint, then stops it. */
async function startMain(args: string[]): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', ...args], { cwd: process.cwd(), stdio: 'pipe' });
  children.push(child);
  let output = '';
  const lines = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up hint within 30 s; output so far:\n${output}`)), 30_000);
    const take = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/\n {2}try: .*\n/.test(output)) {
        clearTimeout(timer);
        resolve(output.split('\n'));
      }
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local/main.ts exited with ${code} before its hint:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return lines;
}

describe('npm start (local/main.ts)', () => {
  it("runs another app's assembly as it is with --cdk-out, never synthesizing into it, and hints from that app", async () => {
    const assembly = otherApp();
    // Older than every source file of this project: the old start-up would have synthesized into it.
    utimesSync(path.join(assembly, 'manifest.json'), new Date('2001-01-01'), new Date('2001-01-01'));
    const before = readdirSync(assembly).sort();
    const data = tempDataDir();
    dirs.push(data);
    const lines = await startMain(['--cdk-out', assembly, '--port', '0', '--data', data]);

    expect(lines[0]).toBe(`running the cloud assembly at ${assembly} as it is (only this project's own cdk.out is synthesized)`);
    expect(lines.join('\n')).not.toContain('synthesizing');
    expect(lines[1]).toMatch(/^Switchyard local runtime listening on http:\/\/127\.0\.0\.1:\d+ /);
    const hint = lines.find((line) => line.startsWith('  try: '));
    expect(hint).toContain(
      `events put-events --entries '[{"EventBusName":"shop","Source":"shop.checkout","DetailType":"OrderPlaced","Detail":"{}"}]'`,
    );
    expect(hint).not.toContain('ticket-created.json');
    expect(readdirSync(assembly).sort()).toEqual(before);
  }, 60_000);

  it('fails if the other folder holds no cloud assembly, saying to synthesize that app, without synthesizing this one', () => {
    const empty = tempAssemblyDir();
    dirs.push(empty);
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'local/main.ts', '--cdk-out', empty, '--port', '0'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`no cloud assembly at ${empty} (manifest.json is missing): synthesize that app first`);
    expect(result.stdout).not.toContain('synthesizing');
    expect(readdirSync(empty)).toEqual([]);
  });

  it('fails if an option is refused (--keep-events keeps nothing), naming it, before it starts', () => {
    const refused = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'local/main.ts', '--cdk-out', otherApp(), '--data', tempDataDir(), '--port', '0', '--keep-events', '0'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('--keep-events is "0"; it must be a whole number from 1 to 10000000');
    expect(refused.stdout).not.toContain('listening');
  });

  it("says in --help that another folder is run as it is, and documents the read API's options", () => {
    const help = spawnSync(process.execPath, ['--import', 'tsx', 'local/main.ts', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("any folder other than this project's cdk.out");
    expect(help.stdout).toContain('never synthesized');
    expect(help.stdout).toContain('--keep-events N, --keep-hours H');
  });

  it('stops once the npm process that started it has exited, as when npm is sent SIGTERM', async () => {
    const assembly = otherApp();
    const data = tempDataDir();
    dirs.push(data);
    // The shell stands for npm exec's: npm sets npm_command for what it runs, and dies of a SIGTERM without passing it on.
    const runtime = `'${process.execPath}' --import tsx local/main.ts --cdk-out '${assembly}' --port 0 --data '${data}'`;
    const npm = spawn('sh', ['-c', `${runtime} & echo "pid $!"; wait`], {
      cwd: process.cwd(),
      env: { ...process.env, npm_command: 'exec' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(npm);
    let output = '';
    npm.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    npm.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    await eventually(async () => output.includes('listening on') || undefined, 30_000, 'the runtime to listen');
    const pid = Number(/^pid (\d+)$/m.exec(output)?.[1]);
    npm.kill('SIGKILL');

    // Orphaned, the runtime is reaped by whatever adopts it: a zombie left unreaped has stopped all the same.
    const zombie = () => {
      try {
        return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false; // gone between the two looks: processAlive says so next time
      }
    };
    const stopped = () => !processAlive(pid) || zombie();
    await eventually(async () => stopped() || undefined, 30_000, `the runtime (pid ${pid}) to stop after npm exited`).catch(
      (error: Error) => {
        throw new Error(`${error.message}; it printed:\n${output}`, { cause: error });
      },
    );
    expect(output).toMatch(/stopping: the npm process that started it \(pid \d+\) has exited/);
  }, 90_000);
});
