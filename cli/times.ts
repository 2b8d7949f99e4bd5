import { usageError } from '../inspect/errors.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time given on the command line: `now`, a duration ago (`30m`, `2h`, `7d`,
 * `90s`, `1w`), or an ISO-8601 time (`2026-11-22T14:00:00Z`, `2026-11-22`). A usage error
 * naming the option otherwise.
 */
export function timeOption(name: string, value: string, now: number = Date.now()): Date {
  const text = value.trim();
  if (text === 'now') return new Date(now);
  const relative = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text);
  if (relative) return new Date(now - Number(relative[1]) * (UNITS[relative[2] as string] as number));
  // Date.parse takes many shapes; only ISO-8601 dates and times are accepted, so "5" or "monday" is refused.
  if (/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/.test(text)) {
    const parsed = Date.parse(text.replace(' ', 'T'));
    if (Number.isFinite(parsed)) return new Date(parsed);
  }
  throw usageError(
    `--${name} must be a duration ago such as 30m, 2h or 7d, an ISO-8601 time such as 2026-11-22T14:00:00Z, or now (got "${value}")`,
  );
}
