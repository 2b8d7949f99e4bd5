/** Text helpers with no DOM (the pure modules' tests run them in Node). */

/** `text`, or its first `max - 1` characters and an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
