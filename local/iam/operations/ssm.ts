import { ANY, arnOf, items, type OperationContext, type OperationTable, on, sameNamed, text } from './shared.js';

/** A parameter's ARN: `parameter/a/b` for `/a/b` (one slash, not two), as given when it is an ARN. */
export const parameterArnOf = (name: unknown, context: OperationContext): string => {
  const value = text(name) ?? '*';
  return value.startsWith('arn:') ? value : arnOf('ssm', context, `parameter/${value.replace(/^\//, '')}`);
};
const parameter = (input: Record<string, unknown>, context: OperationContext) =>
  parameterArnOf(input.Name ?? input.Path ?? input.ResourceId, context);

/** SSM Parameter Store: the action of each operation's name on the parameter (each of GetParameters' names). */
export const ssmOperations: OperationTable = {
  ...sameNamed('ssm', {
    GetParameter: parameter,
    PutParameter: parameter,
    DeleteParameter: parameter,
    GetParameterHistory: parameter,
    GetParametersByPath: parameter,
    LabelParameterVersion: parameter,
    UnlabelParameterVersion: parameter,
    AddTagsToResource: parameter,
    RemoveTagsFromResource: parameter,
    ListTagsForResource: parameter,
    DescribeParameters: ANY,
  }),
  GetParameters: (input, context) => items(input.Names).map((name) => on('ssm:GetParameters', parameterArnOf(name, context))),
  DeleteParameters: (input, context) => items(input.Names).map((name) => on('ssm:DeleteParameters', parameterArnOf(name, context))),
};
