import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * npm test's order: its longest files first, so that none of them starts last and runs on alone
 * while the other workers have nothing left (the run's tail on a 2-core machine).
 *
 * vitest's own sequencer orders by its results cache, which a fresh clone (CI) does not have, so
 * it fell back to file size, projects in name order: the shared-runtime project, the longest
 * files among its 334, came last, and its fuzzers (50-65 s of a loaded run) started in the run's
 * last quarter. Here a file's time is the cache's where there is one, else test/durations.json's
 * (scripts/test-durations.mjs writes it from a whole run's JSON report).
 *
 * Files stay together by project: a worker of a project whose modules are shared (isolate: false)
 * runs its next file only if the queue's next is of the same project, and each new worker imports
 * the runtime's modules again. The projects with the least time come first, the largest last, so
 * that the run ends on its shortest files: with the largest first, the small isolated projects
 * came last, and their 4-9 s files ran on alone at the end (15-20 s of a 240-280 s run with one or
 * two files running). Within a project,
 * files with no time known come first (as vitest's sequencer runs them: most likely new, and
 * new replays are long), largest first, then the others longest first.
 */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const timeOf = new Map(files.map((spec) => [spec, this.#knownTime(spec)]));
    const projectTime = new Map<string, number>();
    for (const spec of files) projectTime.set(spec.project.name, (projectTime.get(spec.project.name) ?? 0) + (timeOf.get(spec) ?? 0));
    const unknownSize = new Map(files.filter((spec) => timeOf.get(spec) === undefined).map((spec) => [spec, sizeOf(spec.moduleId)]));
    return [...files].sort((a, b) => {
      const group = a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder;
      if (group !== 0) return group;
      if (a.project.name !== b.project.name) {
        const byTime = (projectTime.get(a.project.name) ?? 0) - (projectTime.get(b.project.name) ?? 0);
        return byTime !== 0 ? byTime : a.project.name < b.project.name ? -1 : 1;
      }
      const timeA = timeOf.get(a);
      const timeB = timeOf.get(b);
      if (timeA === undefined || timeB === undefined) {
        if (timeA !== undefined) return 1;
        if (timeB !== undefined) return -1;
        return (unknownSize.get(b) ?? 0) - (unknownSize.get(a) ?? 0);
      }
      return timeB - timeA;
    });
  }

  /** The file's time in the results cache, else in test/durations.json; none for a file in neither (a new one). */
  #knownTime(spec: TestSpecification): number | undefined {
    const cached = this.ctx.cache.getTestSpecificationResult(spec)?.duration;
    if (cached !== undefined) return cached;
    return DURATIONS[path.relative(this.ctx.config.root, spec.moduleId).split(path.sep).join('/')];
  }
}

/** Each file's time in milliseconds, by its path in the repository, as a whole run measured it. */
const DURATIONS: Readonly<Record<string, number>> = JSON.parse(readFileSync(path.join(import.meta.dirname, 'durations.json'), 'utf8'));

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
