/** The limit AWS puts on how many partial wildcard matches a rule can keep alive. */
import { wildcardSegments } from './pattern-operands.js';
import { type FieldMap, fail, type WildcardGroup } from './pattern-types.js';

// --- wildcard complexity ---------------------------------------------------------------------

// AWS rejects a rule whose wildcards could keep too many partial matches alive at once.
// This mirrors event-ruler's MachineComplexityEvaluator over the byte machine it would build
// (wildcards sharing a determinate prefix share its states; a trailing `*` stays alive once
// reached). AWS does not publish its limit; more than 10 is what fits every rejection and
// acceptance seen in public: `*:*:*:*:*:event-bus/*` (11) and four `*:stack/<name>/*` values
// (12) rejected, three of those (9) and two `*/datasync/*.<ext>` values (8) accepted.
const COMPLEXITY_LIMIT = 10;
const STAR = -1;
const ANY_OTHER_BYTE = -2;

export function checkWildcardComplexity(branches: readonly FieldMap[]): void {
  const byField = new Map<string, Map<string, WildcardGroup>>();
  for (const branch of branches) {
    for (const [name, matchers] of branch.values()) {
      for (const matcher of matchers) {
        if (matcher.kind !== 'test' || !matcher.wildcards) continue;
        const groups = byField.get(name) ?? new Map<string, WildcardGroup>();
        byField.set(name, groups);
        groups.set(matcher.wildcards.id, matcher.wildcards);
      }
    }
  }
  for (const groups of byField.values()) {
    if (wildcardComplexity([...groups.values()]) > COMPLEXITY_LIMIT) {
      fail('Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character');
    }
  }
}

/** UTF-8 bytes of the quoted value, `STAR` for each wildcard. */
function wildcardTokens(text: string): number[] {
  const tokens = [0x22];
  wildcardSegments(text).forEach((segment, i) => {
    if (i > 0) tokens.push(STAR);
    tokens.push(...Buffer.from(segment, 'utf8'));
  });
  tokens.push(0x22);
  return tokens;
}

interface ByteState {
  readonly literal: Map<number, number[]>;
  readonly any: number[];
  /** Patterns reachable through this state. */
  readonly patterns: Set<string>;
  /** Shared steps while the pattern prefix is still determinate. */
  readonly shared: Map<number, number>;
  sharedStar: number;
}

function wildcardComplexity(groups: readonly WildcardGroup[]): number {
  const states: ByteState[] = [];
  const newState = () => states.push({ literal: new Map(), any: [], patterns: new Set(), shared: new Map(), sharedStar: -1 }) - 1;
  const state = (id: number) => states[id] as ByteState;
  const addLiteral = (from: number, byte: number, to: number) => {
    const list = state(from).literal.get(byte);
    if (list) list.push(to);
    else state(from).literal.set(byte, [to]);
  };
  const alphabet = new Set<number>([ANY_OTHER_BYTE]);
  newState();
  for (const group of groups) {
    for (const text of group.texts) {
      const tokens = wildcardTokens(text);
      let current = 0;
      let previous = -1;
      let determinate = true;
      tokens.forEach((token, i) => {
        let next: number;
        if (token === STAR) {
          if (determinate && state(current).sharedStar >= 0) next = state(current).sharedStar;
          else {
            next = newState();
            state(current).any.push(next);
            state(next).any.push(next);
            if (determinate) state(current).sharedStar = next;
          }
          determinate = false;
        } else {
          alphabet.add(token);
          const shared = determinate ? state(current).shared.get(token) : undefined;
          if (shared !== undefined) next = shared;
          else {
            next = newState();
            addLiteral(current, token, next);
            if (determinate) state(current).shared.set(token, next);
            // A wildcard may match nothing, so the byte after it is also reachable from before it.
            if (i > 0 && tokens[i - 1] === STAR) addLiteral(previous, token, next);
          }
        }
        state(next).patterns.add(group.id);
        previous = current;
        current = next;
      });
    }
  }
  let maximum = 0;
  const seen = new Set<string>();
  const pending: number[][] = [[0]];
  while (pending.length > 0 && seen.size < 20_000) {
    const active = pending.pop() as number[];
    for (const byte of alphabet) {
      const next = new Set<number>();
      for (const id of active) {
        for (const target of state(id).any) next.add(target);
        for (const target of state(id).literal.get(byte) ?? []) next.add(target);
      }
      if (next.size === 0) continue;
      let size = 0;
      for (const id of next) {
        size += state(id).patterns.size;
        for (const wildcard of state(id).any) if (!next.has(wildcard)) size += state(wildcard).patterns.size;
      }
      if (size > COMPLEXITY_LIMIT) return size;
      maximum = Math.max(maximum, size);
      const key = [...next].sort((a, b) => a - b).join(',');
      if (!seen.has(key)) {
        seen.add(key);
        pending.push([...next]);
      }
    }
  }
  return maximum;
}
