import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { region } from '../helpers.js';
import { inlinePolicy, serviceRole } from '../template-resources.js';

const role = (name: string, actions: string[]) =>
  serviceRole('lambda.amazonaws.com', { RoleName: name, Policies: [inlinePolicy('p', { Action: actions, Resource: '*' })] });

/** CloudFormation's calls pass IAM's check as every other service's do (they were answered unchecked). */
describe('CloudFormation under IAM', () => {
  const runtimes = new RuntimesWithData();
  let runtime: LocalRuntime;

  beforeAll(async () => {
    const cdkOut = assemblyOf(
      {
        Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'inbox' } },
        Reader: role('stack-reader', ['cloudformation:DescribeStacks']),
        Other: role('queue-only', ['sqs:SendMessage']),
      },
      'Orders',
    );
    runtime = await runtimes.start(cdkOut, { iam: 'enforce' });
  });

  afterAll(() => runtimes.stopAll());

  const describeAs = async (roleName: string) => {
    const credentials = runtime.iam.principals.credentialsFor(`arn:aws:iam::000000000000:role/${roleName}`, 'test');
    const client = new CloudFormationClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    try {
      const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: 'Orders' }));
      return Stacks.map((s) => s.StackName);
    } catch (error) {
      return (error as Error).name;
    } finally {
      client.destroy();
    }
  };

  it('answers DescribeStacks to a role that may describe stacks', async () => {
    expect(await describeAs('stack-reader')).toEqual(['Orders']);
  });

  it('fails if the role may not describe stacks, with AccessDenied as CloudFormation answers it', async () => {
    expect(await describeAs('queue-only')).toBe('AccessDenied');
  });
});
