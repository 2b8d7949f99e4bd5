import { describe, expect, it } from 'vitest';
import { requireEnum, requireEnv, requireNumber } from '../../../lambdas/kit/config.js';

describe('requireEnv', () => {
  it('returns the value', () => {
    expect(requireEnv('TABLE', { TABLE: 't1' })).toBe('t1');
  });
  it('fails if the variable is missing, naming it', () => {
    expect(() => requireEnv('TABLE', {})).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: 'environment variable TABLE is required but not set' }),
    );
  });
  it('fails if the variable is blank', () => {
    expect(() => requireEnv('TABLE', { TABLE: ' ' })).toThrow('environment variable TABLE is required but empty');
  });
});

describe('requireEnum', () => {
  it('fails if the value is not allowed, listing what is', () => {
    expect(() => requireEnum('MODE', ['A', 'B'], { MODE: 'C' })).toThrow('environment variable MODE is "C"; allowed: A, B');
  });
});

describe('requireNumber', () => {
  it('fails if the value is out of range', () => {
    expect(() => requireNumber('N', 0, 1, { N: '2' })).toThrow('environment variable N is "2"; expected a number from 0 to 1');
    expect(requireNumber('N', 0, 1, { N: '0.5' })).toBe(0.5);
  });
});
