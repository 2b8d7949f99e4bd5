import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The library's footprint as the docs state it: `npm run bench:footprint` writes the figure it
 * measures between the `<!-- footprint -->` markers of these pages, so no page states one of
 * its own (test/docs/footprint-figure.test.ts checks that they hold one, the same).
 */
export const FOOTPRINT_PAGES = ['README.md', 'docs/getting-started.md'];
const MARKED = /<!-- footprint -->about (\d+) MB<!-- \/footprint -->/g;

/** The figure each page states, in MB (one per marker). */
export function statedFigures(root: string): { readonly page: string; readonly mb: number }[] {
  return FOOTPRINT_PAGES.flatMap((page) =>
    [...readFileSync(path.join(root, page), 'utf8').matchAll(MARKED)].map((m) => ({ page, mb: Number(m[1]) })),
  );
}

/** Writes the measured figure, rounded to a whole MB, into every page; returns the pages it changed. */
export function writeFigure(root: string, addedMb: number): string[] {
  const figure = `<!-- footprint -->about ${Math.round(addedMb)} MB<!-- /footprint -->`;
  const changed: string[] = [];
  for (const page of FOOTPRINT_PAGES) {
    const file = path.join(root, page);
    const before = readFileSync(file, 'utf8');
    const after = before.replace(MARKED, figure);
    if (after !== before) {
      writeFileSync(file, after);
      changed.push(page);
    }
  }
  return changed;
}
