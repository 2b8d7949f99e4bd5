/** A pipe or stream event source mapping as the start-up report names it. */
export interface PipeLine {
  readonly kind: string;
  readonly name: string;
  readonly table?: string;
  readonly queue?: string;
  readonly stream?: string;
  readonly target: string;
}

/** Each pipe and stream event source mapping with the table whose changes (the queue whose messages, the Kinesis stream whose records) it reads, and its target. */
export function pipeLines(pipes: readonly PipeLine[]): string[] {
  return pipes.map((pipe) => {
    const source =
      pipe.queue !== undefined
        ? `messages of queue ${pipe.queue}`
        : pipe.stream !== undefined
          ? `records of Kinesis stream ${pipe.stream}`
          : `changes of table ${pipe.table}`;
    return `  ${pipe.kind} ${pipe.name}: ${source} -> ${pipe.target}`;
  });
}
