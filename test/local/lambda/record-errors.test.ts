import { describe, expect, it } from 'vitest';
import { failedNote, recordErrors } from '../../../local/lambda/runtime/record-errors.js';

const failed = new Set(['m-1', 'm-2']);

describe('recordErrors', () => {
  it("reads the error a structured log line names for a failed record: Powertools' error field, text, or errorType and errorMessage", () => {
    const lines = [
      JSON.stringify({
        level: 'WARN',
        message: 'record failed',
        messageId: 'm-1',
        error: { name: 'StockError', message: 'no stock', stack: '...' },
      }),
      `2026-11-28T20:00:00.000Z\trequest-1\tERROR\t${JSON.stringify({ messageId: 'm-2', errorType: 'TypeError', errorMessage: 'x is undefined' })}`,
    ];
    expect(recordErrors(lines, failed)).toEqual(
      new Map([
        ['m-1', 'StockError: no stock'],
        ['m-2', 'TypeError: x is undefined'],
      ]),
    );
    expect(recordErrors([JSON.stringify({ messageId: 'm-1', error: 'timed out calling the model' })], failed)).toEqual(
      new Map([['m-1', 'timed out calling the model']]),
    );
  });

  it('takes the last error logged for a record', () => {
    const lines = ['first', 'then'].map((message) => JSON.stringify({ messageId: 'm-1', error: { name: 'Error', message } }));
    expect(recordErrors(lines, failed)?.get('m-1')).toBe('Error: then');
  });

  it('names nothing for a record not reported failed, a line with no error, or text that is not JSON', () => {
    const lines = [
      JSON.stringify({ messageId: 'm-9', error: { name: 'Error', message: 'not this one' } }),
      JSON.stringify({ level: 'INFO', message: 'processing', messageId: 'm-1' }),
      'the "messageId" of { m-1 } went wrong',
    ];
    expect(recordErrors(lines, failed)).toBeUndefined();
  });
});

describe('failedNote', () => {
  it('says which records failed and the errors logged for them, nothing for an invocation that failed none', () => {
    const line = JSON.stringify({ messageId: 'm-1', error: { name: 'Error', message: 'boom' } });
    expect(failedNote(failed, [line])).toEqual({ failedMessages: failed, recordErrors: new Map([['m-1', 'Error: boom']]) });
    expect(failedNote(failed, [])).toEqual({ failedMessages: failed });
    expect(failedNote('invalid', [line])).toEqual({ failedMessages: 'invalid' });
    expect(failedNote(new Set(), [line])).toEqual({});
    expect(failedNote(undefined, [line])).toEqual({});
  });
});
