/** What an ended invocation's note (InvocationNote) says of the records of its batch it reported failed. */
export interface FailedRecords {
  /** What InvokeOptions.failedMessages read of the answer, so the lineage says an invocation failed records. */
  readonly failedMessages?: ReadonlySet<string> | 'invalid';
  /** The error the function logged for each record it reported failed, by message id (recordErrors). */
  readonly recordErrors?: ReadonlyMap<string, string>;
}

/** The records an invocation reported failed, and the error it logged for each: what its ended note says. */
export function failedNote(failedMessages: FailedRecords['failedMessages'], lines: readonly string[]): FailedRecords {
  if (failedMessages === 'invalid') return { failedMessages };
  if (!failedMessages?.size) return {};
  const errors = recordErrors(lines, failedMessages);
  return errors ? { failedMessages, recordErrors: errors } : { failedMessages };
}

/**
 * The error a function logged for each record it reported failed (batchItemFailures): a
 * structured log line (JSON, as Powertools' logger writes one, alone or after Node's console
 * prefix) that names the record's `messageId` and an error: `error: { name, message }` (the
 * logger's own error field), `error` as text, or `errorType` and `errorMessage`. Lambda keeps no
 * such thing (the records' reasons are in the logs); `switchyard failures` and the console show
 * it beside a record SQS will deliver again, where they could only say it was reported failed.
 * Read only for an invocation that reported records failed, and only lines that name one of them.
 */
export function recordErrors(lines: readonly string[], failed: ReadonlySet<string>): ReadonlyMap<string, string> | undefined {
  const errors = new Map<string, string>();
  for (const line of lines) {
    const start = line.indexOf('{');
    if (start < 0 || !line.includes('"messageId"')) continue;
    let logged: unknown;
    try {
      logged = JSON.parse(line.slice(start));
    } catch (error) {
      // Not one JSON value (text with braces in it): not a structured line.
      if (error instanceof SyntaxError) continue;
      throw error;
    }
    if (typeof logged !== 'object' || logged === null) continue;
    const { messageId } = logged as { messageId?: unknown };
    if (typeof messageId !== 'string' || !failed.has(messageId)) continue;
    const error = errorText(logged as Record<string, unknown>);
    // The last the function logged for the record: what finally failed it.
    if (error !== undefined) errors.set(messageId, error);
  }
  return errors.size > 0 ? errors : undefined;
}

/** `name: message` of a logged error, if the line has one. */
function errorText({ error, errorType, errorMessage }: Record<string, unknown>): string | undefined {
  if (typeof error === 'string' && error !== '') return error;
  if (typeof error === 'object' && error !== null) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (typeof message === 'string') return typeof name === 'string' && name !== '' ? `${name}: ${message}` : message;
  }
  if (typeof errorMessage === 'string')
    return typeof errorType === 'string' && errorType !== '' ? `${errorType}: ${errorMessage}` : errorMessage;
  return undefined;
}
