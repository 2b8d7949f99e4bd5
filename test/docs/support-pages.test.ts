import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const docs = path.resolve(import.meta.dirname, '..', '..', 'docs');
const index = readFileSync(path.join(docs, 'local-runtime-support.md'), 'utf8');
const pages = readdirSync(path.join(docs, 'local-runtime')).filter((name) => name.endsWith('.md'));
/** The pages that are not one service's: the cross-cutting sections moved out of the index. */
const CROSS_CUTTING = ['resource-types.md'];

describe('docs/local-runtime-support.md', () => {
  it('keeps every line under 400 characters, so that a reader can scan its table', () => {
    const long = index.split('\n').flatMap((line, i) => (line.length >= 400 ? [`line ${i + 1}: ${line.length}`] : []));
    expect(long).toEqual([]);
  });

  it('links every page of docs/local-runtime/', () => {
    expect(pages.filter((name) => !index.includes(`](local-runtime/${name})`))).toEqual([]);
  });
});

describe('the service pages of docs/local-runtime/', () => {
  it.each(pages.filter((name) => !CROSS_CUTTING.includes(name)))(
    '%s says what runs, the API on the endpoint and where it differs from AWS, and links back to the index',
    (name) => {
      const page = readFileSync(path.join(docs, 'local-runtime', name), 'utf8');
      const headings = page.split('\n').filter((line) => /^#{2,3} /.test(line));
      for (const section of ['What runs', 'API on the endpoint', 'Where it differs from AWS']) {
        expect(headings, section).toContainEqual(expect.stringMatching(new RegExp(`^#{2,3} ${section}$`)));
      }
      expect(page).toContain('](../local-runtime-support.md)');
    },
  );
});
