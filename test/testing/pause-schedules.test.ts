import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../testing/index.js';
import { assemblyOf } from '../local/assembly.js';

/**
 * A hand-written app whose flows start on a clock: a Scheduler schedule starting a state
 * machine (the flow Report) and a scheduled rule invoking a function (Sweeper).
 */
function clockApp(): string {
  return assemblyOf(
    {
      ReportStateMachine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          DefinitionString: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
          RoleArn: 'arn:aws:iam::000000000000:role/timed',
        },
      },
      ReportSchedule: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          ScheduleExpression: 'rate(1 day)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: { Ref: 'ReportStateMachine' }, RoleArn: 'arn:aws:iam::000000000000:role/timed' },
        },
      },
      Sweeper: {
        Type: 'AWS::Lambda::Function',
        Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Code: { ZipFile: 'exports.handler = async () => ({});' } },
      },
      SweepRule: {
        Type: 'AWS::Events::Rule',
        Properties: { ScheduleExpression: 'rate(1 day)', Targets: [{ Id: 'sweep', Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] } }] },
      },
    },
    'Timed',
  );
}

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ cdkOut: clockApp() });
});
afterAll(async () => {
  await app?.stop();
});

describe('TestApp.pause and resume of what starts on a clock', () => {
  it('disables the schedule that starts a flow and the scheduled rule that invokes a function, through UpdateSchedule and DisableRule', async () => {
    expect(await app.pause('Report')).toEqual([
      { consumer: 'schedule ReportSchedule', kind: 'schedule', state: 'DISABLED', changed: true },
    ]);
    expect(await app.pause('Sweeper')).toEqual([{ consumer: 'scheduled rule SweepRule', kind: 'rule', state: 'DISABLED', changed: true }]);
  });

  it('keeps the schedule disabled across a restart, and resumes both', async () => {
    await app.restart();
    expect(await app.pause('Report')).toEqual([
      { consumer: 'schedule ReportSchedule', kind: 'schedule', state: 'DISABLED', changed: false },
    ]);
    expect(await app.resume('Report')).toEqual([
      { consumer: 'schedule ReportSchedule', kind: 'schedule', state: 'ENABLED', changed: true },
    ]);
    // The local runtime deploys its template rules again at each start: the scheduled rule runs again after the restart.
    expect(await app.resume('Sweeper')).toEqual([{ consumer: 'scheduled rule SweepRule', kind: 'rule', state: 'ENABLED', changed: false }]);
  });
});
