import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The chaos suite and the durability tests start, crash and restart the app only through the
 * public testing API (`startApp`, `TestApp.crash()`), as a team's own tests would: none of
 * them imports a runtime, a launcher or a process of its own (issue 35).
 */
const repo = path.resolve(import.meta.dirname, '..', '..');
const SUITES = ['test/chaos', 'test/durability'];
const PRIVATE = [
  /local\/runtime\.js'/,
  /local\/main/,
  /local\/launcher/,
  /runtime-process\.js'/,
  /switchyard-app\.js'/,
  /'node:child_process'/,
];

function sources(folder: string): string[] {
  return readdirSync(path.join(repo, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(folder, file));
}

describe('the chaos and durability suites', () => {
  it('control the runtime only through the public testing API', () => {
    const files = SUITES.flatMap(sources);
    expect(files.length).toBeGreaterThan(10);
    const offending = files.flatMap((file) =>
      readFileSync(path.join(repo, file), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('import') && PRIVATE.some((pattern) => pattern.test(line)))
        .map((line) => `${file}: ${line}`),
    );
    expect(offending).toEqual([]);
    const using = files.filter((file) => readFileSync(path.join(repo, file), 'utf8').includes("testing/index.js'"));
    expect(using.length).toBeGreaterThanOrEqual(6);
  });
});
