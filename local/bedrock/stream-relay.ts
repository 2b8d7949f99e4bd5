import { AwsError } from '../aws-error.js';
import type { StopReason } from './conversation.js';
import { exceptionEvent, jsonEvent } from './event-stream.js';
import { countTokens } from './tokens.js';
import type { InputUsage } from './usage.js';

/** A part of a model's answer as a backend streams it; `index` is the content block's. */
export type StreamPiece =
  | { readonly index: number; readonly text: string }
  | { readonly index: number; readonly toolUse: { readonly toolUseId: string; readonly name: string } }
  | { readonly index: number; readonly toolInput: string }
  | { readonly stop: StopReason; readonly usage?: { readonly inputTokens: number; readonly outputTokens: number } };

/** The union member of ConverseStream's output an error travels as, by its code. */
const STREAM_ERRORS: Readonly<Record<string, string>> = {
  ThrottlingException: 'throttlingException',
  ServiceUnavailableException: 'serviceUnavailableException',
  ValidationException: 'validationException',
  InternalServerException: 'internalServerException',
};

export interface RelayContext {
  readonly input: InputUsage;
  readonly tier?: string;
  readonly started: number;
  /** Logs a failure in the middle of the stream (the caller already has its 200). */
  readonly failed: (error: Error) => void;
  /** Hears the call's usage, stop reason and latency once the stream has ended (the model calls record it). */
  readonly ended: (settled: RelayedCall) => void;
}

/** What a relayed stream settled: the metadata event's usage and latency, and why the model stopped. */
export interface RelayedCall {
  readonly usage: InputUsage & { readonly outputTokens: number };
  readonly stopReason: StopReason;
  readonly latencyMs: number;
}

/**
 * ConverseStream's events for a streamed answer, each framed as it comes: messageStart, a
 * contentBlockStart for a tool use, deltas, a contentBlockStop when the block changes,
 * messageStop and metadata (usage: the backend's, else counted; latency: the whole call's).
 * A failure midway becomes the stream's exception event.
 */
export async function* relayStream(pieces: AsyncIterable<StreamPiece>, context: RelayContext): AsyncGenerator<Buffer> {
  yield jsonEvent('messageStart', { role: 'assistant' });
  let open = -1;
  let said = '';
  let stop: StopReason = 'end_turn';
  let reported: { inputTokens: number; outputTokens: number } | undefined;
  try {
    for await (const piece of pieces) {
      if ('stop' in piece) {
        stop = piece.stop;
        reported = piece.usage ?? reported;
        continue;
      }
      if (piece.index !== open) {
        if (open >= 0) yield jsonEvent('contentBlockStop', { contentBlockIndex: open });
        open = piece.index;
      }
      if ('toolUse' in piece) yield jsonEvent('contentBlockStart', { start: { toolUse: piece.toolUse }, contentBlockIndex: piece.index });
      else if ('text' in piece) {
        said += piece.text;
        yield jsonEvent('contentBlockDelta', { delta: { text: piece.text }, contentBlockIndex: piece.index });
      } else {
        said += piece.toolInput;
        yield jsonEvent('contentBlockDelta', { delta: { toolUse: { input: piece.toolInput } }, contentBlockIndex: piece.index });
      }
    }
  } catch (error) {
    context.failed(error as Error);
    const code = error instanceof AwsError ? error.code : '';
    yield exceptionEvent(STREAM_ERRORS[code] ?? 'modelStreamErrorException', (error as Error).message);
    return;
  }
  if (open >= 0) yield jsonEvent('contentBlockStop', { contentBlockIndex: open });
  yield jsonEvent('messageStop', { stopReason: stop });
  const { usage, latencyMs } = settleRelay(context, stop, reported, said);
  const { inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens } = usage;
  const cached = cacheReadInputTokens > 0 || cacheWriteInputTokens > 0 ? { cacheReadInputTokens, cacheWriteInputTokens } : {};
  yield jsonEvent('metadata', {
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens + cacheReadInputTokens + cacheWriteInputTokens, ...cached },
    metrics: { latencyMs },
    ...(context.tier ? { serviceTier: { type: context.tier } } : {}),
  });
}

/**
 * What a relayed stream settled once it ended, told to `context.ended` (which records the call):
 * the usage the backend reported, else the input counted before and the output counted from
 * what was said; the latency of the whole call. Every relay (ConverseStream's, the
 * OpenAI-compatible API's chunks) ends its stream with it.
 */
export function settleRelay(
  context: RelayContext,
  stopReason: StopReason,
  reported: { readonly inputTokens: number; readonly outputTokens: number } | undefined,
  said: string,
): RelayedCall {
  const { cacheReadInputTokens, cacheWriteInputTokens } = context.input;
  const settled: RelayedCall = {
    usage: {
      inputTokens: reported?.inputTokens ?? context.input.inputTokens,
      outputTokens: reported?.outputTokens ?? countTokens(said),
      cacheReadInputTokens,
      cacheWriteInputTokens,
    },
    stopReason,
    latencyMs: Math.max(1, Math.round(performance.now() - context.started)),
  };
  context.ended(settled);
  return settled;
}
