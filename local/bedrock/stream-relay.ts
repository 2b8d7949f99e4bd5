import { AwsError } from '../endpoint/aws-error.js';
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

/** A piece with something to relay: text, a tool use's start, or its input (the stop piece is the tally's). */
export type RelayedPiece = Exclude<StreamPiece, { readonly stop: StopReason }>;

/**
 * What a relay keeps of the pieces as they pass: what was said (text and tool input, counted for
 * the output tokens when the backend reports none), why the model stopped, and the usage the
 * backend reported. Every relay (ConverseStream's, the chat completions' chunks, the Responses
 * API's events) counts its pieces with one and ends with `settle`.
 */
export class PieceTally {
  said = '';
  stop: StopReason = 'end_turn';
  reported: { readonly inputTokens: number; readonly outputTokens: number } | undefined;

  /** Counts a piece; false for the stop piece, which has nothing to relay. */
  count(piece: StreamPiece): piece is RelayedPiece {
    if ('stop' in piece) {
      this.stop = piece.stop;
      this.reported = piece.usage ?? this.reported;
      return false;
    }
    if ('text' in piece) this.said += piece.text;
    else if ('toolInput' in piece) this.said += piece.toolInput;
    return true;
  }

  /** Ends the call with what was counted (settleRelay). */
  settle(context: RelayContext): RelayedCall {
    return settleRelay(context, this.stop, this.reported, this.said);
  }
}

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
  const tally = new PieceTally();
  try {
    for await (const piece of pieces) {
      if (!tally.count(piece)) continue;
      if (piece.index !== open) {
        if (open >= 0) yield jsonEvent('contentBlockStop', { contentBlockIndex: open });
        open = piece.index;
      }
      if ('toolUse' in piece) yield jsonEvent('contentBlockStart', { start: { toolUse: piece.toolUse }, contentBlockIndex: piece.index });
      else if ('text' in piece) yield jsonEvent('contentBlockDelta', { delta: { text: piece.text }, contentBlockIndex: piece.index });
      else yield jsonEvent('contentBlockDelta', { delta: { toolUse: { input: piece.toolInput } }, contentBlockIndex: piece.index });
    }
  } catch (error) {
    context.failed(error as Error);
    const code = error instanceof AwsError ? error.code : '';
    yield exceptionEvent(STREAM_ERRORS[code] ?? 'modelStreamErrorException', (error as Error).message);
    return;
  }
  if (open >= 0) yield jsonEvent('contentBlockStop', { contentBlockIndex: open });
  yield jsonEvent('messageStop', { stopReason: tally.stop });
  const { usage, latencyMs } = tally.settle(context);
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
