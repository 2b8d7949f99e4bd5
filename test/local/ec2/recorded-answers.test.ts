import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  type DescribeAvailabilityZonesCommandInput,
  EC2Client,
  GetSecurityGroupsForVpcCommand,
} from '@aws-sdk/client-ec2';
import { describe } from 'vitest';
import { itAnswersAsSnapshot } from '../../helpers/recorded-answers.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

/**
 * The local EC2 API against answers recorded on real AWS (LocalStack's AWS-validated
 * tests/aws/services/ec2/test_ec2.py; see test/conformance/aws-recorded/ec2/README.md): each
 * recorded test is replayed call by call through the AWS SDK v3 EC2 client and every answer
 * compared with AWS's, modulo the recording's placeholders (ids, names).
 */
type Answer = Record<string, unknown>;

const local = restartableRuntime({
  assembly: () => assemblyOf({}),
  ownsAssembly: true,
  clients: (runtime) => ({ ec2: new EC2Client({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
});

/** An output as botocore reported it to the recording: without the SDK's `$metadata`, with `ResponseMetadata.HTTPStatusCode`. */
async function call(command: object): Promise<Answer> {
  const output = (await local.ec2.send(command as never)) as Answer & { $metadata: { httpStatusCode?: number } };
  const { $metadata, ...rest } = output;
  return { ...rest, ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
}

/** LocalStack's short_uid: eight hex digits. */
const shortUid = () =>
  Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');

/** The test's SortingTransformer: the groups of a VPC by name (AWS lists them by their random ids). */
function byGroupName(answer: Answer): Answer {
  const groups = answer.SecurityGroupForVpcs as { GroupName?: string }[];
  return { ...answer, SecurityGroupForVpcs: [...groups].sort((a, b) => String(a.GroupName).localeCompare(String(b.GroupName))) };
}

/** `describe_availability_zones` of us-east-1, as each zone test asks it. */
const zones = (input: DescribeAvailabilityZonesCommandInput) => async () => ({
  availability_zones: await call(new DescribeAvailabilityZonesCommand(input)),
});

const CASES: Readonly<Record<string, () => Promise<Answer>>> = {
  'TestEc2Integrations::test_get_security_groups_for_vpc': async () => {
    const groupName = `test-security-group-${shortUid()}`;
    const vpc = await call(
      new CreateVpcCommand({
        CidrBlock: '10.0.0.0/16',
        TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'test-key', Value: 'test-value' }] }],
      }),
    );
    const VpcId = (vpc.Vpc as { VpcId: string }).VpcId;
    const live: Answer = { create_vpc_response: vpc };
    live.get_security_groups_for_vpc = byGroupName(await call(new GetSecurityGroupsForVpcCommand({ VpcId })));
    // The ec2_create_security_group fixture: the group, then ingress on the ports given (22).
    const created = await call(
      new CreateSecurityGroupCommand({ GroupName: groupName, Description: `Description for ${groupName}`, VpcId }),
    );
    live.create_security_group = created;
    await call(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: created.GroupId as string,
        IpPermissions: [{ FromPort: 22, IpProtocol: 'tcp', IpRanges: [{ CidrIp: '0.0.0.0/0' }], ToPort: 22 }],
      }),
    );
    live.get_security_groups_for_vpc_after_addition = byGroupName(await call(new GetSecurityGroupsForVpcCommand({ VpcId })));
    return live;
  },
  test_describe_availability_zones_filter_with_zone_names: zones({ ZoneNames: ['us-east-1a'] }),
  test_describe_availability_zones_filter_with_zone_ids: zones({ ZoneIds: ['use1-az1'] }),
  test_describe_availability_zones_filters: zones({ Filters: [{ Name: 'zone-name', Values: ['us-east-1a'] }] }),
};

describe('EC2 answers recorded on AWS', () => {
  itAnswersAsSnapshot(CASES, [new URL('../../conformance/aws-recorded/ec2/test_ec2.snapshot.json', import.meta.url)]);
});
