import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { AWS_CLI_SKIP_REASON, awsCli, awsCliMissing } from '../aws-cli.js';

/** The README's Deploy section reads stack outputs with the CLI after `cdk deploy`; the same command works locally. */
describe.skipIf(awsCliMissing)('CloudFormation in the local runtime', () => {
  const runtimes = new RuntimesWithData();
  let runtime: LocalRuntime;

  beforeAll(async () => {
    const cdkOut = writeAssembly(tempAssemblyDir(), {
      Orders: {
        template: {
          Resources: { Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'inbox' } } },
          Outputs: { InboxUrl: { Value: { Ref: 'Inbox' }, Description: 'Where orders arrive' } },
        },
      },
    });
    runtime = await runtimes.start(cdkOut);
  });

  afterAll(() => runtimes.stopAll());

  it('answers aws cloudformation describe-stacks --query "Stacks[0].Outputs" with the stack outputs', async () => {
    const outputs = await awsCli(runtime.url, [
      'cloudformation',
      'describe-stacks',
      '--stack-name',
      'Orders',
      '--query',
      'Stacks[0].Outputs',
    ]);
    expect(outputs).toEqual([
      { OutputKey: 'InboxUrl', OutputValue: `${runtime.url}/000000000000/inbox`, Description: 'Where orders arrive' },
    ]);
  });

  it('describes the app a reload (switchyard dev) loaded, not the one it replaced', async () => {
    const next = writeAssembly(tempAssemblyDir(), {
      Orders: {
        template: {
          Resources: { Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'inbox' } } },
          Outputs: { InboxUrl: { Value: { Ref: 'Inbox' } }, InboxArn: { Value: { 'Fn::GetAtt': ['Inbox', 'Arn'] } } },
        },
      },
    });
    await runtime.reload(next);
    const client = new CloudFormationClient({
      endpoint: runtime.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    try {
      const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: 'Orders' }));
      expect(Stacks[0]?.Outputs?.map((o) => o.OutputKey).sort()).toEqual(['InboxArn', 'InboxUrl']);
    } finally {
      client.destroy();
    }
  });
});

if (awsCliMissing) console.info(AWS_CLI_SKIP_REASON);
