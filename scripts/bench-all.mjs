// `npm run bench`: every benchmark, each to its end even when one before it missed a target
// (a missed target exits 1; chaining with && would skip the benchmarks after it), then exits
// 1 if any missed, naming which.
import { spawnSync } from 'node:child_process';

const BENCHES = [
  'bench:runtime',
  'bench:states',
  'bench:bundles',
  'bench:fairness',
  'bench:flow-control',
  'bench:footprint',
  'bench:testing',
  'bench:bedrock',
  'bench:iam',
  'bench:dynamodb',
  'bench:hosts',
  'bench:devloop',
];
const missed = [];
for (const bench of BENCHES) {
  // bench:devloop reports its misses and exits 0 unless BENCH_STRICT=1 (a quick run by hand is
  // not a failure); here a miss is one, as for every other benchmark.
  const env = { ...process.env, BENCH_STRICT: process.env.BENCH_STRICT ?? '1' };
  const { status } = spawnSync('npm', ['run', bench], { stdio: 'inherit', env });
  if (status !== 0) missed.push(`${bench} (exit ${status})`);
}
if (missed.length > 0) {
  console.error(`bench: ${missed.length} of ${BENCHES.length} missed a target or failed: ${missed.join(', ')}`);
  process.exit(1);
}
console.log(`bench: all ${BENCHES.length} met their targets`);
