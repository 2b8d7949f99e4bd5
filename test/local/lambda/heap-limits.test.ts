import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionRuntime } from '../../../local/lambda/runtime/function-runtime.js';
import { lambdaHeapLimits } from '../../../local/lambda/runtime/hosts/heap-limits.js';
import { codeFunction } from './fixtures/code-function.js';

const runtimes: FunctionRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});

/** The heap_size_limit, in MB, of a Node process started with `flags`: what Lambda's bootstrap starts. */
function processHeapLimitMb(flags: readonly string[]): number {
  const child = spawnSync(process.execPath, [...flags, '-p', 'require("node:v8").getHeapStatistics().heap_size_limit / 2 ** 20'], {
    encoding: 'utf8',
  });
  return Number(child.stdout.trim());
}

describe('lambdaHeapLimits', () => {
  // Lambda's bootstrap: new_space = memory / 10, semi_space = new_space / 2, old_space = memory - new_space (whole MB).
  it.each([
    [128, 116, 6],
    [512, 461, 25],
    [1024, 922, 51],
    [10240, 9216, 512],
  ])('sizes a %i MB function as Lambda does: old space %i MB, semi-space %i MB (young generation three of them)', (memory, old, semi) => {
    expect(lambdaHeapLimits(memory)).toEqual({ maxOldGenerationSizeMb: old, maxYoungGenerationSizeMb: 3 * semi });
  });

  it('sizes a memory under Lambda’s 128 MB minimum, or none that is a number, as 128 MB', () => {
    expect(lambdaHeapLimits(32)).toEqual(lambdaHeapLimits(128));
    expect(lambdaHeapLimits(Number.NaN)).toEqual(lambdaHeapLimits(128));
  });

  it("leaves the heap to the function's NODE_OPTIONS when they name a heap flag, as the bootstrap does, in either spelling", () => {
    expect(lambdaHeapLimits(1024, '--enable-source-maps --max-old-space-size=700')).toEqual({ maxOldGenerationSizeMb: 700 });
    expect(lambdaHeapLimits(1024, '--max_semi_space_size=16')).toEqual({ maxYoungGenerationSizeMb: 48 });
    expect(lambdaHeapLimits(1024, '--max-semi-space-size 8 --max-old-space-size 300')).toEqual({
      maxOldGenerationSizeMb: 300,
      maxYoungGenerationSizeMb: 24,
    });
    expect(lambdaHeapLimits(1024, '--enable-source-maps')).toEqual(lambdaHeapLimits(1024));
  });

  it('gives no worker an old space too small to start in, whatever NODE_OPTIONS ask', () => {
    expect(lambdaHeapLimits(128, '--max-old-space-size=1')).toEqual({ maxOldGenerationSizeMb: 16 });
  });
});

describe('A Node.js function’s heap', () => {
  it.each([128, 1024])('is as large for a %i MB function as the heap Lambda’s bootstrap flags give a process', async (memorySize) => {
    const definition = codeFunction(
      'heap-fn',
      `import v8 from 'node:v8'; export const handler = async () => v8.getHeapStatistics().heap_size_limit / 2 ** 20;`,
      { memorySize },
    );
    const runtime = new FunctionRuntime(
      definition,
      (d) => d.environment,
      () => {},
    );
    runtimes.push(runtime);
    const outcome = await runtime.invoke({});
    const newSpace = Math.trunc(memorySize / 10);
    const expected = processHeapLimitMb([
      `--max-semi-space-size=${Math.trunc(newSpace / 2)}`,
      `--max-old-space-size=${memorySize - newSpace}`,
    ]);
    expect(outcome.ok ? Number(outcome.payload) : outcome).toBe(expected);
  });
});
