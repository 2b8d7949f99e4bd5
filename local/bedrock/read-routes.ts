import { type LineageNode, type ModelCallSummary, type ModelCallsPage, READ_API_PATHS } from '../../clients/read-api-contract.js';
import { isSequence, only, pageOf, type ServiceReads, sendJson, sinceOf } from '../read-api/routes.js';
import type { ModelCallLedger } from './call-ledger.js';

/**
 * What Bedrock adds to the read API: the model calls the data folder keeps (`/model-calls`,
 * newest first, what `switchyard cost --local` prices), and under an invocation or a Task state
 * in a lineage the calls it made.
 */
export function modelCallReads(calls: ModelCallLedger): ServiceReads {
  return {
    routes: [
      {
        path: READ_API_PATHS.modelCalls,
        handle({ query, res }) {
          only(query, ['since', 'limit', 'nextToken']);
          const filters = sinceOf(query);
          const list = READ_API_PATHS.modelCalls;
          const page = pageOf(query, list, filters, isSequence);
          const found = calls.page({ ...filters, ...page.from('before') });
          const answer: ModelCallsPage = { calls: found.calls, ...page.next(found.last) };
          sendJson(res, 200, answer);
        },
      },
    ],
    lineage: (segment) => modelCallLineage(calls.madeFrom(segment), segment),
  };
}

/**
 * The model calls made from a segment (oldest first), as lineage nodes under the invocation or
 * the Task state that made them:
 * the model, what it was asked as, the tokens in (cache reads and writes apart) and out, the
 * images drawn, the latency and why it stopped, or the error. Prompts and answers are not
 * shown: they may hold personal data.
 */
function modelCallLineage(calls: readonly ModelCallSummary[], segment: string): LineageNode[] {
  return calls.map((call, index) => {
    const cache =
      call.cacheReadInputTokens + call.cacheWriteInputTokens > 0
        ? ` (cache: ${call.cacheReadInputTokens} read, ${call.cacheWriteInputTokens} written)`
        : '';
    const images = call.images === undefined ? '' : `, ${call.images} image${call.images === 1 ? '' : 's'}`;
    return {
      kind: 'model-call',
      id: `${segment}:model-call:${index}`,
      label: `${call.model} via ${call.backend}: ${call.inputTokens} tokens in${cache}, ${call.outputTokens} out${images}, ${call.latencyMs} ms`,
      time: call.at,
      status: call.error === undefined ? 'succeeded' : 'failed',
      ...(call.error === undefined ? {} : { reason: call.error }),
      attributes: {
        model: call.model,
        modelId: call.modelId,
        backend: call.backend,
        inputTokens: String(call.inputTokens),
        outputTokens: String(call.outputTokens),
        cacheReadInputTokens: String(call.cacheReadInputTokens),
        cacheWriteInputTokens: String(call.cacheWriteInputTokens),
        latencyMs: String(call.latencyMs),
        ...(call.stopReason === undefined ? {} : { stopReason: call.stopReason }),
        ...(call.images === undefined ? {} : { images: String(call.images) }),
        ...(call.imageTier === undefined ? {} : { imageTier: call.imageTier }),
      },
      children: [],
    };
  });
}
