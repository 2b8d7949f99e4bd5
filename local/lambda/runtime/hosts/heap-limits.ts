import type { ResourceLimits } from 'node:worker_threads';

/**
 * Lambda's smallest memory setting (CreateFunction refuses less). A template naming less (one
 * CloudFormation would refuse) is sized as this, so its environment still starts: the heap has
 * to hold Node's own start-up snapshot and the runtime, and a worker given too little old space
 * fails to start (4-8 MB: ERR_WORKER_OUT_OF_MEMORY), or, at 1-2 MB, V8 aborts the whole runtime
 * process while it deserializes the isolate ("GC during deserialization"), not only that function.
 */
const SMALLEST_MEMORY_MB = 128;
/** The least old space a worker is given, whatever NODE_OPTIONS asks: 16 MB starts one (see above). */
const SMALLEST_OLD_SPACE_MB = 16;
/**
 * V8 makes the young generation of three semi-spaces' size (two semi-spaces and the new large
 * object space: `Heap::YoungGenerationSizeFromSemiSpaceSize`), and Node's
 * `maxYoungGenerationSizeMb` names that whole: measured on Node 24, a worker given 3 × N has the
 * heap_size_limit of a process started with `--max-semi-space-size=N` (V8 rounds both the same way).
 */
const SEMI_SPACES_PER_YOUNG_GENERATION = 3;

/** A V8 heap flag's value in NODE_OPTIONS, in either spelling (`--max-old-space-size=N`, `--max_old_space_size N`). */
function heapFlag(nodeOptions: string, name: string): number | undefined {
  const match = new RegExp(`--${name.replaceAll('-', '[-_]')}[= ](\\d+)`).exec(nodeOptions);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * A Node.js function's heap limits as Lambda's Node.js bootstrap (/var/runtime/bootstrap) sets
 * them from AWS_LAMBDA_FUNCTION_MEMORY_SIZE: a tenth of the memory is new space, half of that
 * one semi-space (`--max-semi-space-size`), the rest old space (`--max-old-space-size`), in whole
 * MB. Unless the function's NODE_OPTIONS names either flag: then the bootstrap passes neither and
 * Node applies the function's own, leaving V8's default for one it does not name.
 */
export function lambdaHeapLimits(memorySize: number, nodeOptions = ''): ResourceLimits {
  const old = heapFlag(nodeOptions, 'max-old-space-size');
  const semi = heapFlag(nodeOptions, 'max-semi-space-size');
  if (old !== undefined || semi !== undefined) {
    return {
      ...(old === undefined ? {} : { maxOldGenerationSizeMb: Math.max(SMALLEST_OLD_SPACE_MB, old) }),
      ...(semi === undefined ? {} : { maxYoungGenerationSizeMb: semi * SEMI_SPACES_PER_YOUNG_GENERATION }),
    };
  }
  const memory = Number.isFinite(memorySize) ? Math.max(SMALLEST_MEMORY_MB, Math.trunc(memorySize)) : SMALLEST_MEMORY_MB;
  const newSpace = Math.trunc(memory / 10);
  const semiSpace = Math.trunc(newSpace / 2);
  return {
    maxOldGenerationSizeMb: memory - newSpace,
    maxYoungGenerationSizeMb: semiSpace * SEMI_SPACES_PER_YOUNG_GENERATION,
  };
}
