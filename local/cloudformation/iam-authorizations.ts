import { arnOf, type ResourceOf, serviceIam, text } from '../iam/authorizations.js';

/** A stack's ARN from its name or id (an id is its ARN); a name's stack has an id IAM cannot know: `stack/<name>/*`. */
const stack: ResourceOf = (input, context) => {
  const name = text(input.StackName);
  if (name === undefined) return '*';
  return name.startsWith('arn:') ? name : arnOf('cloudformation', context, `stack/${name}/*`);
};

/**
 * How IAM authorizes CloudFormation's requests (its module declares it), the read operations the
 * local runtime answers: the action of each operation's name on the stack it names.
 */
export const cloudformationIam = serviceIam('cloudformation', {
  accessDenied: { code: 'AccessDenied', status: 403 },
  unscoped: ['ListStacks', 'ListExports'],
  sameNamed: {
    DescribeStacks: stack,
    DescribeStackResource: stack,
    DescribeStackResources: stack,
    ListStackResources: stack,
  },
});
