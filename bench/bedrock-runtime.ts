/**
 * The local runtime bench:bedrock measures, in a process of its own as `switchyard dev` runs
 * (bench/bedrock.ts starts it): in the bench's process, the client's and the stand-in
 * backend's garbage would pause the runtime, and its garbage them.
 *
 *   node --import tsx bench/bedrock-runtime.ts <backend url>
 *
 * Prints `READY <endpoint url>` once it answers; stops on SIGTERM.
 */
import { rmSync } from 'node:fs';
import { LocalRuntime } from '../local/runtime.js';
import { tempAssemblyDir, writeAssembly } from '../test/local/assembly.js';
import { tempDataDir } from '../test/local/helpers.js';

const backendUrl = process.argv[2];
if (backendUrl === undefined) throw new Error('usage: bench/bedrock-runtime.ts <backend url>');
const dataDir = tempDataDir();
const assembly = tempAssemblyDir();
writeAssembly(assembly, {});
const runtime = await LocalRuntime.start({ cdkOut: assembly, dataDir, port: 0, log: () => {}, models: `openai:${backendUrl}` });
process.stdout.write(`READY ${runtime.url}\n`);
process.once('SIGTERM', () => {
  void runtime.stop().finally(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(assembly, { recursive: true, force: true });
    process.exit(0);
  });
});
