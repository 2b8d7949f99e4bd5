import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..', '..');

/** The pages a reader follows links through: the README, docs/, the packages' READMEs and each folder's README. */
function pages(): string[] {
  const found = ['README.md', 'CHANGELOG.md'];
  for (const folder of ['docs', 'packages', 'cli', 'local', 'console', 'test/chaos']) {
    const walk = (dir: string): void => {
      for (const entry of readdirSync(path.join(repo, dir), { withFileTypes: true })) {
        const relative = path.join(dir, entry.name);
        // docs/api/ is TypeDoc's output (npm run docs:api), its links its own.
        if (entry.isDirectory()) {
          if (relative !== path.join('docs', 'api')) walk(relative);
        } else if (entry.name.endsWith('.md')) found.push(relative);
      }
    };
    if (existsSync(path.join(repo, folder))) walk(folder);
  }
  return found;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a markdown page: its headings (outside code blocks) and its explicit `<a id>`s. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) continue;
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) anchors.add(slug(heading[1] ?? ''));
    for (const match of line.matchAll(/<a id="([^"]+)"/g)) anchors.add(match[1] ?? '');
  }
  return anchors;
}

/** Each relative link of a page (outside code blocks), with its line. */
function linksOf(file: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  let fenced = false;
  readFileSync(path.join(repo, file), 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (text.startsWith('```')) fenced = !fenced;
      if (fenced) return;
      for (const match of text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1] ?? '';
        if (!/^(https?:|mailto:)/.test(target)) links.push({ target, line: index + 1 });
      }
    });
  return links;
}

describe('the documentation links', () => {
  it.each(pages())('in %s reach a file of the repository, and a heading or anchor there', (page) => {
    const broken: string[] = [];
    for (const { target, line } of linksOf(page)) {
      const [file = '', anchor] = target.split('#');
      const resolved = file === '' ? path.join(repo, page) : path.resolve(path.dirname(path.join(repo, page)), file);
      if (!existsSync(resolved)) {
        broken.push(`${page}:${line} ${target}: no such file`);
        continue;
      }
      if (
        anchor !== undefined &&
        anchor !== '' &&
        statSync(resolved).isFile() &&
        resolved.endsWith('.md') &&
        !anchorsOf(resolved).has(anchor)
      ) {
        broken.push(`${page}:${line} ${target}: ${path.relative(repo, resolved)} has no heading or anchor "${anchor}"`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("the documentation's shell lines", () => {
  it('set AWS_DEFAULT_REGION wherever they export AWS_REGION: the aws CLI v1 (Debian’s) reads only the former', () => {
    const lines = pages().flatMap((page) =>
      readFileSync(path.join(repo, page), 'utf8')
        .split('\n')
        .map((line, index) => ({ where: `${page}:${index + 1}`, line }))
        .filter(({ line }) => /^\s*export\s.*\bAWS_REGION=/.test(line)),
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter(({ line }) => !/\bAWS_DEFAULT_REGION=/.test(line)).map(({ where }) => where)).toEqual([]);
  });
});
