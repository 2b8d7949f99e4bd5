/** Types of console-format.mjs, which the worker thread loads as plain JavaScript. */

/** Replaces console's methods with ones writing each call as Lambda's Node.js runtime does. */
export function formatConsoleAsLambda(
  currentRequestId: () => string | undefined,
  logging?: { readonly logFormat?: string; readonly applicationLogLevel?: string },
): void;

/** A line written to stdout or stderr as the record it is, with its own line breaks back. */
export function logRecord(line: string): string;
