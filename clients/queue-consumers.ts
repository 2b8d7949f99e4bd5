/** What the read API's `/queue-consumers` answers (READ_API_PATHS.queueConsumers). */

/** One consumer that reads a queue: a Lambda event source mapping, or a pipe whose source it is. */
export interface QueueConsumer {
  readonly kind: 'mapping' | 'pipe';
  /** The mapping's function, or the pipe's name. */
  readonly name: string;
  /** Its state in its service's words: Enabled, Disabling, Disabled, ... (Lambda); RUNNING, STOPPED (Pipes). */
  readonly state: string;
  /** Whether it takes nothing now (a mapping disabled or disabling, a pipe stopped): messages wait in the queue. */
  readonly paused: boolean;
}

export interface QueueConsumersPage {
  readonly queueArn: string;
  /** Empty when nothing reads the queue: its messages wait until something does. */
  readonly consumers: readonly QueueConsumer[];
}
