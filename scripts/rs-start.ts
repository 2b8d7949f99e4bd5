import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalRuntime } from '../local/runtime.js';
import { writeAssembly } from '../test/local/assembly.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rs-'));
const cdkOut = writeAssembly(path.join(dir, 'cdk.out'), { App: { template: { Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: {} } } } } });
const first = await LocalRuntime.start({ cdkOut, dataDir: path.join(dir, 'warm'), port: 0, log: () => {} });
await first.stop();
const N = Number(process.env.N ?? 20);
const c0 = process.cpuUsage(); const t0 = Date.now();
for (let i = 0; i < N; i++) {
  const t = Date.now(); const c = process.cpuUsage();
  const rt = await LocalRuntime.start({ cdkOut, dataDir: path.join(dir, `d${i}`), port: 0, log: () => {} });
  const ts = Date.now(); const cs = process.cpuUsage(c);
  await rt.stop();
  const cst = process.cpuUsage(c);
  if (i < 3) console.log(`start ${ts - t} ms (cpu ${(cs.user + cs.system) / 1000}), stop ${Date.now() - ts} ms (cpu ${(cst.user + cst.system - cs.user - cs.system) / 1000})`);
}
const c = process.cpuUsage(c0);
console.log(`per start+stop ${(Date.now() - t0) / N} ms wall, user ${c.user / 1000 / N} ms, sys ${c.system / 1000 / N} ms`);
