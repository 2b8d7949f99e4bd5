/** The start-up warnings the modules give while the runtime starts: each said once, in its last form. */

/**
 * Replaces `before`'s lines in `warnings` (each once, as warned) by `now`'s not said already
 * elsewhere, put where the first of them stood (at the end when none is there).
 */
export function restated(warnings: string[], before: readonly string[], now: readonly string[]): void {
  const removed = new Set<number>();
  for (const line of before) {
    const index = warnings.findIndex((warning, i) => warning === line && !removed.has(i));
    if (index !== -1) removed.add(index);
  }
  const at = removed.size === 0 ? warnings.length : Math.min(...removed);
  const kept = warnings.filter((_, i) => !removed.has(i));
  const added = [...new Set(now)].filter((line) => !kept.includes(line));
  const result = warnings.flatMap((warning, i) => [...(i === at ? added : []), ...(removed.has(i) ? [] : [warning])]);
  if (at === warnings.length) result.push(...added);
  warnings.splice(0, warnings.length, ...result);
}

/** Adds the lines not warned of already: a start says each once (a later wave of custom resources may leave the same change unapplied). */
export function warnOnce(warnings: string[], lines: readonly string[]): void {
  for (const line of lines) if (!warnings.includes(line)) warnings.push(line);
}
