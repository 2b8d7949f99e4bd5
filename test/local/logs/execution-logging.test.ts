import { afterEach, describe, expect, it } from 'vitest';
import { StatesService } from '../../../local/states/states-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';

const ROLE = 'arn:aws:iam::000000000000:role/r';
const GROUP_ARN = 'arn:aws:logs:us-east-1:000000000000:log-group:/flows:*';
const definition = JSON.stringify({
  StartAt: 'Check',
  States: { Check: { Type: 'Pass', Next: 'Reject' }, Reject: { Type: 'Fail', Error: 'Rejected', Cause: 'no' } },
});

/** What Step Functions hands CloudWatch Logs, by stream, to the groups there are (`/flows`). */
function recorder() {
  const written: { group: string; stream: string; timestamp: number; record: Record<string, unknown> }[] = [];
  const groups = new Set(['/flows']);
  const opened: string[] = [];
  return {
    written,
    groups,
    opened,
    write(group: string, stream: string, events: readonly { timestamp: number; message: string }[]) {
      for (const e of events) written.push({ group, stream, timestamp: e.timestamp, record: JSON.parse(e.message) });
    },
    hasGroup: (name: string) => groups.has(name),
    openStream: (group: string, stream: string) => {
      opened.push(`${group} ${stream}`);
    },
  };
}

let service: StatesService | undefined;
afterEach(async () => {
  await service?.close();
});

async function run(logging: object | undefined, type: 'STANDARD' | 'EXPRESS' = 'STANDARD', logs = recorder()) {
  service = new StatesService({
    db: openDatabase(':memory:'),
    accountId: '000000000000',
    region: 'us-east-1',
    clock: new ManualClock(),
    logs,
  });
  const { stateMachineArn } = await service.CreateStateMachine({
    name: 'flow',
    definition,
    roleArn: ROLE,
    type,
    ...(logging ? { loggingConfiguration: logging } : {}),
  });
  if (type === 'EXPRESS') {
    await service.StartSyncExecution({ stateMachineArn, input: '{"secret":1}' });
  } else {
    const { executionArn } = await service.StartExecution({ stateMachineArn, input: '{"secret":1}' });
    await service.executionOutcome(executionArn, new AbortController().signal);
  }
  return logs.written;
}

describe('ExecutionLogging', () => {
  it('logs only error events at level ERROR, without execution data unless asked', async () => {
    const written = await run({
      level: 'ERROR',
      includeExecutionData: false,
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: GROUP_ARN } }],
    });
    expect(written.map((w) => w.record.type)).toEqual(['FailStateEntered', 'ExecutionFailed']);
    expect(written[0]?.group).toBe('/flows');
    expect(written[0]?.stream).toBe('states/flow/2026-01-01-00-00/00000000');
    // Without execution data, the data's details go too (AWS's recorded records).
    expect(written[0]?.record.details).toEqual({ name: 'Reject' });
    expect(written[1]?.record).toMatchObject({
      details: { error: 'Rejected', cause: 'no' },
      execution_arn: `arn:aws:states:us-east-1:000000000000:execution:flow:${String(written[1]?.record.execution_arn).split(':').at(-1)}`,
      redrive_count: '0',
    });
  });

  it('logs every event at level ALL, with input and output when includeExecutionData is set', async () => {
    const written = await run(
      { level: 'ALL', includeExecutionData: true, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: GROUP_ARN } }] },
      'EXPRESS',
    );
    expect(written.map((w) => w.record.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    expect(written[1]?.record.details).toMatchObject({ name: 'Check', input: '{"secret":1}' });
    expect(written.map((w) => w.record.id)).toEqual(['1', '2', '3', '4', '5']);
  });

  it("logs only the execution's failure at level FATAL, and nothing at OFF or without a configuration", async () => {
    const fatal = await run({
      level: 'FATAL',
      includeExecutionData: false,
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: GROUP_ARN } }],
    });
    expect(fatal.map((w) => w.record.type)).toEqual(['ExecutionFailed']);
    await service?.close();
    expect(await run({ level: 'OFF' })).toEqual([]);
    await service?.close();
    expect(await run(undefined, 'EXPRESS')).toEqual([]);
  });
});

describe('ExecutionLogging, its log group', () => {
  const ALL = { level: 'ALL', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: GROUP_ARN } }] };

  it("opens the delivery check's stream in the group once a machine is configured to log to it, as AWS does", async () => {
    const logs = recorder();
    await run(ALL, 'STANDARD', logs);
    expect(logs.opened).toEqual(['/flows log_stream_created_by_aws_to_validate_log_delivery_subscriptions']);
  });

  it('logs nothing to a group deleted after the machine was configured', async () => {
    const logs = recorder();
    const { hasGroup } = logs;
    let deleted = false;
    logs.hasGroup = (name) => !deleted && hasGroup(name);
    const write = logs.write;
    logs.write = (...args) => {
      deleted = true;
      write(...args);
    };
    // The first event is written; the group is gone after it.
    expect((await run(ALL, 'STANDARD', logs)).map((w) => w.record.type)).toEqual(['ExecutionStarted']);
  });

  it('fails if the group does not exist, as AWS answers', async () => {
    const logs = recorder();
    logs.groups.clear();
    await expect(run(ALL, 'STANDARD', logs)).rejects.toThrow('Invalid Logging Configuration: Log Destination not found.');
  });
});

describe('checkLoggingConfiguration', () => {
  it('fails if a level other than OFF has no log group, or the group ARN lacks its :* qualifier', async () => {
    service = new StatesService({ db: openDatabase(':memory:'), accountId: '000000000000', region: 'us-east-1', clock: new ManualClock() });
    const create = (loggingConfiguration: object) =>
      (service as StatesService).CreateStateMachine({ name: 'm', definition, roleArn: ROLE, loggingConfiguration });
    const destination = { cloudWatchLogsLogGroup: { logGroupArn: GROUP_ARN } };
    await expect(create({ level: 'ALL' })).rejects.toThrow('Invalid Logging Configuration: Must specify exactly one Log Destination.');
    await expect(create({ level: 'OFF', destinations: [destination, destination] })).rejects.toThrow(
      'Invalid Logging Configuration: Must specify exactly one Log Destination.',
    );
    await expect(
      create({ level: 'ALL', destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: GROUP_ARN.replace(/:\*$/, '') } }] }),
    ).rejects.toThrow("Invalid Logging Configuration: Log Group ARN must be provided with '*' qualifier.");
    await expect(create({ level: 'LOUD' })).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(create({ level: 'OFF' })).resolves.toBeDefined();
  });

  it('describes a configuration with the level and the data flag AWS defaults, and the destinations as given', async () => {
    service = new StatesService({ db: openDatabase(':memory:'), accountId: '000000000000', region: 'us-east-1', clock: new ManualClock() });
    const states = service;
    const describe = async (name: string, loggingConfiguration: object) => {
      const { stateMachineArn } = await states.CreateStateMachine({ name, definition, roleArn: ROLE, loggingConfiguration });
      return (await states.DescribeStateMachine({ stateMachineArn })).loggingConfiguration;
    };
    expect(await describe('a', {})).toEqual({ level: 'OFF', includeExecutionData: false });
    expect(await describe('b', { destinations: [] })).toEqual({ level: 'OFF', includeExecutionData: false, destinations: [] });
  });
});
