/**
 * Timestamps as Step Functions accepts them: RFC 3339 / ISO-8601 extended offset
 * date-time, upper-case `T`, and a `Z` or `±hh:mm` offset (no local times), with up to
 * nanosecond fractions. Parsed to [epoch seconds, nanoseconds] so comparisons are exact.
 */
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

export interface Instant {
  seconds: number;
  nanos: number;
}

export function parseTimestamp(text: string): Instant | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const dim = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > dim) return undefined;
  let offset = 0;
  const zone = m[8] as string;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 18 || om > 59) return undefined;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000 - offset;
  const nanos = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  return { seconds, nanos };
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos;
}

export const instantToMillis = (i: Instant) => i.seconds * 1000 + Math.floor(i.nanos / 1e6);

/**
 * The way AWS prints times in the context object: ISO-8601 with milliseconds, UTC. The last
 * one is kept: every state builds its context object with its entered time, and the states an
 * execution runs in one turn share a millisecond (a Date and its text a state were a
 * twentieth of a Pass chain's CPU in a profile).
 */
export function isoMillis(ms: number): string {
  if (ms !== lastMillis) {
    lastIso = new Date(ms).toISOString();
    lastMillis = ms;
  }
  return lastIso;
}
let lastMillis = Number.NaN;
let lastIso = '';
