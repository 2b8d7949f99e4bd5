import { AwsError } from '../../endpoint/aws-error.js';

type Input = Readonly<Record<string, unknown>>;

/** The EC2 calls Lambda makes of a function's VpcConfig, in the API's shapes (the EC2 service's operations). */
export interface NetworkLookup {
  DescribeSecurityGroups(input: { GroupIds: string[] }): Promise<unknown>;
  DescribeSubnets(input: { SubnetIds: string[] }): Promise<{ Subnets?: readonly { VpcId?: string }[] }>;
}

const ids = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** An EC2 refusal as Lambda relays it: InvalidParameterValueException, naming the call and EC2's code and text. */
async function relayed<T>(call: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    throw new AwsError(
      'InvalidParameterValueException',
      `Error occurred while ${call}. EC2 Error Code: ${error.code}. EC2 Error Message: ${error.message}`,
    );
  }
}

/**
 * The request with its VpcConfig checked against EC2 and completed with the VPC its subnets are
 * in (`VpcId`, what GetFunction answers): as Lambda does, its security groups are described
 * first, then its subnets, and an EC2 error is relayed in Lambda's words. A VpcConfig without
 * subnets and groups detaches the function (VpcId ''); a request without one is as it was.
 */
export async function withCheckedVpc(input: Input, network: NetworkLookup | undefined): Promise<Input> {
  const config = input.VpcConfig as Input | undefined;
  if (config === undefined || config === null) return input;
  const groups = ids(config.SecurityGroupIds);
  const subnets = ids(config.SubnetIds);
  let vpcId = '';
  // A Describe with no ids lists every resource: only the ids given are looked up, and no subnet means no VPC.
  if (network !== undefined && groups.length > 0)
    await relayed('DescribeSecurityGroups', () => network.DescribeSecurityGroups({ GroupIds: groups }));
  if (network !== undefined && subnets.length > 0) {
    const { Subnets } = await relayed('DescribeSubnets', () => network.DescribeSubnets({ SubnetIds: subnets }));
    vpcId = Subnets?.[0]?.VpcId ?? '';
  }
  return { ...input, VpcConfig: { ...config, SubnetIds: subnets, SecurityGroupIds: groups, VpcId: vpcId } };
}

/** A template function's VpcConfig with the VPC of its first subnet (the template's subnets' VpcId), as Lambda answers it. */
export function templateVpcConfig(
  template: Readonly<Record<string, unknown>>,
  subnetVpcs: ReadonlyMap<string, string>,
): Readonly<Record<string, unknown>> {
  const config = template.VpcConfig as Input | undefined;
  if (config === undefined || config === null || config.VpcId !== undefined) return template;
  const first = ids(config.SubnetIds)[0];
  return { ...template, VpcConfig: { ...config, VpcId: (first && subnetVpcs.get(first)) ?? '' } };
}

/** A function's VpcConfig as Lambda answers it: its subnets' VPC as EC2 named it when the function was made or changed. */
export function vpcConfigAnswer(vpc: Input) {
  return {
    SubnetIds: ids(vpc.SubnetIds),
    SecurityGroupIds: ids(vpc.SecurityGroupIds),
    Ipv6AllowedForDualStack: vpc.Ipv6AllowedForDualStack === true,
    VpcId: typeof vpc.VpcId === 'string' ? vpc.VpcId : '',
  };
}
