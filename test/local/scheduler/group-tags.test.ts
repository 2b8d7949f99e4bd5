import { DatabaseSync } from 'node:sqlite';
import {
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { SchedulerService } from '../../../local/scheduler/scheduler-service.js';
import { ManualClock } from '../../../local/time/clock.js';
import { sdkFailure } from '../../helpers/sdk-failure.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const GROUPS = 'arn:aws:scheduler:us-east-1:000000000000:schedule-group/';

describe('Scheduler schedule group tags', () => {
  const local = restartableRuntime({
    assembly: () =>
      assemblyOf({
        Group: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: 'jobs', Tags: [{ Key: 'team', Value: 'ops' }] } },
      }),
    ownsAssembly: true,
    clients: (runtime) => ({ scheduler: new SchedulerClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
  });
  const tagsOf = async (ResourceArn: string) => (await local.scheduler.send(new ListTagsForResourceCommand({ ResourceArn }))).Tags;

  it("tags the template's group with its Tags, which TagResource and UntagResource change and a restart gives back", async () => {
    const arn = `${GROUPS}jobs`;
    expect(await tagsOf(arn)).toEqual([{ Key: 'team', Value: 'ops' }]);
    await local.scheduler.send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: [
          { Key: 'owner', Value: 'ana' },
          { Key: 'team', Value: 'dev' },
        ],
      }),
    );
    await local.scheduler.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['owner', 'absent'] }));
    expect(await tagsOf(arn)).toEqual([{ Key: 'team', Value: 'dev' }]);
    await local.restart();
    expect(await tagsOf(arn)).toEqual([{ Key: 'team', Value: 'ops' }]);
  });

  it("keeps CreateScheduleGroup's tags across a restart, and a deleted group's go with it", async () => {
    const { ScheduleGroupArn: arn = '' } = await local.scheduler.send(
      new CreateScheduleGroupCommand({ Name: 'made', Tags: [{ Key: 'stage', Value: 'dev' }] }),
    );
    await local.restart();
    expect(await tagsOf(arn)).toEqual([{ Key: 'stage', Value: 'dev' }]);
    await local.scheduler.send(new DeleteScheduleGroupCommand({ Name: 'made' }));
    await local.scheduler.send(new CreateScheduleGroupCommand({ Name: 'made' }));
    expect(await tagsOf(arn)).toEqual([]);
  });

  describe('errors', () => {
    it('fails if the ARN names a schedule group that does not exist', async () => {
      expect(await sdkFailure(local.scheduler.send(new ListTagsForResourceCommand({ ResourceArn: `${GROUPS}none` })))).toEqual({
        code: 'ResourceNotFoundException',
        message: 'Schedule group none does not exist.',
        status: 404,
      });
    });

    it("fails if the ARN is not a schedule group's (the model's pattern)", async () => {
      const schedule = 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/nightly';
      expect(await sdkFailure(local.scheduler.send(new TagResourceCommand({ ResourceArn: schedule, Tags: [] })))).toMatchObject({
        code: 'ValidationException',
        status: 400,
      });
    });
  });
});

describe('SchedulerService', () => {
  it('forgets the tags of a group the template no longer declares', async () => {
    const db = new DatabaseSync(':memory:');
    const options = {
      db,
      clock: new ManualClock(),
      region: 'us-east-1',
      accountId: '000000000000',
      schedules: [],
      targets: { sqs: {} } as never,
    };
    const first = new SchedulerService({ ...options, groups: [{ Name: 'gone', Arn: `${GROUPS}gone`, tags: { team: 'a' } }] });
    expect(first.tags.map(`${GROUPS}gone`)).toEqual({ team: 'a' });
    const second = new SchedulerService({ ...options, groups: [] });
    expect(second.tags.map(`${GROUPS}gone`)).toEqual({});
  });
});
