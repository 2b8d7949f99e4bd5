import { ANY, type OperationContext, type OperationTable, sameNamed, text } from './shared.js';

/** A function's ARN from `FunctionName` (a name, `name:qualifier`, a partial or full ARN) and `Qualifier`. */
export function functionArnOf(input: Record<string, unknown>, context: OperationContext): string {
  const name = decodeURIComponent(text(input.FunctionName) ?? '*');
  const qualifier = text(input.Qualifier);
  let arn: string;
  if (name.startsWith('arn:')) arn = name;
  else {
    const partial = /^(\d{12}):function:(.+)$/.exec(name);
    arn = partial
      ? `arn:aws:lambda:${context.region}:${partial[1]}:function:${partial[2]}`
      : `arn:aws:lambda:${context.region}:${context.accountId}:function:${name}`;
  }
  // A qualified call is authorized on the version's or alias's ARN, whose permissions are its own.
  return qualifier && arn.split(':').length === 7 ? `${arn}:${qualifier}` : arn;
}

const fn = functionArnOf;

/** Lambda: Invoke is lambda:InvokeFunction; the read operations are actions of their names on the function. */
export const lambdaOperations: OperationTable = {
  ...sameNamed('lambda', {
    InvokeAsync: fn,
    GetFunction: fn,
    GetFunctionConfiguration: fn,
    ListVersionsByFunction: fn,
    ListAliases: fn,
    GetAlias: fn,
    GetPolicy: fn,
    GetFunctionConcurrency: fn,
    GetFunctionEventInvokeConfig: fn,
    ListFunctionEventInvokeConfigs: fn,
    GetFunctionUrlConfig: fn,
    ListFunctionUrlConfigs: fn,
    GetFunctionCodeSigningConfig: fn,
    GetProvisionedConcurrencyConfig: fn,
    ListProvisionedConcurrencyConfigs: fn,
    GetRuntimeManagementConfig: fn,
    GetFunctionRecursionConfig: fn,
    ListTags: (input, context) => text(input.Resource) ?? fn(input, context),
    ListFunctions: ANY,
    ListEventSourceMappings: ANY,
    GetEventSourceMapping: ANY,
    GetAccountSettings: ANY,
    ListLayers: ANY,
  }),
  Invoke: (input, context) => [{ action: 'lambda:InvokeFunction', resource: fn(input, context) }],
  InvokeWithResponseStream: (input, context) => [{ action: 'lambda:InvokeFunction', resource: fn(input, context) }],
};
