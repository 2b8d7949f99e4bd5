import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadVectors, runVector } from '../../../conformance/runner.js';

// Every recorded AWS execution runs as its own test; the ones listed in KNOWN_GAPS.json
// must still fail (so the list shrinks when the engine improves) and all others must pass.
const knownGaps = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../../../local/states/engine/KNOWN_GAPS.json'), 'utf8'),
) as Record<string, string>;
const allVectors = loadVectors();
// All 700 vectors take about 40 s of CPU, so npm test runs the first vector of each category and
// npm run test:conformance (SWITCHYARD_CONFORMANCE=1), which CI runs, runs every one.
const full = process.env.SWITCHYARD_CONFORMANCE !== undefined;
const vectors = full ? allVectors : allVectors.filter((v, i) => allVectors.findIndex((other) => other.category === v.category) === i);
const byCategory = new Map<string, typeof vectors>();
for (const v of vectors) byCategory.set(v.category, [...(byCategory.get(v.category) ?? []), v]);
const tally = new Map<string, { pass: number; total: number }>();

describe('ASL conformance', () => {
  afterAll(() => {
    let pass = 0;
    const lines = [...tally].sort().map(([category, t]) => {
      pass += t.pass;
      return `${((100 * t.pass) / t.total).toFixed(1).padStart(5)}%  ${t.pass}/${t.total}  ${category}`;
    });
    lines.push(
      `${((100 * pass) / vectors.length).toFixed(1).padStart(5)}%  ${pass}/${vectors.length}  ${full ? 'overall' : 'overall (one vector per category: npm run test:conformance runs all)'}`,
    );
    console.log(lines.join('\n'));
  });

  it('lists only vectors that exist', () => {
    const files = new Set(allVectors.map((v) => v.file));
    expect(Object.keys(knownGaps).filter((f) => !files.has(f))).toEqual([]);
  });

  for (const [category, cases] of byCategory) {
    describe(category, () => {
      for (const vector of cases) {
        const gap = knownGaps[vector.file];
        it(`${gap ? 'still fails (known gap) ' : 'matches AWS for '}${vector.file}`, async () => {
          const result = await runVector(vector);
          const t = tally.get(category) ?? { pass: 0, total: 0 };
          t.total++;
          if (result.pass) t.pass++;
          tally.set(category, t);
          if (gap) expect(result.pass, `listed in KNOWN_GAPS.json but now passes: ${gap}`).toBe(false);
          else expect(result.pass, result.reason).toBe(true);
        });
      }
    });
  }
});
