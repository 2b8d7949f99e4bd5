import { AwsError } from '../endpoint/aws-error.js';

/**
 * EC2's errors in its words (the API reference's error codes, and the texts its answers carry,
 * as Lambda relays them: "The subnet ID 'subnet-…' does not exist"). EC2 answers every
 * client error with 400.
 */

export const vpcNotFound = (id: string): AwsError => new AwsError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
export const subnetNotFound = (id: string): AwsError => new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
export const groupNotFound = (id: string): AwsError => new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
/** A group named in the default VPC (GroupNames, or GroupName alone) that it does not have. */
export const groupNameNotFound = (name: string, vpcId: string): AwsError =>
  new AwsError('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC '${vpcId}'`);
export const duplicateGroup = (name: string, vpcId: string): AwsError =>
  new AwsError('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
export const defaultGroupUndeletable = (id: string): AwsError =>
  new AwsError('CannotDelete', `the specified group: "${id}" name: "default" cannot be deleted by a user`);
export const vpcHasDependencies = (id: string): AwsError =>
  new AwsError('DependencyViolation', `The vpc '${id}' has dependencies and cannot be deleted.`);
export const groupHasDependencies = (id: string): AwsError => new AwsError('DependencyViolation', `resource ${id} has a dependent object`);
export const missingParameter = (name: string): AwsError =>
  new AwsError('MissingParameter', `The request must contain the parameter ${name}`);
/** A CIDR that is not one (`10.0.0.0/33`, `10.0.0.1/16`: host bits set). */
export const notACidr = (cidr: string): AwsError =>
  new AwsError('InvalidParameterValue', `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
/** A VPC's block outside /16 to /28. */
export const vpcRange = (cidr: string): AwsError => new AwsError('InvalidVpc.Range', `The CIDR '${cidr}' is invalid.`);
/** A subnet's block outside /16 to /28, or outside its VPC's. */
export const subnetRange = (cidr: string): AwsError => new AwsError('InvalidSubnet.Range', `The CIDR '${cidr}' is invalid.`);
export const subnetConflict = (cidr: string): AwsError =>
  new AwsError('InvalidSubnet.Conflict', `The CIDR '${cidr}' conflicts with another subnet`);
export const zoneNotFound = (zone: string, zones: readonly string[]): AwsError =>
  new AwsError(
    'InvalidParameterValue',
    `Value (${zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.join(', ')}.`,
  );
export const unknownFilter = (name: string): AwsError => new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
export const groupNameReserved = (): AwsError => new AwsError('InvalidParameterValue', 'Group names may not be in the format sg-*.');
