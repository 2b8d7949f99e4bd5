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
    // The shell's `sleep 0` is left to `sleep 5` when the shell execs it, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
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
