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

const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');

/** The shared test helpers (test/helpers/) a file imports: they start and crash apps for the suites, so they are held to the same rule. */
function helpersOf(file: string): string[] {
  return [...read(file).matchAll(/^import .* from '(\.[^']*helpers\/[^']+)\.js';$/gm)].map((match) =>
    path.relative(repo, path.resolve(repo, path.dirname(file), `${match[1]}.ts`)),
  );
}

const usesPublicApi = (file: string) => read(file).includes("testing/index.js'");

describe('the chaos and durability suites', () => {
  it('control the runtime only through the public testing API', () => {
    const suites = SUITES.flatMap(sources);
    expect(suites.length).toBeGreaterThan(10);
    const files = [...new Set([...suites, ...suites.flatMap(helpersOf)])];
    const offending = files.flatMap((file) =>
      read(file)
        .split('\n')
        .filter((line) => line.startsWith('import') && PRIVATE.some((pattern) => pattern.test(line)))
        .map((line) => `${file}: ${line}`),
    );
    expect(offending).toEqual([]);
    // Directly, or through a shared helper that does (test/helpers/crashable-apps.ts).
    const using = suites.filter((file) => usesPublicApi(file) || helpersOf(file).some(usesPublicApi));
    expect(using.length).toBeGreaterThanOrEqual(6);
  });
});
