import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_DIFFERENCES } from '../../../local/eventbridgev2/module.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { assemblyOf } from '../assembly.js';
import { disposableData, tempDataDir } from '../helpers.js';
import { inlinePolicy, serviceRole } from '../template-resources.js';
import { BOTOCORE_SKIP_REASON, botocore, botocoreMissing, ok } from './botocore.js';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deliver`;
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:orders`;

/** An app declaring the custom event bus resources as `aws-cdk-lib/aws-eventsv2`'s L1s synthesize them. */
const APP = assemblyOf({
  Bus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'app-bus', Description: 'The app', Tags: [{ Key: 'team', Value: 'a' }] } },
  ToQueue: {
    Type: 'AWS::EventsV2::Subscriber',
    Properties: {
      Name: 'to-queue',
      EventBusArn: { Ref: 'Bus' },
      InvokeConfiguration: { RoleArn: ROLE, TargetArn: QUEUE },
      FilterConfiguration: { Filters: [{ Pattern: '{"source": ["shop"]}', Scope: 'DATA' }] },
    },
  },
  S3Events: {
    Type: 'AWS::EventsV2::EventSource',
    Properties: {
      Name: 's3-events',
      EventBusArn: { 'Fn::GetAtt': ['Bus', 'EventBusArn'] },
      Configuration: { AwsServiceEventsConfiguration: { AwsService: 'aws.s3' } },
    },
  },
  Policy: {
    Type: 'AWS::EventsV2::ResourcePolicy',
    Properties: {
      ResourceArn: { Ref: 'Bus' },
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'events:PutEvents', Resource: '*' }],
      },
    },
  },
  // Where the template reads the bus's return values: a parameter's value holds them.
  Refs: {
    Type: 'AWS::SSM::Parameter',
    Properties: {
      Type: 'String',
      Name: 'refs',
      Value: { 'Fn::Join': [' ', [{ Ref: 'Bus' }, { 'Fn::GetAtt': ['Bus', 'State'] }, { 'Fn::GetAtt': ['ToQueue', 'SubscriberArn'] }]] },
    },
  },
});

/**
 * The `AWS::EventsV2::*` resources of a template in the local runtime: run (not named as left
 * out), their Refs the ARNs the API describes them by, ACTIVE, and what the API makes kept across a restart.
 */
describe.skipIf(botocoreMissing)('EventBridgeV2 in the local runtime', () => {
  const dataDir = tempDataDir();
  let runtime: LocalRuntime;

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ cdkOut: APP, dataDir, port: 0, log: () => undefined });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it("runs the template's buses, subscribers, event sources and policies, describing each under its Ref", async () => {
    // Run, not named as left out: the one line says what does not happen yet (no delivery).
    expect(runtime.warnings.filter((line) => line.includes('EventsV2'))).toEqual([DELIVERY_DIFFERENCES]);
    const { Parameter } = (await runtime.ssm.GetParameter({ Name: 'refs' })) as { Parameter: { Value: string } };
    const [busArn, state, subscriberArn] = Parameter.Value.split(' ');
    expect(busArn).toMatch(/^arn:aws:events:us-east-1:000000000000:event-busv2\/app-bus\/[a-z0-9]{25}$/);
    expect(state).toBe('ACTIVE');
    const [bus, subscriber, sources, policy, tags] = await botocore(runtime.url, [
      { operation: 'describe_event_bus', params: { EventBusArn: busArn } },
      { operation: 'describe_subscriber', params: { SubscriberArn: subscriberArn } },
      { operation: 'list_event_sources', params: { EventBusArn: busArn } },
      { operation: 'get_resource_policy', params: { ResourceArn: busArn } },
      { operation: 'list_tags_for_resource', params: { ResourceArn: busArn } },
    ]);
    expect(ok(bus)).toMatchObject({ Name: 'app-bus', Description: 'The app', State: 'ACTIVE', EventBusArn: busArn });
    expect(ok(subscriber)).toMatchObject({
      Name: 'to-queue',
      EventBusArn: busArn,
      State: 'RUNNING',
      InvokeConfiguration: { TargetArn: QUEUE },
    });
    expect(ok(sources).EventSources).toEqual([expect.objectContaining({ Name: 's3-events', Type: 'AWS_SERVICE_EVENTS' })]);
    expect(JSON.parse(ok(policy).PolicyDocument as string).Statement[0].Action).toBe('events:PutEvents');
    expect(ok(tags).Tags).toEqual({ team: 'a' });
  });

  it('keeps a bus the API made, and the template’s under the same ARNs, across a restart', async () => {
    const made = ok((await botocore(runtime.url, [{ operation: 'create_event_bus', params: { Name: 'made-by-api' } }]))[0]).EventBusArn;
    const before = ok((await botocore(runtime.url, [{ operation: 'list_event_buses' }]))[0]).EventBuses;
    await runtime.stop();
    runtime = await LocalRuntime.start({ cdkOut: APP, dataDir, port: 0, log: () => undefined });
    const [after, described] = await botocore(runtime.url, [
      { operation: 'list_event_buses' },
      { operation: 'describe_event_bus', params: { EventBusArn: made } },
    ]);
    expect((ok(after).EventBuses as { EventBusArn: string }[]).map((b) => b.EventBusArn).sort()).toEqual(
      (before as { EventBusArn: string }[]).map((b) => b.EventBusArn).sort(),
    );
    expect(ok(described)).toMatchObject({ Name: 'made-by-api', State: 'ACTIVE' });
  });
});

/**
 * IAM over the API's protocol: each call is authorized as `events:<Operation>` on the v2
 * resource, and a refusal is answered in RPC v2 CBOR as the SDKs read it (AccessDeniedException, 403).
 */
describe.skipIf(botocoreMissing)('EventBridgeV2 under IAM', () => {
  const READER = `arn:aws:iam::${ACCOUNT}:role/bus-reader`;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    const app = assemblyOf({
      Bus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'guarded' } },
      Reader: serviceRole('lambda.amazonaws.com', {
        RoleName: 'bus-reader',
        Policies: [inlinePolicy('read', { Action: 'events:DescribeEventBus', Resource: { Ref: 'Bus' } })],
      }),
      Refs: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Name: 'bus', Value: { Ref: 'Bus' } } },
    });
    runtime = await LocalRuntime.start({ cdkOut: app, ...disposableData(), port: 0, log: () => undefined, iam: 'enforce' });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('lets a role do what its policy allows on the bus, and fails with AccessDeniedException for the rest', async () => {
    const { Parameter } = (await runtime.ssm.GetParameter({ Name: 'bus' })) as { Parameter: { Value: string } };
    const bus = Parameter.Value;
    const [described, deleted] = await botocore(
      runtime.url,
      [
        { operation: 'describe_event_bus', params: { EventBusArn: bus } },
        { operation: 'delete_event_bus', params: { EventBusArn: bus } },
      ],
      runtime.iam.principals.credentialsFor(READER, 'test'),
    );
    expect(ok(described)).toMatchObject({ Name: 'guarded', State: 'ACTIVE' });
    expect(deleted?.error).toMatchObject({ code: 'AccessDeniedException', status: 403 });
    expect(deleted?.error?.message).toContain(`is not authorized to perform: events:DeleteEventBus on resource: ${bus}`);
  });
});

if (botocoreMissing) console.info(BOTOCORE_SKIP_REASON);
