import { ANY, arnOf, type OperationTable, type ResourceOf, type ServiceIam, sameNamed, text } from '../iam/authorizations.js';

/** A stack's ARN from its name or id (an id is its ARN); a name's stack has an id IAM cannot know: `stack/<name>/*`. */
const stack: ResourceOf = (input, context) => {
  const name = text(input.StackName);
  if (name === undefined) return '*';
  return name.startsWith('arn:') ? name : arnOf('cloudformation', context, `stack/${name}/*`);
};

/** CloudFormation (the read operations the local runtime answers): the action of each operation's name on the stack it names. */
const cloudformationAuthorizations: OperationTable = sameNamed('cloudformation', {
  DescribeStacks: stack,
  DescribeStackResource: stack,
  DescribeStackResources: stack,
  ListStackResources: stack,
  ListStacks: ANY,
  ListExports: ANY,
});

/** How IAM authorizes cloudformation's requests (its module declares it). */
export const cloudformationIam: ServiceIam = {
  prefix: 'cloudformation',
  operations: cloudformationAuthorizations,
  accessDenied: { code: 'AccessDenied', status: 403 },
};
