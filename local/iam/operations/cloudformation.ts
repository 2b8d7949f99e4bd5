import { ANY, arnOf, type OperationTable, type ResourceOf, sameNamed, text } from './shared.js';

/** A stack's ARN from its name or id (an id is its ARN); a name's stack has an id IAM cannot know: `stack/<name>/*`. */
const stack: ResourceOf = (input, context) => {
  const name = text(input.StackName);
  if (name === undefined) return '*';
  return name.startsWith('arn:') ? name : arnOf('cloudformation', context, `stack/${name}/*`);
};

/** CloudFormation (the read operations the local runtime answers): the action of each operation's name on the stack it names. */
export const cloudformationOperations: OperationTable = sameNamed('cloudformation', {
  DescribeStacks: stack,
  DescribeStackResource: stack,
  DescribeStackResources: stack,
  ListStackResources: stack,
  ListStacks: ANY,
  ListExports: ANY,
});
