import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processAlive } from '../../contracts/process-alive.js';

describe('processAlive', () => {
  it('says this process runs and an ended one does not', async () => {
    expect(processAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    expect(processAlive(child.pid as number)).toBe(false);
  });

  it.runIf(process.platform === 'linux')('says a zombie does not run, though its pid answers signal 0 until it is reaped', async () => {
    // A parent that never waits: its ended child stays a zombie. Not a shell's `sleep 0 & exec sleep 5`:
    // a shell that reaps on SIGCHLD (bash) may reap the child before the exec, and the pid is gone.
    const script = '$| = 1; my $pid = fork(); if ($pid == 0) { exit 0 } print "$pid\\n"; sleep 30;';
    const parent = spawn('perl', ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const zombie = Number(line.toString().trim());
      // Until it has ended: then its entry stays, a zombie's.
      const deadline = Date.now() + 10_000;
      while (processAlive(zombie) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(processAlive(zombie)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
      await once(parent, 'exit');
    }
  });
});
