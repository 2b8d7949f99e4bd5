import { arnOf, type Input, type OperationContext, on, passingRole, type ResourceOf, serviceIam, text } from '../iam/authorizations.js';

/**
 * A function's ARN from `FunctionName` (a name, `name:qualifier`, a partial ARN
 * `<account>:function:<name>` or a full ARN, possibly qualified) and `Qualifier`. A qualified
 * call is authorized on the version's or alias's ARN, as AWS does: a policy on the
 * unqualified ARN does not grant it.
 */
function functionArnOf(input: Input, context: OperationContext): string {
  let name = text(input.FunctionName) ?? '*';
  try {
    name = decodeURIComponent(name);
  } catch {
    // A path label that is not percent-encoding: kept as sent; Lambda answers it as not found.
  }
  let arn: string;
  if (name.startsWith('arn:')) arn = name;
  else {
    const partial = /^(\d{12}):function:(.+)$/.exec(name);
    arn = partial ? `arn:aws:lambda:${context.region}:${partial[1]}:function:${partial[2]}` : arnOf('lambda', context, `function:${name}`);
  }
  const qualifier = text(input.Qualifier);
  return qualifier && arn.split(':').length === 7 ? `${arn}:${qualifier}` : arn;
}

const fn: ResourceOf = functionArnOf;
/** Aliases are managed with the function's own permissions (the SAR's resource is the function). */
const unqualified: ResourceOf = (input, context) => functionArnOf({ FunctionName: input.FunctionName }, context);
const mapping: ResourceOf = (input, context) => arnOf('lambda', context, `event-source-mapping:${text(input.UUID) ?? '*'}`);
const layer: ResourceOf = (input, context) => arnOf('lambda', context, `layer:${text(input.LayerName) ?? '*'}`);
const layerVersion: ResourceOf = (input, context) => {
  const name = text(input.LayerName) ?? '*';
  if (name.startsWith('arn:')) return `${name}:${String(input.VersionNumber ?? '*')}`;
  return arnOf('lambda', context, `layer:${name}:${String(input.VersionNumber ?? '*')}`);
};
const codeSigning: ResourceOf = (input, context) => {
  const id = text(input.CodeSigningConfigArn) ?? '*';
  return id.startsWith('arn:') ? id : arnOf('lambda', context, `code-signing-config:${id}`);
};
const capacityProvider: ResourceOf = (input, context) => {
  const name = text(input.CapacityProviderName) ?? '*';
  return name.startsWith('arn:') ? name : arnOf('lambda', context, `capacity-provider:${name}`);
};
const tagged: ResourceOf = (input, context) => text(input.Resource) ?? arnOf('lambda', context, 'function:*');
const policyHolder: ResourceOf = (input, context) => text(input.ResourceArn) ?? arnOf('lambda', context, 'function:*');
const durableExecution: ResourceOf = (input) => text(input.DurableExecutionArn) ?? '*';

/**
 * How IAM authorizes Lambda's requests (its module declares it): Invoke and
 * InvokeWithResponseStream are lambda:InvokeFunction on the function (its version or alias
 * when qualified); CreateFunction and UpdateFunctionConfiguration need iam:PassRole on the role
 * they give the function too; the other operations are the action of their name on the function, layer,
 * mapping, code signing config or capacity provider they name.
 */
