import { arnOf, type Input, type OperationContext, on, type ResourceOf, serviceIam, text, viaService } from '../iam/authorizations.js';

/**
 * A parameter's ARN: `parameter/<name>` with the name's leading slash not repeated
 * (`/app/db` is `parameter/app/db`, `db` is `parameter/db`); a version or label selector
 * (`name:3`) is not part of it; an ARN is taken as given.
 */
function parameterArnOf(name: unknown, context: OperationContext): string {
  const value = text(name) ?? '*';
  if (value.startsWith('arn:')) return value.replace(/(:parameter\/[^:]*):[^:]*$/, '$1');
  return arnOf('ssm', context, `parameter/${value.replace(/^\//, '').replace(/:[^:/]*$/, '')}`);
}

const parameter: ResourceOf = (input, context) => parameterArnOf(input.Name, context);
/** GetParametersByPath is authorized on the path's own ARN (`/app` is `parameter/app`). */
const path: ResourceOf = (input, context) => parameterArnOf(text(input.Path) === '/' ? '' : input.Path, context);
const tagged: ResourceOf = (input, context) => parameterArnOf(input.ResourceId, context);

/** One authorization per name of a batch (GetParameters, DeleteParameters). */
const perName = (action: string) => (input: Input, context: OperationContext) => {
  const names = Array.isArray(input.Names) ? input.Names : [];
  const arns = [...new Set(names.map((name) => parameterArnOf(name, context)))];
  return (arns.length > 0 ? arns : [parameterArnOf(undefined, context)]).map((arn) => on(action, arn));
};

/**
 * How IAM authorizes Parameter Store's requests (its module declares it): each operation is the
 * action of its name on the parameter it names. A SecureString put with a customer-managed key
 * also needs kms:Encrypt on it through SSM.
 */
export const ssmIam = serviceIam('ssm', {
  accessDenied: { code: 'AccessDeniedException', status: 400 },
  unscoped: ['DescribeParameters'],
  sameNamed: {
    GetParameter: parameter,
    GetParameterHistory: parameter,
    DeleteParameter: parameter,
    LabelParameterVersion: parameter,
    GetParametersByPath: path,
    AddTagsToResource: tagged,
    RemoveTagsFromResource: tagged,
    ListTagsForResource: tagged,
  },
  operations: {
    GetParameters: perName('ssm:GetParameters'),
    DeleteParameters: perName('ssm:DeleteParameters'),
    PutParameter: (input, context) => {
      const arn = parameter(input, context);
      const keyId = text(input.Type) === 'SecureString' ? text(input.KeyId) : undefined;
      const key = keyId === undefined ? undefined : context.kmsKeyArn?.(keyId);
      return [on('ssm:PutParameter', arn), ...viaService('ssm', ['kms:Encrypt'], key, context)];
    },
  },
});
