import { describe, expect, it } from 'vitest';
import { byteLength, overPayloadLimit, PAYLOAD_LIMIT } from '../../../../local/states/engine/json.js';

describe('overPayloadLimit', () => {
  it('says whether a text is over the limit in UTF-8, for texts of 1 to 4 bytes a character', () => {
    for (const [char, bytes] of [
      ['a', 1],
      ['é', 2],
      ['€', 3],
      ['😀', 4],
    ] as const) {
      expect(byteLength(char)).toBe(bytes);
      const most = char.repeat(Math.floor(PAYLOAD_LIMIT / bytes));
      expect(overPayloadLimit(most)).toBe(false);
      expect(overPayloadLimit(most + char)).toBe(true);
    }
  });

  it('counts a character of 3 bytes at a third of the limit and past it', () => {
    expect(overPayloadLimit(`${'a'.repeat(PAYLOAD_LIMIT / 4)}${'€'.repeat(PAYLOAD_LIMIT / 4)}`)).toBe(false);
    expect(overPayloadLimit(`${'a'.repeat(PAYLOAD_LIMIT / 4)}${'€'.repeat(PAYLOAD_LIMIT / 4 + 1)}`)).toBe(true);
  });
});
