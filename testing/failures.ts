import type { Message } from '@aws-sdk/client-sqs';
import { failureSources } from '../inspect/app-failures.js';
import { type Clients, createClients } from '../inspect/aws.js';
import { type DeadLetter, explain, peekMessages, queueDepth } from '../inspect/dead-letter-messages.js';
import { durableFunctions } from '../inspect/durable.js';
import { type FailedExecution, failedDurableExecutions, failedExecutions } from '../inspect/failed-executions.js';
import { TEST_REGION } from './clients.js';
import type { RunningApp } from './start.js';

/** A message in one of the app's dead-letter queues, explained as `switchyard failures` explains it. */
export interface DeadLetterFailure extends DeadLetter {
  /** The dead-letter queue's name as `switchyard failures` lists it (the logical id without its hash). */
  readonly queue: string;
  readonly queueName: string;
  readonly message: Message;
}

/** Everything of the app that failed: what `switchyard failures` lists. */
export interface Failures {
  readonly deadLetters: readonly DeadLetterFailure[];
  readonly executions: readonly FailedExecution[];
}

/** The CLI's clients for the runtime: the failure commands' own readers take them. */
export function cliClients(app: RunningApp): Clients {
  return createClients({ kind: 'local', endpoint: app.endpoint, region: TEST_REGION });
}

export function closeCliClients(clients: Clients): void {
  for (const client of [clients.events, clients.sfn, clients.logs, clients.sqs, clients.lambda, clients.scheduler]) client.destroy();
}

/**
 * The messages in the app's dead-letter queues (left in place, each received once and handed
 * back: its ReceiptHandle deletes it, its receive count went up by one) and its failed
 * executions, as `switchyard failures` explains them.
 */
export async function failures(app: RunningApp, limit = 1000): Promise<Failures> {
  const clients = cliClients(app);
  try {
    const sources = await failureSources(clients, app.cdkOut, () => undefined);
    const deadLetters: DeadLetterFailure[] = [];
    for (const queue of sources.queues) {
      const depth = await queueDepth(clients, queue.url);
      // Received and handed back (each gets a ReceiptHandle, so a test can delete what it redrove by hand), as documented.
      const messages = depth.visible > 0 ? await peekMessages(clients, queue.url, limit, depth.visible, { receive: true }) : [];
      for (const message of messages)
        deadLetters.push({ ...explain(message, queue), queue: queue.name, queueName: queue.queueName, message });
    }
    const { executions } = await failedExecutions(clients, sources.flows, { limit });
    const durable = await failedDurableExecutions(clients, await durableFunctions(clients, app.cdkOut), { limit });
    return { deadLetters, executions: [...executions, ...durable] };
  } finally {
    closeCliClients(clients);
  }
}

/** The messages in a queue, read without taking them away (the receive count goes up by one). */
export async function peekQueue(app: RunningApp, queueUrl: string): Promise<Message[]> {
  const clients = cliClients(app);
  try {
    const depth = await queueDepth(clients, queueUrl);
    return depth.visible > 0 ? await peekMessages(clients, queueUrl, 1000, depth.visible, { receive: true }) : [];
  } finally {
    closeCliClients(clients);
  }
}
