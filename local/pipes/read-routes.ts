import { type DiscardedBatchesPage, READ_API_PATHS } from '../../clients/read-api-contract.js';
import { isSequence, only, pageOf, type ServiceReads, sendJson, sinceOf } from '../read-api/routes.js';
import type { PipesService } from './pipes-service.js';

/**
 * What Pipes adds to the read API: `/discarded-batches`, the stream batches mappings and pipes
 * gave up on with no on-failure destination (skipped; AWS says so only in its metrics), latest
 * first, as `switchyard failures` and the console's Failures page list them; `source` keeps those
 * of one stream (name or ARN), function (name or ARN), mapping (UUID) or pipe (name).
 */
export function discardedBatchReads(pipes: Pick<PipesService, 'discardedBatches'>): ServiceReads {
  return {
    routes: [
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
