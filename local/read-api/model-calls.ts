import type { LineageNode, ModelCallSummary } from '../../clients/read-api-contract.js';
import { parseTraceHeader } from '../trace-header.js';

/**
 * The model calls made from a segment, as lineage nodes under the invocation that made them:
 * the model, what it was asked as, the tokens in (cache reads and writes apart) and out, the
 * images drawn, the latency and why it stopped, or the error. Prompts and answers are not
 * shown: they may hold personal data.
 */
export function modelCallLineage(calls: readonly ModelCallSummary[], segment: string): LineageNode[] {
  return calls
    .filter((call) => parseTraceHeader(call.traceHeader)?.parent === segment)
    .reverse()
    .map((call, index) => {
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
