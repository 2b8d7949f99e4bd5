import { type HistoryEvent, paginateGetExecutionHistory } from '@aws-sdk/client-sfn';
import { type Clients, pages } from '../inspect/aws.js';

/** A Standard execution's whole history, every page, with its data. */
export async function historyOf(clients: Clients, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  const paginator = paginateGetExecutionHistory({ client: clients.sfn, pageSize: 1000 }, { executionArn, includeExecutionData: true });
  for await (const page of pages(clients.target, paginator)) events.push(...(page.events ?? []));
  return events;
}
