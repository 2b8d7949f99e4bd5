import { describe, expect, it } from 'vitest';
import { usd } from '../../clients/format.js';

describe('usd', () => {
  it('shows cents from a cent up, with thousands separated', () => {
    expect(usd(0)).toBe('$0.00');
    expect(usd(0.01)).toBe('$0.01');
    expect(usd(254.036)).toBe('$254.04');
    expect(usd(1234567.5)).toBe('$1,234,567.50');
  });

  it('shows an amount under a cent with two significant digits, never as $0.0000', () => {
    expect(usd(0.0042)).toBe('$0.0042');
    // A Nova Lite call of 14 tokens in and 42 out.
    expect(usd(0.0000109)).toBe('$0.000011');
    expect(usd(0.000000113)).toBe('$0.00000011');
    // A float just under a power of ten keeps two digits once rounded.
    expect(usd(0.0000099999)).toBe('$0.000010');
  });
});
