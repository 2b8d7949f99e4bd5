import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ListExportsCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFormationService } from '../../../local/cloudformation/cloudformation-service.js';
import { CloudFormationQueryProtocol } from '../../../local/cloudformation/query-protocol.js';
import { Endpoint } from '../../../local/endpoint/server.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import { loadApp } from '../../../local/template/load.js';

const CREATED = new Date('2026-11-23T03:00:00.000Z');
/** The app in test/fixtures/small-apps/synth.ts, synthesized and checked in. */
const ASSEMBLY = fileURLToPath(new URL('../../fixtures/small-apps/cloudformation-read-api', import.meta.url));

/**
 * CloudFormation's read API over a synthesized CDK app, called with the AWS SDK's own
 * CloudFormation client (the query protocol as the SDK and the CLI speak it): the calls the
 * scripts users run after `cdk deploy` make.
 */
describe('CloudFormationService', () => {
  let endpoint: Endpoint;
  let client: CloudFormationClient;

  beforeAll(async () => {
    const app = loadApp({ cdkOut: ASSEMBLY, baseUrl: 'http://localhost:4566', types: TEMPLATE_TYPES });

    endpoint = new Endpoint({ port: 0 });
    const url = await endpoint.start();
    endpoint.mount({
      jsonServices: [],
      queryServices: [new CloudFormationQueryProtocol(new CloudFormationService({ app: () => app, createdAt: CREATED }))],
    });
    client = new CloudFormationClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  });

  afterAll(async () => {
    client?.destroy();
    await endpoint?.stop();
  });

  it('describes a stack with its outputs, export names and parameters, as describe-stacks --query "Stacks[0].Outputs" reads them', async () => {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: 'Orders' }));
    expect(Stacks).toHaveLength(1);
    const [stack] = Stacks ?? [];
    expect(stack).toMatchObject({
      StackName: 'Orders',
      StackId: expect.stringMatching(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/Orders\/[0-9a-f-]{36}$/),
      Description: 'Orders service',
      StackStatus: 'CREATE_COMPLETE',
      CreationTime: CREATED,
    });
    expect(stack?.Outputs).toEqual(
      expect.arrayContaining([
        {
          OutputKey: 'InboxUrl',
          OutputValue: 'http://localhost:4566/000000000000/orders-inbox',
          Description: 'Where orders arrive',
          ExportName: 'OrdersInboxUrl',
        },
        { OutputKey: 'StageName', OutputValue: 'dev' },
        { OutputKey: 'JobsArn', OutputValue: 'arn:aws:sqs:us-east-1:000000000000:orders-jobs' },
      ]),
    );
    expect(stack?.Parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'Stage', ParameterValue: 'dev' },
        { ParameterKey: 'ApiToken', ParameterValue: '****' },
      ]),
    );
  });

  it('lists every stack, the nested one with its parent and root', async () => {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({}));
    const root = Stacks.find((s) => s.StackName === 'Orders');
    const nested = Stacks.find((s) => s.StackName !== 'Orders');
    expect(Stacks).toHaveLength(2);
    expect(Stacks[0]?.StackName).toBe('Orders');
    expect(nested).toMatchObject({ ParentId: root?.StackId, RootId: root?.StackId, StackStatus: 'CREATE_COMPLETE' });

    const { StackSummaries = [] } = await client.send(new ListStacksCommand({ StackStatusFilter: ['CREATE_COMPLETE'] }));
    expect(StackSummaries.map((s) => s.StackName)).toEqual(Stacks.map((s) => s.StackName));
    const deleted = await client.send(new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'] }));
    expect(deleted.StackSummaries ?? []).toEqual([]);
  });

  it('finds a stack by its id as well as by its name, and lists its resources with their physical ids', async () => {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: 'Orders' }));
    const { StackResourceSummaries = [] } = await client.send(new ListStackResourcesCommand({ StackName: Stacks[0]?.StackId }));
    expect(StackResourceSummaries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          LogicalResourceId: expect.stringMatching(/^Inbox/),
          PhysicalResourceId: 'http://localhost:4566/000000000000/orders-inbox',
          ResourceType: 'AWS::SQS::Queue',
          ResourceStatus: 'CREATE_COMPLETE',
        }),
        expect.objectContaining({ ResourceType: 'AWS::CloudFormation::Stack' }),
      ]),
    );
  });

  it('describes one resource, and the resources that match a physical id', async () => {
    const { StackResourceSummaries = [] } = await client.send(new ListStackResourcesCommand({ StackName: 'Orders' }));
    const inbox = StackResourceSummaries.find((r) => r.ResourceType === 'AWS::SQS::Queue');
    const { StackResourceDetail } = await client.send(
      new DescribeStackResourceCommand({ StackName: 'Orders', LogicalResourceId: inbox?.LogicalResourceId }),
    );
    expect(StackResourceDetail).toMatchObject({
      StackName: 'Orders',
      PhysicalResourceId: inbox?.PhysicalResourceId,
      LastUpdatedTimestamp: CREATED,
    });

    const { StackResources = [] } = await client.send(new DescribeStackResourcesCommand({ PhysicalResourceId: inbox?.PhysicalResourceId }));
    expect(StackResources.map((r) => r.LogicalResourceId)).toEqual([inbox?.LogicalResourceId]);
  });

  it('lists the exports other stacks import', async () => {
    const { Exports = [] } = await client.send(new ListExportsCommand({}));
    expect(Exports).toEqual([
      {
        ExportingStackId: expect.stringContaining(':stack/Orders/'),
        Name: 'OrdersInboxUrl',
        Value: 'http://localhost:4566/000000000000/orders-inbox',
      },
    ]);
  });

  it('fails if the stack does not exist, with the ValidationError CloudFormation answers', async () => {
    const error = await client.send(new DescribeStacksCommand({ StackName: 'Nope' })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id Nope does not exist',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('fails if a resource is not in the stack', async () => {
    const error = await client
      .send(new DescribeStackResourceCommand({ StackName: 'Orders', LogicalResourceId: 'Missing' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ValidationError', message: 'Resource Missing does not exist for stack Orders' });
  });

  it('fails if asked to change a stack, saying the runtime reads the synthesized assembly', async () => {
    const error = await client.send(new UpdateStackCommand({ StackName: 'Orders', UsePreviousTemplate: true })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'InvalidAction', message: expect.stringContaining('cloud assembly') });
  });
});
