#!/usr/bin/env node
/**
 * Where one thread's CPU went, from `perf record -g` samples (perf samples a thread only while it
 * runs, so on a loaded machine its shares are CPU, where a `--cpu-prof` profile's are wall time):
 * the share of samples under each JavaScript function (inclusive, counted once a sample), or with
 * `--leaf` the innermost function of this repository's code in each sample (its self time with
 * the native work it called: SQLite, the kernel), and the layers the samples ended in.
 *
 *   perf script -i run.data --comm MainThread -F tid,ip,sym | node scripts/perf-stacks.mjs --top 40
 *   perf script -i run.data --comm dynamodb -F tid,ip,sym | node scripts/perf-stacks.mjs --leaf
 *
 * Profiles from `BENCH_PERF=/tmp/perf BENCH_NODE_FLAGS=--perf-basic-prof npm run bench:runtime-pairs -- .`
 * (docs/benchmarks.md); the runtime names its threads `MainThread`, `dynamodb`, `fn:<function>`,
 * and V8's are `V8Worker`.
 */
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const top = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 40;
const leaf = args.includes('--leaf');
if (!Number.isInteger(top) || top <= 0) {
  console.error('usage: perf script -F tid,ip,sym | node scripts/perf-stacks.mjs [--top N] [--leaf]');
  process.exit(2);
}

/** A frame as a reader recognises it: the repository's path, or the package in node_modules. */
function frame(symbol) {
  return symbol
    .replace(/^JS:[*~^+']*/, '')
    .replace(/file:\/\/\/\S*?\/((?:local|bench|lambdas|node_modules)\/)/, '$1')
    .replace(/node_modules\/\.cache\/switchyard-dynamodb-engine\/[0-9a-f]+\//, '(engine bundle) ');
}

const REPOSITORY = /\/(local|lambdas)\/|switchyard-dynamodb-engine/;
/** The layer a sample ended in: its innermost frame that names one. */
const LAYERS = [
  ['SQLite', /sqlite3|^pager|^btree|^balance|^vdbe|Vdbe|^wal[A-Z]|^pcache/],
  [
    'the kernel (system calls, page faults)',
    /^(pvm_irq_enable|entry_SYSCALL|do_syscall|__x64_sys|clear_page|exc_page_fault|asm_exc_page_fault)/,
  ],
  ['garbage collection', /Scaveng|MarkCompact|Heap::Collect|MinorGC|Sweeper|Marking/],
  ['JSON', /Json(Parser|Stringif)/],
];

const samples = readFileSync(0, 'utf8')
  .split(/\n\s*\n/)
  .map((block) =>
    block
      .split('\n')
      .slice(1)
      .map((line) => line.trim().replace(/^[0-9a-f]+ /, ''))
      .filter(Boolean),
  )
  .filter((stack) => stack.length > 0);
if (samples.length === 0) {
  console.error('no samples on stdin: pipe `perf script -F tid,ip,sym` into it');
  process.exit(2);
}

const counts = new Map();
const layers = new Map();
const count = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
for (const stack of samples) {
  if (leaf) {
    const own = stack.find((symbol) => symbol.startsWith('JS:') && REPOSITORY.test(symbol));
    count(counts, own ? frame(own) : `(no frame of this repository) ${frame(stack[0])}`);
  } else {
    for (const name of new Set(stack.filter((symbol) => symbol.startsWith('JS:')).map(frame))) count(counts, name);
  }
  const layer = LAYERS.find(([, pattern]) => stack.some((symbol) => pattern.test(symbol)));
  count(layers, layer ? layer[0] : 'JavaScript and the rest of Node');
}

const share = (n) => `${((100 * n) / samples.length).toFixed(1)}%`;
console.log(
  `${samples.length} samples\n\n| ${leaf ? 'innermost function of this repository' : 'function (inclusive)'} | share |\n| --- | --- |`,
);
for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| \`${name.slice(0, 120)}\` | ${share(n)} |`);
console.log('\n| the sample ran in | share |\n| --- | --- |');
for (const [name, n] of [...layers].sort((a, b) => b[1] - a[1])) console.log(`| ${name} | ${share(n)} |`);
