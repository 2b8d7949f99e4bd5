import { describe, expect, it } from 'vitest';
import { type ModelCallUsage, tokensPerMinute, usageByModel } from '../../clients/model-usage.js';

const call = (at: string, model: string, tokens: Partial<ModelCallUsage> = {}): ModelCallUsage => ({
  at,
  model,
  inputTokens: 100,
  outputTokens: 20,
  cacheReadInputTokens: 0,
  cacheWriteInputTokens: 0,
  latencyMs: 40,
  ...tokens,
});

describe('usageByModel', () => {
  it('sums calls, failures, tokens and mean latency per model, the most tokens first', () => {
    const totals = usageByModel([
      call('2026-11-24T10:00:00Z', 'nova', { latencyMs: 10 }),
      call('2026-11-24T10:00:05Z', 'claude', { inputTokens: 1000, cacheReadInputTokens: 500, latencyMs: 300 }),
      call('2026-11-24T10:00:09Z', 'nova', { error: 'ThrottlingException', inputTokens: 0, outputTokens: 0, latencyMs: 30 }),
    ]);
    expect(totals).toEqual([
      { model: 'claude', calls: 1, failed: 0, inputTokens: 1000, cachedTokens: 500, outputTokens: 20, meanLatencyMs: 300 },
      { model: 'nova', calls: 2, failed: 1, inputTokens: 100, cachedTokens: 0, outputTokens: 20, meanLatencyMs: 20 },
    ]);
  });
});

describe('tokensPerMinute', () => {
  it('gives every model every minute of the window, oldest first, with the tokens of its calls in that minute and 0 otherwise', () => {
    const now = Date.parse('2026-11-24T10:02:30Z');
    const minutes = tokensPerMinute(
      [
        call('2026-11-24T10:00:10Z', 'nova'),
        call('2026-11-24T10:00:50Z', 'nova', { cacheWriteInputTokens: 30 }),
        call('2026-11-24T10:02:01Z', 'nova'),
        call('2026-11-24T09:00:00Z', 'nova'),
      ],
      now,
      3,
    );
    expect(minutes.map((m) => [new Date(m.minute).toISOString().slice(11, 16), m.tokens])).toEqual([
      ['10:00', 270],
      ['10:01', 0],
      ['10:02', 120],
    ]);
  });
});
