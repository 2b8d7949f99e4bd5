/**
 * The local runtime bench:runtime measures, in a process of its own as `switchyard dev` runs
 * it (bench/local-runtime.ts starts it): the bench's own clients would otherwise share the
 * runtime's main thread, and the CPU each of the runtime's threads spends could not be told
 * from theirs.
 *
 *   node --import tsx bench/local-runtime-host.ts <cdk.out> <data folder> [--no-runtime-spans]
 *
 * Prints `READY <endpoint url>` once it answers; stops on SIGTERM.
 */
import { LocalRuntime } from '../local/runtime.js';

const [cdkOut, dataDir, ...flags] = process.argv.slice(2);
if (cdkOut === undefined || dataDir === undefined)
  throw new Error('usage: bench/local-runtime-host.ts <cdk.out> <data folder> [--no-runtime-spans]');
const runtime = await LocalRuntime.start({
  cdkOut,
  dataDir,
  port: 0,
  log: () => {},
  runtimeSpans: !flags.includes('--no-runtime-spans'),
});
process.stdout.write(`READY ${runtime.url}\n`);
process.once('SIGTERM', () => {
  void runtime.stop().finally(() => process.exit(0));
});
