import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
const durations: Record<string, number> = JSON.parse(readFileSync(path.join(repo, 'test', 'durations.json'), 'utf8'));

describe('test/durations.json', () => {
  it('names each file by its path in the repository, which is how the sequencer looks a file up', () => {
    const misnamed = Object.keys(durations).filter((file) => !/^test\/[^.][\w./-]*\.test\.ts$/.test(file));
    expect(misnamed).toEqual([]);
  });

  it('knows the files there are: most of those it names exist (a file since moved is only unknown)', () => {
    const files = Object.keys(durations);
    const existing = files.filter((file) => existsSync(path.join(repo, file)));
    expect(existing.length / files.length).toBeGreaterThan(0.9);
  });
});
