import { fileURLToPath } from 'node:url';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETWORK_NOT_MODELLED } from '../../../local/ec2/resource-types.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';

/** The app in test/fixtures/small-apps/synth.ts (a VPC in a nested stack, a function in it), synthesized and checked in. */
const ASSEMBLY = fileURLToPath(new URL('../../fixtures/small-apps/vpc-in-nested-stack', import.meta.url));

/** The account the runtime runs as when none is given. */
const ACCOUNT = '000000000000';

/**
 * A network in a nested stack, as apps with a database or a private API declare it, and a
 * function in its private subnets that reads the network's ids from the nested stack's
 * outputs: the network is accepted with placeholder ids and the function runs.
 */
describe('a nested stack with a VPC', () => {
  const runtimes = new RuntimesWithData();
  let runtime: LocalRuntime;
  let client: LambdaClient;

  beforeAll(async () => {
    runtime = await runtimes.start(ASSEMBLY);
    client = new LambdaClient({ endpoint: runtime.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    await runtimes.stopAll();
  });

  it('runs a function in the VPC with the ids the nested stack outputs, and says once that the network is not modelled', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'vpc-worker', Payload: '{}' }));
    expect(out.FunctionError).toBeUndefined();
    const answer = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8'));
    expect(answer).toEqual({ vpc: expect.stringMatching(/^vpc-0[0-9a-f]{16}$/), group: expect.stringMatching(/^sg-0[0-9a-f]{16}$/) });
    expect(runtime.warnings.filter((w) => w === NETWORK_NOT_MODELLED)).toHaveLength(1);
    expect(runtime.warnings.filter((w) => /AWS::EC2::/.test(w))).toEqual([]);
  });

  it("describes the template's VPC, subnets and group through EC2 under the ids the function was given, and answers its VpcConfig's VpcId", async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'vpc-worker', Payload: '{}' }));
    const { vpc, group } = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')) as { vpc: string; group: string };
    const ec2 = new EC2Client({ endpoint: runtime.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    try {
      const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc] }));
      // Each carries the account as its owner and the template's Tags (none on the group).
      expect(Vpcs?.[0]).toMatchObject({
        VpcId: vpc,
        IsDefault: false,
        OwnerId: ACCOUNT,
        Tags: [{ Key: 'Name', Value: 'Orders/Network/Vpc' }],
      });
      const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [group] }));
      expect(SecurityGroups?.[0]).toMatchObject({ GroupId: group, OwnerId: ACCOUNT });
      expect(SecurityGroups?.[0]?.Tags ?? []).toEqual([]);
      const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] }));
      expect(Subnets?.length).toBeGreaterThan(0);
      for (const subnet of Subnets ?? []) {
        expect(subnet.OwnerId).toBe(ACCOUNT);
        expect(subnet.Tags).toContainEqual({ Key: 'aws-cdk:subnet-type', Value: expect.stringMatching(/^(Public|Private)$/) });
      }
      const { VpcConfig } = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'vpc-worker' }));
      expect(VpcConfig?.VpcId).toBe(vpc);
      expect(VpcConfig?.SubnetIds?.every((id) => Subnets?.some((s) => s.SubnetId === id))).toBe(true);
    } finally {
      ec2.destroy();
    }
  });
});
