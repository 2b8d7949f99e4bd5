/** Replays of LocalStack's tests/aws/services/events/test_archive_and_replay.py, TestReplay (its error answers). */
import { DescribeReplayCommand, StartReplayCommand, type StartReplayCommandInput } from '@aws-sdk/client-eventbridge';
import type { CaseContext, ReplayedCase } from './context.js';
import { failure } from './snapshot.js';

/** The recording's window: the last minute. */
const lastMinute = () => ({ EventStartTime: new Date(Date.now() - 60_000), EventEndTime: new Date() });

const startReplay = (c: CaseContext, input: Omit<StartReplayCommandInput, 'Description'>) =>
  c.events.send(new StartReplayCommand({ Description: 'description of the replay', ...input }));

async function busWithArchive(c: CaseContext) {
  const bus = `test-bus-${c.uid()}`;
  const { EventBusArn = '' } = await c.createBus({ Name: bus });
  const { ArchiveArn = '' } = await c.createArchive({
    ArchiveName: `test-archive-${c.uid()}`,
    EventSourceArn: EventBusArn,
    RetentionDays: 1,
  });
  return { busArn: EventBusArn, archiveArn: ArchiveArn };
}

/** events_create_archive with its defaults: an archive of the default bus. */
async function defaultArchive(c: CaseContext, input: { RetentionDays?: number } = {}) {
  const EventSourceArn = `arn:aws:events:${c.region}:${c.accountId}:event-bus/default`;
  const { ArchiveArn = '' } = await c.createArchive({ ArchiveName: `test-archive-${c.uid()}`, EventSourceArn, ...input });
  return ArchiveArn;
}

async function invalidEndTime(c: CaseContext, secondsBefore: number) {
  const bus = `test-bus-${c.uid()}`;
  const { EventBusArn } = await c.createBus({ Name: bus });
  const archiveArn = await defaultArchive(c);
  const start = new Date();
  // The recording's end: the start without its fraction of a second, less the parameter.
  const end = new Date(Math.floor(start.getTime() / 1000) * 1000 - secondsBefore * 1000);
  const replay = { ReplayName: `test-replay-${c.uid()}`, EventSourceArn: archiveArn, EventStartTime: start, EventEndTime: end };
  c.snap.match(
    'start-replay-invalid-end-time-error',
    await failure(() => startReplay(c, { ...replay, Destination: { Arn: EventBusArn } })),
  );
}

export const replayCases: Record<string, ReplayedCase> = {
  'TestReplay::test_describe_replay_error_unknown_replay': async (c) => {
    const name = `doesnotexist-${c.uid()}`;
    c.snap.regex(name, '<replay-name>');
    c.snap.match(
      'describe-replay-unknown-replay-error',
      await failure(() => c.events.send(new DescribeReplayCommand({ ReplayName: name }))),
    );
  },
  'TestReplay::test_start_replay_error_unknown_event_bus': async (c) => {
    const archiveArn = await defaultArchive(c, { RetentionDays: 1 });
    const bus = `doesnotexist-${c.uid()}`;
    const replay = { ReplayName: `test-replay-${c.uid()}`, EventSourceArn: archiveArn, ...lastMinute() };
    const missing = { Arn: `arn:aws:events:${c.region}:${c.accountId}:event-bus/${bus}` };
    c.snap.regex(bus, '<event-bus-name>');
    c.snap.match('start-replay-unknown-event-bus-error', await failure(() => startReplay(c, { ...replay, Destination: missing })));
    const { EventBusArn } = await c.createBus({ Name: bus });
    c.snap.match(
      'start-replay-wrong-event-bus-error',
      await failure(() => startReplay(c, { ...replay, Destination: { Arn: EventBusArn } })),
    );
  },
  'TestReplay::test_start_replay_error_unknown_archive': async (c) => {
    const archive = `doesnotexist-${c.uid()}`;
    c.snap.regex(archive, '<archive-name>');
    const replay = {
      ReplayName: 'test-replay',
      EventSourceArn: `arn:aws:events:${c.region}:${c.accountId}:archive/${archive}`,
      Destination: { Arn: `arn:aws:events:${c.region}:${c.accountId}:event-bus/default` },
      ...lastMinute(),
    };
    c.snap.match('start-replay-unknown-archive-error', await failure(() => startReplay(c, replay)));
  },
  'TestReplay::test_start_replay_error_duplicate_name_same_archive': async (c) => {
    const { busArn, archiveArn } = await busWithArchive(c);
    const name = `test-replay-${c.uid()}`;
    const replay = { ReplayName: name, EventSourceArn: archiveArn, Destination: { Arn: busArn }, ...lastMinute() };
    await startReplay(c, replay);
    c.snap.regex(name, '<replay-name>');
    c.snap.match('start-replay-duplicate-error', await failure(() => startReplay(c, replay)));
  },
  'TestReplay::test_start_replay_error_duplicate_different_archive': async (c) => {
    const one = await busWithArchive(c);
    const two = await busWithArchive(c);
    const name = `test-replay-${c.uid()}`;
    const window = lastMinute();
    await startReplay(c, { ReplayName: name, EventSourceArn: one.archiveArn, Destination: { Arn: one.busArn }, ...window });
    c.snap.regex(name, '<replay-name>');
    const again = { ReplayName: name, EventSourceArn: two.archiveArn, Destination: { Arn: two.busArn }, ...window };
    c.snap.match('start-replay-duplicate-error', await failure(() => startReplay(c, again)));
  },
  'TestReplay::test_start_replay_error_invalid_end_time[0]': (c) => invalidEndTime(c, 0),
  'TestReplay::test_start_replay_error_invalid_end_time[10]': (c) => invalidEndTime(c, 10),
};
