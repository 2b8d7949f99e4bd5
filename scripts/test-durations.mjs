#!/usr/bin/env node
// Writes test/durations.json, the file times test/sequencer.ts starts npm test's longest files
// first by, from a JSON report of a whole run:
//   npx vitest run --reporter=json --outputFile=/tmp/report.json && node scripts/test-durations.mjs /tmp/report.json
// Every file is listed (one that is not is taken for a new one), to the tenth of a second: the
// order the times give is what counts.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const [report] = process.argv.slice(2);
if (report === undefined) throw new Error('usage: node scripts/test-durations.mjs <vitest JSON report of a whole run>');
const root = path.resolve(import.meta.dirname, '..');
const { testResults } = JSON.parse(readFileSync(report, 'utf8'));
// The run measured is usually another clone's (a fresh one, quiet): each file is named by its path
// in that clone's test/ folder, not relative to this checkout (which named them ../../tmp/...,
// and the sequencer then knew no file at all).
// The folder common to every file is that clone's test/ (or one inside it, for a partial run).
let common = path.dirname(testResults[0]?.name ?? '');
while (!testResults.every((file) => file.name.startsWith(`${common}${path.sep}`))) common = path.dirname(common);
const testFolder = `${common}${path.sep}`.lastIndexOf(`${path.sep}test${path.sep}`);
if (testFolder < 0) throw new Error(`${report}: its files are not under a test/ folder (${common})`);
const inRepository = (file) =>
  file
    .slice(testFolder + 1)
    .split(path.sep)
    .join('/');
const durations = Object.fromEntries(
  testResults
    .map((file) => [inRepository(file.name), Math.round((file.endTime - file.startTime) / 100) * 100])
    .sort(([a, msA], [b, msB]) => msB - msA || (a < b ? -1 : 1)),
);
writeFileSync(path.join(root, 'test', 'durations.json'), `${JSON.stringify(durations, null, 2)}\n`);
console.log(`test/durations.json: ${Object.keys(durations).length} files`);
