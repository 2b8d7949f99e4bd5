import { describe, expect, it } from 'vitest';
import { dryRunTable, summaryLines } from '../../cli/commands/replay.js';
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

const dryRun = (fn: string, at: number, eventId: string, report: Partial<ReplayReport>): ReplayReport => ({
  function: fn,
  timestamp: new Date(at),
  outcome: 'dry-run',
  eventId,
  detailType: 'OrderPlaced',
  idempotencyKey: `OrderPlaced#orderId="${eventId}"`,
  valid: true,
  claim: 'none',
  ...report,
});

describe('dryRunTable', () => {
  it("says what each consumer would run in words, an ARN by its resource's name", () => {
    const rows = dryRunTable([
      dryRun('NotifyCustomerHandler', 1, 'O-1', { detailType: 'OrderRecorded', wouldRun: { handle: 'OrderRecorded' } }),
      dryRun('FulfilmentStarterHandler', 2, 'O-1', {
        wouldRun: {
          startExecution: {
            stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:App-FulfilmentStateMachineE22F1BA6',
            workflowType: 'STANDARD',
            name: 'OrderPlaced-Pp_pbZf',
          },
        },
      }),
      dryRun('RecordOrderHandler', 3, 'O-2', {
        valid: false,
        wouldRun: { deadLetter: 'InvalidEvent' },
        problems: ['/amount: must be number'],
      }),
    ]).split('\n');
    expect(rows[1]).toMatch(
      /^FulfilmentStarterHandler\s+would run .*\s+startExecution: stateMachineArn=FulfilmentStateMachine, workflowType=STANDARD, name=OrderPlaced-Pp_pbZf$/,
    );
    expect(rows[2]).toMatch(/^NotifyCustomerHandler\s+would run .*\s+handle OrderRecorded$/);
    expect(rows[3]).toMatch(/^RecordOrderHandler\s+invalid .*\s+nothing: dead-lettered as InvalidEvent: \/amount: must be number$/);
  });

  it('groups the rows by consumer, each in the order it took the events', () => {
    const rows = dryRunTable([
      dryRun('RecordOrderHandler', 2, 'O-1', {}),
      dryRun('FulfilmentStarterHandler', 1, 'O-1', {}),
      dryRun('RecordOrderHandler', 4, 'O-2', {}),
      dryRun('FulfilmentStarterHandler', 3, 'O-2', {}),
      dryRun('RecordOrderHandler', 1, 'O-0', {}),
    ]);
    expect(
      rows
        .split('\n')
        .slice(1)
        .map((row) =>
          row
            .split(/\s+/)
            .slice(0, 1)
            .concat(row.match(/O-\d/)?.[0] ?? ''),
        ),
    ).toEqual([
      ['FulfilmentStarterHandler', 'O-1'],
      ['FulfilmentStarterHandler', 'O-2'],
      ['RecordOrderHandler', 'O-0'],
      ['RecordOrderHandler', 'O-1'],
      ['RecordOrderHandler', 'O-2'],
    ]);
  });
});
