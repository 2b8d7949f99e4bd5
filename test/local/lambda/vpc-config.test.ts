import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import { type NetworkLookup, withCheckedVpc } from '../../../local/lambda/control-plane/vpc-config.js';

/** A network of one subnet in vpc-1 and one group, recording what Lambda asked of it. */
function network(): NetworkLookup & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async DescribeSecurityGroups({ GroupIds }) {
      asked.push(`groups ${GroupIds.join(',')}`);
      if (GroupIds.some((id) => id !== 'sg-1')) throw new AwsError('InvalidGroup.NotFound', 'no such group');
      return {};
    },
    async DescribeSubnets({ SubnetIds }) {
      asked.push(`subnets ${SubnetIds.join(',')}`);
      return { Subnets: SubnetIds.length === 0 ? [{ VpcId: 'vpc-any' }] : [{ VpcId: 'vpc-1' }] };
    },
  };
}

describe('withCheckedVpc', () => {
  it("answers the VPC of the function's subnets, having checked its groups first", async () => {
    const ec2 = network();
    const checked = await withCheckedVpc({ VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] } }, ec2);
    expect(checked.VpcConfig).toEqual({ SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'], VpcId: 'vpc-1' });
    expect(ec2.asked).toEqual(['groups sg-1', 'subnets subnet-1']);
  });

  it('names no VPC for a config without subnets, and looks up none (a Describe with no ids would list every subnet)', async () => {
    const ec2 = network();
    const checked = await withCheckedVpc({ VpcConfig: { SecurityGroupIds: ['sg-1'] } }, ec2);
    expect(checked.VpcConfig).toMatchObject({ SubnetIds: [], VpcId: '' });
    expect(ec2.asked).toEqual(['groups sg-1']);
  });

  it("fails if EC2 refuses a group, in Lambda's words", async () => {
    await expect(withCheckedVpc({ VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-2'] } }, network())).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
      message: 'Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. EC2 Error Message: no such group',
    });
  });
});
