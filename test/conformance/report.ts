/**
 * Prints the conformance pass rate per category:
 *   npx tsx test/conformance/report.ts [--failures] [filter]
 */
import { loadVectors, runVector } from './runner.js';

const args = process.argv.slice(2);
const showFailures = args.includes('--failures');
const filter = args.find((a) => !a.startsWith('--'));

const vectors = loadVectors().filter((v) => !filter || v.file.includes(filter));
const byCategory = new Map<string, { pass: number; total: number }>();
let pass = 0;
for (const v of vectors) {
  const r = await runVector(v);
  const c = byCategory.get(v.category) ?? { pass: 0, total: 0 };
  c.total++;
  if (r.pass) {
    c.pass++;
    pass++;
  } else if (showFailures) console.log(`FAIL ${v.file}\n     ${r.reason}`);
  byCategory.set(v.category, c);
}
const pct = (p: number, t: number) => `${((100 * p) / t).toFixed(1)}%`;
for (const [category, c] of [...byCategory].sort()) console.log(`${pct(c.pass, c.total).padStart(6)}  ${c.pass}/${c.total}  ${category}`);
console.log(`${pct(pass, vectors.length).padStart(6)}  ${pass}/${vectors.length}  overall`);
