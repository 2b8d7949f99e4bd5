import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteArchiveCommand,
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ListArchivesCommand,
  ListTagsForResourceCommand,
  PutEventsCommand,
  PutPermissionCommand,
  RemovePermissionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region, tempDataDir } from '../helpers.js';
import { roleConfig } from '../restartable-runtime.js';
import { serviceRole } from '../template-resources.js';

const ACCOUNT = '000000000000';
const runtimes = new RuntimesWithData();
afterAll(() => runtimes.stopAll());

const client = (runtime: LocalRuntime) => new EventBridgeClient({ endpoint: runtime.url, region, credentials });

/** Bus `hub` with a policy statement from the template that lets account 111111111111 put events. */
const POLICY_APP = {
  Hub: { Type: 'AWS::Events::EventBus', Properties: { Name: 'hub' } },
  HubPolicy: {
    Type: 'AWS::Events::EventBusPolicy',
    Properties: {
      EventBusName: { Ref: 'Hub' },
      StatementId: 'from-partner',
      Statement: { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'events:PutEvents', Resource: '*' },
    },
  },
};

describe('EventBridge bus policies, tags and archives', () => {
  it("puts a template's EventBusPolicy into its bus's policy, with no start-up line (IAM evaluates it)", async () => {
    const runtime = await runtimes.start(assemblyOf(POLICY_APP));
    const bus = await client(runtime).send(new DescribeEventBusCommand({ Name: 'hub' }));
    expect(JSON.parse(bus.Policy ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'from-partner',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111111111111:root' },
          Action: 'events:PutEvents',
          Resource: '*',
        },
      ],
    });
    expect(runtime.warnings.filter((line) => line.includes('HubPolicy'))).toEqual([]);
  });

  it('keeps a bus policy, tags, an archive and creation times across a restart', async () => {
    const dataDir = tempDataDir();
    const app = assemblyOf({});
    const first = await runtimes.start(app, { dataDir });
    const events = client(first);
    const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: 'orders', Tags: [{ Key: 'team', Value: 'a' }] }));
    await events.send(
      new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutEvents', Principal: '222222222222', StatementId: 'b' }),
    );
    await events.send(new TagResourceCommand({ ResourceARN: EventBusArn, Tags: [{ Key: 'cost', Value: 'x' }] }));
    await events.send(new CreateArchiveCommand({ ArchiveName: 'kept', EventSourceArn: EventBusArn }));
    const before = await events.send(new DescribeEventBusCommand({ Name: 'orders' }));
    const archived = await events.send(new DescribeArchiveCommand({ ArchiveName: 'kept' }));
    await runtimes.stopAll();

    const again = client(await runtimes.start(app, { dataDir }));
    const after = await again.send(new DescribeEventBusCommand({ Name: 'orders' }));
    expect(after).toMatchObject({ Policy: before.Policy, CreationTime: before.CreationTime, LastModifiedTime: before.LastModifiedTime });
    expect((await again.send(new ListTagsForResourceCommand({ ResourceARN: EventBusArn }))).Tags).toEqual([
      { Key: 'team', Value: 'a' },
      { Key: 'cost', Value: 'x' },
    ]);
    expect(await again.send(new DescribeArchiveCommand({ ArchiveName: 'kept' }))).toMatchObject({
      ArchiveArn: archived.ArchiveArn,
      CreationTime: archived.CreationTime,
    });
  });

  it('lets a role put events on a bus once PutPermission allows it, not before and not after RemovePermission, also after a restart', async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/partner`;
    const app = assemblyOf({
      Orders: { Type: 'AWS::Events::EventBus', Properties: { Name: 'orders' } },
      // A role of the account with no identity policy: only the bus's policy can let it put events.
      Partner: serviceRole('lambda.amazonaws.com', { RoleName: 'partner' }),
    });
    const dataDir = tempDataDir();
    const first = await runtimes.start(app, { dataDir, iam: 'enforce' });
    const put = async (runtime: LocalRuntime) => {
      const asRole = new EventBridgeClient(roleConfig(runtime, role, 'p'));
      const entry = { EventBusName: 'orders', Source: 'partner', DetailType: 'Placed', Detail: '{}' };
      return asRole.send(new PutEventsCommand({ Entries: [entry] })).then(
        () => 'put',
        (error: Error) => error.name,
      );
    };
    expect(await put(first)).toBe('AccessDeniedException');
    const statement = { Sid: 'partner', Effect: 'Allow', Principal: { AWS: role }, Action: 'events:PutEvents', Resource: '*' };
    await client(first).send(
      new PutPermissionCommand({ EventBusName: 'orders', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) }),
    );
    expect(await put(first)).toBe('put');
    await runtimes.stopAll();

    const again = await runtimes.start(app, { dataDir, iam: 'enforce' });
    expect(await put(again)).toBe('put');
    await client(again).send(new RemovePermissionCommand({ EventBusName: 'orders', StatementId: 'partner' }));
    expect(await put(again)).toBe('AccessDeniedException');
  });

  it('archives the events an API archive matches, and DeleteArchive drops them with it', async () => {
    const events = client(await runtimes.start(assemblyOf({})));
    const arn = `arn:aws:events:${region}:${ACCOUNT}:event-bus/default`;
    await events.send(
      new CreateArchiveCommand({ ArchiveName: 'orders', EventSourceArn: arn, EventPattern: JSON.stringify({ source: ['orders'] }) }),
    );
    const entry = (source: string) => ({ Source: source, DetailType: 'Placed', Detail: '{}' });
    await events.send(new PutEventsCommand({ Entries: [entry('orders'), entry('other'), entry('orders')] }));
    await eventually(async () => {
      const { EventCount } = await events.send(new DescribeArchiveCommand({ ArchiveName: 'orders' }));
      return EventCount === 2 ? true : undefined;
    });
    // Every local archive is ENABLED: none is listed under another state.
    expect((await events.send(new ListArchivesCommand({ State: 'DISABLED' }))).Archives).toEqual([]);
    await events.send(new DeleteArchiveCommand({ ArchiveName: 'orders' }));
    await events.send(new CreateArchiveCommand({ ArchiveName: 'orders', EventSourceArn: arn }));
    expect((await events.send(new DescribeArchiveCommand({ ArchiveName: 'orders' }))).EventCount).toBe(0);
  });

  it('fails CreateArchive with an event pattern that is not valid, keeping no archive', async () => {
    const events = client(await runtimes.start(assemblyOf({})));
    const arn = `arn:aws:events:${region}:${ACCOUNT}:event-bus/default`;
    await expect(
      events.send(new CreateArchiveCommand({ ArchiveName: 'bad', EventSourceArn: arn, EventPattern: JSON.stringify({ source: 'x' }) })),
    ).rejects.toMatchObject({ name: 'InvalidEventPatternException' });
    await expect(events.send(new DescribeArchiveCommand({ ArchiveName: 'bad' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
