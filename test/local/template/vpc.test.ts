import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { App, CfnOutput, NestedStack, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETWORK_NOT_MODELLED } from '../../../local/ec2/resource-types.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';

/**
 * A network in a nested stack, as apps with a database or a private API declare it, and a
 * function in its private subnets that reads the network's ids from the nested stack's
 * outputs: the network is accepted with placeholder ids and the function runs.
 */
describe('a nested stack with a VPC', () => {
  const runtimes = new RuntimesWithData();
  let outdir: string;
  let runtime: LocalRuntime;
  let client: LambdaClient;

  beforeAll(async () => {
    outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-vpc-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Orders');
    const network = new NestedStack(stack, 'Network');
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 1, natGateways: 1 });
    const securityGroup = new ec2.SecurityGroup(network, 'Workers', { vpc });
    new lambda.Function(stack, 'Worker', {
      functionName: 'vpc-worker',
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ vpc: process.env.VPC_ID, group: process.env.GROUP_ID });'),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      environment: { VPC_ID: vpc.vpcId, GROUP_ID: securityGroup.securityGroupId },
    });
    new CfnOutput(stack, 'VpcId', { value: vpc.vpcId });
    app.synth();
    runtime = await runtimes.start(outdir);
    client = new LambdaClient({ endpoint: runtime.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    await runtimes.stopAll();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('runs a function in the VPC with the ids the nested stack outputs, and says once that the network is not modelled', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'vpc-worker', Payload: '{}' }));
    expect(out.FunctionError).toBeUndefined();
    const answer = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8'));
    expect(answer).toEqual({ vpc: expect.stringMatching(/^vpc-0[0-9a-f]{16}$/), group: expect.stringMatching(/^sg-0[0-9a-f]{16}$/) });
    expect(runtime.warnings.filter((w) => w === NETWORK_NOT_MODELLED)).toHaveLength(1);
    expect(runtime.warnings.filter((w) => /AWS::EC2::/.test(w))).toEqual([]);
  });
});
