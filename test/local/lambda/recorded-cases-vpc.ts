import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateFunctionCommand, GetFunctionCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { credentials, region } from '../helpers.js';
import { type Answer, ECHO, type Replay, type ReplayContext } from './recorded-replay.js';

/** The EC2 client the VPC tests make their network with, on the runtime's endpoint. */
const ec2Of = (c: ReplayContext) => new EC2Client({ endpoint: c.endpoint, region, credentials });

/** A CreateFunction of a Python echo function in the VpcConfig given, as the invalid-config tests make it (no waiter: it is refused). */
const createInVpc = (c: ReplayContext, VpcConfig: { SubnetIds: string[]; SecurityGroupIds: string[] }) =>
  c.call(
    new CreateFunctionCommand({
      FunctionName: c.name('fn'),
      Handler: 'index.handler',
      Code: { ZipFile: c.archive('handler.py', ECHO['handler.py'] ?? '') },
      PackageType: 'Zip',
      Role: c.role,
      Runtime: 'python3.12',
      VpcConfig,
    }),
  );

/** LocalStack's short_uid: eight hex digits. */
const shortUid = () =>
  Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');

/**
 * test_lambda_api.py's `TestLambdaFunction` VPC tests: a function placed in a VPC's subnet and
 * group, moved to another pair and detached (GetFunction answering the subnets' VpcId), and the
 * refusals of a security group or subnet that EC2 does not have, or whose id is malformed.
 */
export const VPC_CASES: Readonly<Record<string, Replay>> = {
  'TestLambdaFunction::test_vpc_config': async (c) => {
    const ec2 = ec2Of(c);
    try {
      const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
      const VpcId = Vpc?.VpcId;
      const group = async (n: number) =>
        (
          await ec2.send(
            new CreateSecurityGroupCommand({
              VpcId,
              GroupName: `test-security-group-${shortUid()}`,
              Description: `Test security group ${n}`,
            }),
          )
        ).GroupId ?? '';
      const subnet = async (CidrBlock: string) => (await ec2.send(new CreateSubnetCommand({ VpcId, CidrBlock }))).Subnet?.SubnetId ?? '';
      const [group1, group2] = [await group(1), await group(2)];
      const [subnet1, subnet2] = [await subnet('10.0.0.0/24'), await subnet('10.0.1.0/24')];
      const name = c.name('fn');
      const live: Answer = {
        create_response: await c.create(name, {
          MemorySize: 256,
          Timeout: 5,
          VpcConfig: { SubnetIds: [subnet1], SecurityGroupIds: [group1] },
        }),
        get_function_response: await c.call(new GetFunctionCommand({ FunctionName: name })),
      };
      // AWS's updates had not ended when it answered (InProgress): here each is held in progress as LocalStack's suite holds it.
      const update = (SubnetIds: string[], SecurityGroupIds: string[]) =>
        c.whileInProgress(() =>
          c.call(new UpdateFunctionConfigurationCommand({ FunctionName: name, VpcConfig: { SubnetIds, SecurityGroupIds } })),
        );
      live.update_vpcconfig_update_response = await update([subnet2], [group2]);
      await c.updated(name);
      live.update_vpcconfig_get_function_response = await c.call(new GetFunctionCommand({ FunctionName: name }));
      live.delete_vpcconfig_update_response = await update([], []);
      await c.updated(name);
      live.delete_vpcconfig_get_function_response = await c.call(new GetFunctionCommand({ FunctionName: name }));
      return live;
    } finally {
      ec2.destroy();
    }
  },
  'TestLambdaFunction::test_invalid_vpc_config_subnet': async (c) => {
    const ec2 = ec2Of(c);
    try {
      // AWS checks the security groups first: the test names one that exists (the first of the account's).
      const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 5 }));
      const group = SecurityGroups?.[0]?.GroupId ?? '';
      return {
        'create-response-non-existent-subnet-id': await createInVpc(c, { SubnetIds: [`subnet-${shortUid()}`], SecurityGroupIds: [group] }),
        'create-response-invalid-format-subnet-id': await createInVpc(c, {
          SubnetIds: [`bad-format-${shortUid()}`],
          SecurityGroupIds: [group],
        }),
      };
    } finally {
      ec2.destroy();
    }
  },
  'TestLambdaFunction::test_invalid_vpc_config_security_group': async (c) => {
    const subnet = `subnet-${shortUid()}`;
    return {
      'create-response-non-existent-security-group': await createInVpc(c, { SubnetIds: [subnet], SecurityGroupIds: [`sg-${shortUid()}`] }),
      'create-response-invalid-format-security-group': await createInVpc(c, {
        SubnetIds: [subnet],
        SecurityGroupIds: [`bad-format-${shortUid()}`],
      }),
    };
  },
};
