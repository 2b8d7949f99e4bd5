import { type DiscardedBatchesPage, type QueueConsumer, type QueueConsumersPage, READ_API_PATHS } from '../../clients/read-api-contract.js';
import { isSequence, only, pageOf, ReadApiFailure, type ReadRoute, type ServiceReads, sendJson, sinceOf } from '../read-api/routes.js';
import type { PipesService } from './pipes-service.js';

/** A mapping as ListEventSourceMappings answers it: what `/queue-consumers` reads of it. */
interface ListedMapping {
  readonly FunctionArn?: string;
  readonly State?: string;
}

/** What reads the runtime's queues: Lambda's ListEventSourceMappings (in its process) and the pipes this service runs. */
export interface QueueReaders {
  listMappings(eventSourceArn: string): Promise<readonly ListedMapping[]>;
  readonly pipes: Pick<PipesService, 'pipesReading'>;
}

const STOPPED_MAPPING = new Set(['Disabled', 'Disabling']);

/**
 * What Pipes adds to the read API: `/discarded-batches`, the stream batches mappings and pipes
 * gave up on with no on-failure destination (skipped; AWS says so only in its metrics), latest
 * first, as `switchyard failures` and the console's Failures page list them; `source` keeps those
 * of one stream (name or ARN), function (name or ARN), mapping (UUID) or pipe (name); and
 * `/queue-consumers`, what reads a queue: Lambda's mappings of it and this service's pipes.
 */
export function pipesReads(pipes: Pick<PipesService, 'discardedBatches'>, readers: QueueReaders): ServiceReads {
  return {
    routes: [
      queueConsumersRoute(readers),
      {
        path: READ_API_PATHS.discardedBatches,
        handle({ query, res }) {
          only(query, ['since', 'source', 'limit', 'nextToken']);
          const source = query.get('source') ?? undefined;
          // The source is part of what a page token was made for, as `since` is.
          const filters = { ...sinceOf(query), ...(source === undefined ? {} : { source }) };
          const page = pageOf(query, READ_API_PATHS.discardedBatches, filters, isSequence);
          const found = pipes.discardedBatches({ ...filters, ...page.from('before') });
          const answer: DiscardedBatchesPage = { batches: found.batches, ...page.next(found.last) };
          sendJson(res, 200, answer);
        },
      },
    ],
  };
}

/**
 * `/queue-consumers?queueArn=`: what reads a queue now, each mapping (by its function) and pipe
 * with whether it is paused, so that a redrive to a queue nothing reads, or whose reader is
 * paused, says so instead of waiting for a consumer (clients/redriven-messages.ts).
 */
function queueConsumersRoute(readers: QueueReaders): ReadRoute {
  return {
    path: READ_API_PATHS.queueConsumers,
    async handle({ query, res }) {
      only(query, ['queueArn']);
      const queueArn = query.get('queueArn');
      if (!queueArn)
        throw new ReadApiFailure(400, 'InvalidParameter', 'queueArn is required: the ARN of the queue whose consumers to list');
      const mappings: QueueConsumer[] = (await readers.listMappings(queueArn)).map((m) => {
        const state = m.State ?? '-';
        return { kind: 'mapping', name: (m.FunctionArn ?? '').split(':')[6] ?? '', state, paused: STOPPED_MAPPING.has(state) };
      });
      const pipes: QueueConsumer[] = readers.pipes.pipesReading(queueArn).map((p) => ({
        kind: 'pipe',
        name: p.name,
        state: p.running ? 'RUNNING' : 'STOPPED',
        paused: !p.running,
      }));
      const page: QueueConsumersPage = { queueArn, consumers: [...mappings, ...pipes] };
      sendJson(res, 200, page);
    },
  };
}
