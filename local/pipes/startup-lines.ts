/** A pipe or stream event source mapping as the start-up report names it. */
export interface PipeLine {
  readonly kind: string;
  readonly name: string;
  readonly table?: string;
  readonly queue?: string;
  readonly stream?: string;
  readonly target: string;
  /**
   * Set when the source waits to fill a batch (MaximumBatchingWindowInSeconds above 0): a record
   * reaches the target only once the batch is full or the window ends, as on AWS.
   */
  readonly batching?: { readonly size: number; readonly windowSeconds: number };
}

/** Each pipe and stream event source mapping with the table whose changes (the queue whose messages, the Kinesis stream whose records) it reads, its target, and its batching window if it has one. */
export function pipeLines(pipes: readonly PipeLine[]): string[] {
  return pipes.map((pipe) => {
    const source =
      pipe.queue !== undefined
        ? `messages of queue ${pipe.queue}`
        : pipe.stream !== undefined
          ? `records of Kinesis stream ${pipe.stream}`
          : `changes of table ${pipe.table}`;
    // A record sent alone arrives only when the window ends: said, lest a 2-minute wait pass for a pipe that does nothing.
    const batching =
      pipe.batching === undefined
        ? ''
        : ` (batches of up to ${pipe.batching.size}: a record waits up to ${pipe.batching.windowSeconds} s for the rest, as on AWS)`;
    return `  ${pipe.kind} ${pipe.name}: ${source} -> ${pipe.target}${batching}`;
  });
}
