import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REPLAY_POLICY,
  MAX_REPLAY_NAME_LENGTH,
  REPLAY_POLICIES,
  replayLabel,
  replayNameFor,
  replayPolicyOf,
} from '../../contracts/replay-policy.js';

describe('replay policy', () => {
  it('round-trips every policy through a replay name StartReplay accepts', () => {
    const label = replayLabel(new Date('2026-11-22T14:15:03.123Z'));
    expect(label).toBe('20261122T141503123Z');
    for (const policy of REPLAY_POLICIES) {
      const name = replayNameFor(policy, label);
      expect(name).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
      expect(replayPolicyOf(name)).toBe(policy);
    }
    expect(replayNameFor('dry-run', label)).toBe('dry-run--20261122T141503123Z');
  });

  it('treats a replay started outside the CLI (no policy in its name) as reprocess', () => {
    expect(DEFAULT_REPLAY_POLICY).toBe('reprocess');
    for (const name of ['my-replay', 'skip', 'dry-run', 'skipping--x', 'Skip--x', 'x--skip--y', '--skip', undefined]) {
      expect(replayPolicyOf(name)).toBe('reprocess');
    }
  });

  it('cuts a long label so the name fits in 64 characters', () => {
    const name = replayNameFor('skip', 'a'.repeat(100));
    expect(name).toHaveLength(MAX_REPLAY_NAME_LENGTH);
    expect(replayPolicyOf(name)).toBe('skip');
  });

  it('fails if the policy is unknown or the label has characters StartReplay refuses', () => {
    expect(() => replayNameFor('nonsense' as never, 'x')).toThrow(/unknown replay policy "nonsense": one of reprocess, skip, dry-run/);
    expect(() => replayNameFor('skip', 'a b')).toThrow(/must be letters, digits/);
    expect(() => replayNameFor('skip', '')).toThrow(/must be letters, digits/);
  });
});
