/** A pipe or stream event source mapping as the start-up report names it. */
export interface PipeLine {
  readonly kind: string;
  readonly name: string;
  readonly table?: string;
  readonly queue?: string;
  readonly target: string;
}

/** Each pipe and stream event source mapping with the table whose changes (or the queue whose messages) it reads, and its target. */
export function pipeLines(pipes: readonly PipeLine[]): string[] {
  return pipes.map((pipe) => {
    const source = pipe.queue === undefined ? `changes of table ${pipe.table}` : `messages of queue ${pipe.queue}`;
    return `  ${pipe.kind} ${pipe.name}: ${source} -> ${pipe.target}`;
  });
}
