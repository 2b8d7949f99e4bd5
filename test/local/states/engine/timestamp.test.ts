import { afterEach, describe, expect, it, vi } from 'vitest';
import { isoMillis } from '../../../../local/states/engine/timestamp.js';

describe('isoMillis', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints a time as the context object holds it, each millisecond its own', () => {
    expect(isoMillis(1_700_000_000_123)).toBe('2023-11-14T22:13:20.123Z');
    expect(isoMillis(1_700_000_000_124)).toBe('2023-11-14T22:13:20.124Z');
    expect(isoMillis(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('formats the millisecond the states of one turn share once', () => {
    const format = vi.spyOn(Date.prototype, 'toISOString');
    for (let state = 0; state < 10; state++) expect(isoMillis(1_700_000_000_500)).toBe('2023-11-14T22:13:20.500Z');
    expect(format).toHaveBeenCalledTimes(1);
  });

  it('fails for a time that is not one, as Date does', () => {
    expect(() => isoMillis(Number.NaN)).toThrow(RangeError);
    expect(() => isoMillis(Number.NaN)).toThrow(RangeError);
  });
});
