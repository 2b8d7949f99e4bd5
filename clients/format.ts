/** Renders rows as aligned columns under a header; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** 850ms, 1.2s, 3m 20s, 2h 05m, 3d 4h. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** An ISO time to the second, in UTC. */
export function time(date: Date | undefined): string {
  return date === undefined ? '-' : `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** One-line text cut to `max` characters, saying how much was left out. */
export function truncate(text: string, max = 200): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max)}… (${flat.length - max} more chars)`;
}

/**
 * One-line text of at most about `max` characters that keeps its start and its end and folds
 * the middle, saying how much: for text whose end matters as much as its start (a JSON object
 * whose last field is a result).
 */
export function fold(text: string, max = 200): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  if (flat.length <= max) return flat;
  const tail = Math.floor(max / 3);
  const head = max - tail;
  return `${flat.slice(0, head)} …(${flat.length - max} chars)… ${flat.slice(flat.length - tail)}`;
}

/**
 * Dollars: cents from a cent up; below it two significant digits, however small (a model
 * call's $0.000011), so that no price that is not zero reads as $0.0000.
 */
export function usd(amount: number): string {
  if (amount !== 0 && Math.abs(amount) < 0.01) {
    // Of the amount rounded to two digits: $0.0000099999 is $0.000010, not $0.0000100.
    const decimals = Math.max(4, 1 - Math.floor(Math.log10(Math.abs(Number(amount.toPrecision(2))))));
    return `$${amount.toFixed(decimals)}`;
  }
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : 0 });
}