export const lambdaIam = serviceIam('lambda', {
  accessDenied: { code: 'AccessDeniedException', status: 403 },
  unscoped: [
    'CreateEventSourceMapping',
    'ListEventSourceMappings',
    'ListFunctions',
    'GetAccountSettings',
    'ListLayers',
    'ListLayerVersions',
    'ListCodeSigningConfigs',
    'CreateCodeSigningConfig',
    'ListCapacityProviders',
    // A callback's id does not name its execution: authorized on `*` (a policy naming the execution does not match).
    'SendDurableExecutionCallbackSuccess',
    'SendDurableExecutionCallbackFailure',
    'SendDurableExecutionCallbackHeartbeat',
  ],
  renamed: {
    Invoke: ['InvokeFunction', fn],
    InvokeWithResponseStream: ['InvokeFunction', fn],
    GetLayerVersionByArn: ['GetLayerVersion', (input) => text(input.Arn) ?? '*'],
  },
  sameNamed: {
    InvokeAsync: fn,
    GetFunction: fn,
    GetFunctionConfiguration: fn,
    GetPolicy: fn,
    AddPermission: fn,
    RemovePermission: fn,
    DeleteFunction: fn,
    PublishVersion: unqualified,
    UpdateFunctionCode: unqualified,
    ListVersionsByFunction: unqualified,
    ListAliases: unqualified,
    GetAlias: unqualified,
    CreateAlias: unqualified,
    UpdateAlias: unqualified,
    DeleteAlias: unqualified,
    GetFunctionConcurrency: unqualified,
    PutFunctionConcurrency: unqualified,
    DeleteFunctionConcurrency: unqualified,
    GetFunctionEventInvokeConfig: fn,
    PutFunctionEventInvokeConfig: fn,
    UpdateFunctionEventInvokeConfig: fn,
    DeleteFunctionEventInvokeConfig: fn,
    ListFunctionEventInvokeConfigs: unqualified,
    GetFunctionUrlConfig: fn,
    CreateFunctionUrlConfig: fn,
    UpdateFunctionUrlConfig: fn,
    DeleteFunctionUrlConfig: fn,
    ListFunctionUrlConfigs: unqualified,
    GetFunctionCodeSigningConfig: unqualified,
    DeleteFunctionCodeSigningConfig: unqualified,
    GetFunctionRecursionConfig: unqualified,
    PutFunctionRecursionConfig: unqualified,
    GetFunctionScalingConfig: fn,
    PutFunctionScalingConfig: fn,
    GetRuntimeManagementConfig: fn,
    PutRuntimeManagementConfig: fn,
    GetProvisionedConcurrencyConfig: fn,
    PutProvisionedConcurrencyConfig: fn,
    DeleteProvisionedConcurrencyConfig: fn,
    ListProvisionedConcurrencyConfigs: unqualified,
    ListDurableExecutionsByFunction: fn,
    GetEventSourceMapping: mapping,
    UpdateEventSourceMapping: mapping,
    DeleteEventSourceMapping: mapping,
    PublishLayerVersion: layer,
    GetLayerVersion: layerVersion,
    DeleteLayerVersion: layerVersion,
    GetLayerVersionPolicy: layerVersion,
    AddLayerVersionPermission: layerVersion,
    RemoveLayerVersionPermission: layerVersion,
    GetCodeSigningConfig: codeSigning,
    UpdateCodeSigningConfig: codeSigning,
    DeleteCodeSigningConfig: codeSigning,
    ListFunctionsByCodeSigningConfig: codeSigning,
    CreateCapacityProvider: capacityProvider,
    GetCapacityProvider: capacityProvider,
    UpdateCapacityProvider: capacityProvider,
    DeleteCapacityProvider: capacityProvider,
    ListFunctionVersionsByCapacityProvider: capacityProvider,
    TagResource: tagged,
    UntagResource: tagged,
    ListTags: tagged,
    GetResourcePolicy: policyHolder,
    PutResourcePolicy: policyHolder,
    DeleteResourcePolicy: policyHolder,
    CheckpointDurableExecution: durableExecution,
    GetDurableExecution: durableExecution,
    GetDurableExecutionHistory: durableExecution,
    GetDurableExecutionState: durableExecution,
    StopDurableExecution: durableExecution,
  },
  operations: {
    // Giving a function its execution role passes the role: the caller needs iam:PassRole on it (an update only when it names one).
    CreateFunction: passingRole('lambda', 'CreateFunction', unqualified, (input) => text(input.Role)),
    UpdateFunctionConfiguration: passingRole('lambda', 'UpdateFunctionConfiguration', unqualified, (input) => text(input.Role)),
    // Both the function's and the config's permissions are checked (the SAR lists both resources as required).
    PutFunctionCodeSigningConfig: (input, context) => [
      on('lambda:PutFunctionCodeSigningConfig', codeSigning(input, context)),
      on('lambda:PutFunctionCodeSigningConfig', unqualified(input, context)),
    ],
  },
});
