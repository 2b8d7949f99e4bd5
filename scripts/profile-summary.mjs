#!/usr/bin/env node
/**
 * Where a CPU profile's time went: the self time of each function (by name, file and line) in
 * one or more `.cpuprofile` files (Node's `--cpu-prof`), the top N as a Markdown table, the
 * flame graph's widest leaves. Idle and the garbage collector are rows of their own, as the
 * profiler names them; `--by-file` sums by file instead.
 *
 *   node scripts/profile-summary.mjs /tmp/prof/*.cpuprofile            # top 40 functions
 *   node scripts/profile-summary.mjs --top 20 --by-file /tmp/prof/x.cpuprofile
 *
 * Profiles from `BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench:runtime`
 * (docs/benchmarks.md): the runtime's main thread, and the DynamoDB engine's thread, the one
 * worker given the flags (`CPU.<date>.<time>.<pid>.<thread id>.<n>.cpuprofile`: the main thread's id is 0).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const args = process.argv.slice(2);
let top = 40;
let byFile = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--top') top = Number(args[++i]);
  else if (arg === '--by-file') byFile = true;
  else files.push(arg);
}
if (files.length === 0 || !Number.isInteger(top) || top <= 0) {
  console.error('usage: node scripts/profile-summary.mjs [--top N] [--by-file] <file.cpuprofile>...');
  process.exit(2);
}

/** The repository's folders whose code a runtime's profile shows (a checkout anywhere: a worktree, a copy in /tmp). */
const SOURCE = /\/((?:local|bench|clients|contracts|lambdas|cli|inspect|testing|lib|domain)\/.*)$/;

/** Shortens a url to the part a reader recognises: the repository's path, or the package in node_modules. */
function where(url) {
  if (!url) return '';
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) return file.slice(modules + '/node_modules/'.length);
  return SOURCE.exec(file)?.[1] ?? path.relative(process.cwd(), file);
}

/** A line number only where it means something: tsx compiles TypeScript, and its profile's lines are the compiled file's. */
function line(url, lineNumber) {
  return !url || /\.[cm]?ts$/.test(url) ? '' : `:${lineNumber + 1}`;
}

const self = new Map();
let totalUs = 0;
let idleUs = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]);
    const us = timeDeltas[i] ?? 0;
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    totalUs += us;
    const name = functionName || '(anonymous)';
    const key = byFile ? where(url) || name : `${name}\t${where(url)}${line(url, lineNumber)}`;
    self.set(key, (self.get(key) ?? 0) + us);
  }
}

const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`${files.length} profile(s): ${(totalUs / 1000).toFixed(0)} ms busy, ${(idleUs / 1000).toFixed(0)} ms idle\n`);
console.log(
  byFile ? '| file | self ms | % of busy |\n| --- | --- | --- |' : '| function | where | self ms | % of busy |\n| --- | --- | --- | --- |',
);
for (const [key, us] of rows) {
  const cells = byFile ? [key] : key.split('\t');
  console.log(
    `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} | ${(us / 1000).toFixed(1)} | ${((100 * us) / totalUs).toFixed(1)} |`,
  );
}
