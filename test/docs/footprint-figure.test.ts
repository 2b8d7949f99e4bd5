import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FOOTPRINT_PAGES, statedFigures } from '../../bench/footprint-figure.js';

const root = path.resolve(import.meta.dirname, '../..');

describe("the library's footprint in the docs", () => {
  it('is one figure, the one npm run bench:footprint writes, on every page that states it', () => {
    const figures = statedFigures(root);
    expect(figures.map((f) => f.page)).toEqual(FOOTPRINT_PAGES);
    expect(new Set(figures.map((f) => f.mb)).size).toBe(1);
    // Within the budget bench/footprint.ts holds the library to.
    expect(figures[0]?.mb).toBeLessThanOrEqual(60);
  });
});
