import { describe, expect, it } from 'vitest';
import { PieceTally, type RelayedCall, type StreamPiece } from '../../../local/bedrock/stream-relay.js';
import { countTokens } from '../../../local/bedrock/tokens.js';

const INPUT = { inputTokens: 7, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };

function settle(tally: PieceTally): RelayedCall {
  const ended: RelayedCall[] = [];
  const settled = tally.settle({ input: INPUT, started: performance.now(), failed: () => {}, ended: (call) => ended.push(call) });
  expect(ended).toEqual([settled]);
  return settled;
}

function counted(pieces: StreamPiece[]): { tally: PieceTally; relayed: StreamPiece[] } {
  const tally = new PieceTally();
  return { tally, relayed: pieces.filter((piece) => tally.count(piece)) };
}

describe('PieceTally', () => {
  it('counts the text and tool input said as the output tokens when the backend reports no usage', () => {
    const { tally, relayed } = counted([
      { index: 0, text: 'The weather ' },
      { index: 0, text: 'is fine.' },
      { index: 1, toolUse: { toolUseId: 't1', name: 'lookup' } },
      { index: 1, toolInput: '{"city":"Oslo"}' },
      { stop: 'tool_use' },
    ]);
    expect(relayed).toHaveLength(4);
    const settled = settle(tally);
    expect(settled.stopReason).toBe('tool_use');
    expect(settled.usage).toMatchObject({ inputTokens: 7, outputTokens: countTokens('The weather is fine.{"city":"Oslo"}') });
  });

  it('answers the usage the backend reported, over what it counted', () => {
    const { tally, relayed } = counted([
      { index: 0, text: 'Hello' },
      { stop: 'end_turn', usage: { inputTokens: 3, outputTokens: 40 } },
    ]);
    expect(relayed).toEqual([{ index: 0, text: 'Hello' }]);
    expect(settle(tally).usage).toMatchObject({ inputTokens: 3, outputTokens: 40 });
  });

  it('ends a stream with no stop piece as end_turn', () => {
    expect(settle(counted([{ index: 0, text: 'cut' }]).tally).stopReason).toBe('end_turn');
  });
});
