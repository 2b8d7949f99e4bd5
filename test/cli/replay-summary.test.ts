import { describe, expect, it } from 'vitest';
import { summaryLines } from '../../cli/commands/replay.js';
import type { ReplayReport } from '../../cli/replay-reports.js';

const reprocessed = (eventId: string, result: ReplayReport['result']): ReplayReport => ({
  function: 'RecordOrder',
  timestamp: new Date(0),
  outcome: 'reprocessed',
  eventId,
  result,
});

describe('summaryLines', () => {
  it('says a failed replayed event is retried, not that it was dead-lettered', () => {
    expect(summaryLines('reprocess', [reprocessed('e-1', 'ran'), reprocessed('e-2', 'failed')])).toEqual([
      '2 replayed events reached the consumers: 1 ran, 1 failed (retried until they run or are dead-lettered: switchyard failures lists those dead-lettered)',
    ]);
  });

  it('counts an event by its last report: one that failed, then ran on its retry, ran', () => {
    expect(summaryLines('reprocess', [reprocessed('e-1', 'failed'), reprocessed('e-1', 'ran')])).toEqual([
      '1 replayed event reached the consumers: 1 ran',
    ]);
  });
});
