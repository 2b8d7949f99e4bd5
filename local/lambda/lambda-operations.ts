/**
 * Every operation of Lambda's API with its HTTP method and path (the SDK's model,
 * `@aws-sdk/client-lambda`), so a request the local service does not serve is answered
 * with the operation's name.
 */
const OPERATIONS: readonly (readonly [name: string, method: string, path: string])[] = [
  ['AddLayerVersionPermission', 'POST', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy'],
  ['AddPermission', 'POST', '/2015-03-31/functions/{FunctionName}/policy'],
  ['CheckpointDurableExecution', 'POST', '/2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint'],
  ['CreateAlias', 'POST', '/2015-03-31/functions/{FunctionName}/aliases'],
  ['CreateCapacityProvider', 'POST', '/2025-11-30/capacity-providers'],
  ['CreateCodeSigningConfig', 'POST', '/2020-04-22/code-signing-configs'],
  ['CreateEventSourceMapping', 'POST', '/2015-03-31/event-source-mappings'],
  ['CreateFunction', 'POST', '/2015-03-31/functions'],
  ['CreateFunctionUrlConfig', 'POST', '/2021-10-31/functions/{FunctionName}/url'],
  ['DeleteAlias', 'DELETE', '/2015-03-31/functions/{FunctionName}/aliases/{Name}'],
  ['DeleteCapacityProvider', 'DELETE', '/2025-11-30/capacity-providers/{CapacityProviderName}'],
  ['DeleteCodeSigningConfig', 'DELETE', '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}'],
  ['DeleteEventSourceMapping', 'DELETE', '/2015-03-31/event-source-mappings/{UUID}'],
  ['DeleteFunction', 'DELETE', '/2015-03-31/functions/{FunctionName}'],
  ['DeleteFunctionCodeSigningConfig', 'DELETE', '/2020-06-30/functions/{FunctionName}/code-signing-config'],
  ['DeleteFunctionConcurrency', 'DELETE', '/2017-10-31/functions/{FunctionName}/concurrency'],
  ['DeleteFunctionEventInvokeConfig', 'DELETE', '/2019-09-25/functions/{FunctionName}/event-invoke-config'],
  ['DeleteFunctionUrlConfig', 'DELETE', '/2021-10-31/functions/{FunctionName}/url'],
  ['DeleteLayerVersion', 'DELETE', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}'],
  ['DeleteProvisionedConcurrencyConfig', 'DELETE', '/2019-09-30/functions/{FunctionName}/provisioned-concurrency'],
  ['DeleteResourcePolicy', 'DELETE', '/2026-07-09/resource-policy/{ResourceArn}'],
  ['GetAccountSettings', 'GET', '/2016-08-19/account-settings'],
  ['GetAlias', 'GET', '/2015-03-31/functions/{FunctionName}/aliases/{Name}'],
  ['GetCapacityProvider', 'GET', '/2025-11-30/capacity-providers/{CapacityProviderName}'],
  ['GetCodeSigningConfig', 'GET', '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}'],
  ['GetDurableExecution', 'GET', '/2025-12-01/durable-executions/{DurableExecutionArn}'],
  ['GetDurableExecutionHistory', 'GET', '/2025-12-01/durable-executions/{DurableExecutionArn}/history'],
  ['GetDurableExecutionState', 'GET', '/2025-12-01/durable-executions/{DurableExecutionArn}/state'],
  ['GetEventSourceMapping', 'GET', '/2015-03-31/event-source-mappings/{UUID}'],
  ['GetFunction', 'GET', '/2015-03-31/functions/{FunctionName}'],
  ['GetFunctionCodeSigningConfig', 'GET', '/2020-06-30/functions/{FunctionName}/code-signing-config'],
  ['GetFunctionConcurrency', 'GET', '/2019-09-30/functions/{FunctionName}/concurrency'],
  ['GetFunctionConfiguration', 'GET', '/2015-03-31/functions/{FunctionName}/configuration'],
  ['GetFunctionEventInvokeConfig', 'GET', '/2019-09-25/functions/{FunctionName}/event-invoke-config'],
  ['GetFunctionRecursionConfig', 'GET', '/2024-08-31/functions/{FunctionName}/recursion-config'],
  ['GetFunctionScalingConfig', 'GET', '/2025-11-30/functions/{FunctionName}/function-scaling-config'],
  ['GetFunctionUrlConfig', 'GET', '/2021-10-31/functions/{FunctionName}/url'],
  ['GetLayerVersion', 'GET', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}'],
  ['GetLayerVersionByArn', 'GET', '/2018-10-31/layers?find=LayerVersion'],
  ['GetLayerVersionPolicy', 'GET', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy'],
  ['GetPolicy', 'GET', '/2015-03-31/functions/{FunctionName}/policy'],
  ['GetProvisionedConcurrencyConfig', 'GET', '/2019-09-30/functions/{FunctionName}/provisioned-concurrency'],
  ['GetResourcePolicy', 'GET', '/2026-07-09/resource-policy/{ResourceArn}'],
  ['GetRuntimeManagementConfig', 'GET', '/2021-07-20/functions/{FunctionName}/runtime-management-config'],
  ['Invoke', 'POST', '/2015-03-31/functions/{FunctionName}/invocations'],
  ['InvokeAsync', 'POST', '/2014-11-13/functions/{FunctionName}/invoke-async'],
  ['InvokeWithResponseStream', 'POST', '/2021-11-15/functions/{FunctionName}/response-streaming-invocations'],
  ['ListAliases', 'GET', '/2015-03-31/functions/{FunctionName}/aliases'],
  ['ListCapacityProviders', 'GET', '/2025-11-30/capacity-providers'],
  ['ListCodeSigningConfigs', 'GET', '/2020-04-22/code-signing-configs'],
  ['ListDurableExecutionsByFunction', 'GET', '/2025-12-01/functions/{FunctionName}/durable-executions'],
  ['ListEventSourceMappings', 'GET', '/2015-03-31/event-source-mappings'],
  ['ListFunctionEventInvokeConfigs', 'GET', '/2019-09-25/functions/{FunctionName}/event-invoke-config/list'],
  ['ListFunctions', 'GET', '/2015-03-31/functions'],
  ['ListFunctionsByCodeSigningConfig', 'GET', '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}/functions'],
  ['ListFunctionUrlConfigs', 'GET', '/2021-10-31/functions/{FunctionName}/urls'],
  ['ListFunctionVersionsByCapacityProvider', 'GET', '/2025-11-30/capacity-providers/{CapacityProviderName}/function-versions'],
  ['ListLayers', 'GET', '/2018-10-31/layers'],
  ['ListLayerVersions', 'GET', '/2018-10-31/layers/{LayerName}/versions'],
  ['ListProvisionedConcurrencyConfigs', 'GET', '/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL'],
  ['ListTags', 'GET', '/2017-03-31/tags/{Resource}'],
  ['ListVersionsByFunction', 'GET', '/2015-03-31/functions/{FunctionName}/versions'],
  ['PublishLayerVersion', 'POST', '/2018-10-31/layers/{LayerName}/versions'],
  ['PublishVersion', 'POST', '/2015-03-31/functions/{FunctionName}/versions'],
  ['PutFunctionCodeSigningConfig', 'PUT', '/2020-06-30/functions/{FunctionName}/code-signing-config'],
  ['PutFunctionConcurrency', 'PUT', '/2017-10-31/functions/{FunctionName}/concurrency'],
  ['PutFunctionEventInvokeConfig', 'PUT', '/2019-09-25/functions/{FunctionName}/event-invoke-config'],
  ['PutFunctionRecursionConfig', 'PUT', '/2024-08-31/functions/{FunctionName}/recursion-config'],
  ['PutFunctionScalingConfig', 'PUT', '/2025-11-30/functions/{FunctionName}/function-scaling-config'],
  ['PutProvisionedConcurrencyConfig', 'PUT', '/2019-09-30/functions/{FunctionName}/provisioned-concurrency'],
  ['PutResourcePolicy', 'PUT', '/2026-07-09/resource-policy/{ResourceArn}'],
  ['PutRuntimeManagementConfig', 'PUT', '/2021-07-20/functions/{FunctionName}/runtime-management-config'],
  ['RemoveLayerVersionPermission', 'DELETE', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy/{StatementId}'],
  ['RemovePermission', 'DELETE', '/2015-03-31/functions/{FunctionName}/policy/{StatementId}'],
  ['SendDurableExecutionCallbackFailure', 'POST', '/2025-12-01/durable-execution-callbacks/{CallbackId}/fail'],
  ['SendDurableExecutionCallbackHeartbeat', 'POST', '/2025-12-01/durable-execution-callbacks/{CallbackId}/heartbeat'],
  ['SendDurableExecutionCallbackSuccess', 'POST', '/2025-12-01/durable-execution-callbacks/{CallbackId}/succeed'],
  ['StopDurableExecution', 'POST', '/2025-12-01/durable-executions/{DurableExecutionArn}/stop'],
  ['TagResource', 'POST', '/2017-03-31/tags/{Resource}'],
  ['UntagResource', 'DELETE', '/2017-03-31/tags/{Resource}'],
  ['UpdateAlias', 'PUT', '/2015-03-31/functions/{FunctionName}/aliases/{Name}'],
  ['UpdateCapacityProvider', 'PUT', '/2025-11-30/capacity-providers/{CapacityProviderName}'],
  ['UpdateCodeSigningConfig', 'PUT', '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}'],
  ['UpdateEventSourceMapping', 'PUT', '/2015-03-31/event-source-mappings/{UUID}'],
  ['UpdateFunctionCode', 'PUT', '/2015-03-31/functions/{FunctionName}/code'],
  ['UpdateFunctionConfiguration', 'PUT', '/2015-03-31/functions/{FunctionName}/configuration'],
  ['UpdateFunctionEventInvokeConfig', 'POST', '/2019-09-25/functions/{FunctionName}/event-invoke-config'],
  ['UpdateFunctionUrlConfig', 'PUT', '/2021-10-31/functions/{FunctionName}/url'],
];

/** A template's path, and the query parameter some operations share their path by (`?find=LayerVersion`). */
const ROUTES = OPERATIONS.map(([name, method, template]) => {
  const [route = '', query] = template.split('?');
  const [key, value] = query?.split('=') ?? [];
  return {
    name,
    method,
    pattern: new RegExp(`^${route.replace(/\{[^}]+\}/g, '([^/]+)')}/?$`),
    labels: [...route.matchAll(/\{([^}]+)\}/g)].map((label) => label[1] ?? ''),
    query: key === undefined ? undefined : { key, value },
  };
});

/** Whether a request's query is the one its route needs, if any. */
const queryMatches = (route: (typeof ROUTES)[number], query: URLSearchParams | undefined) =>
  route.query === undefined || query?.get(route.query.key) === route.query.value;

/** The first path segments Lambda's operations use (their API versions). */
export const LAMBDA_PATH_PREFIXES: ReadonlySet<string> = new Set(OPERATIONS.map(([, , template]) => template.split(/[/?]/)[1] ?? ''));

/** The name of the Lambda operation a request is, or undefined for a path Lambda does not have. */
export function lambdaOperation(method: string, path: string, query?: URLSearchParams): string | undefined {
  // An operation whose route names a query comes first: another shares its path (ListLayers).
  const candidates = ROUTES.filter((route) => route.method === method && route.pattern.test(path) && queryMatches(route, query));
  return (candidates.find((route) => route.query !== undefined) ?? candidates[0])?.name;
}

/** The path's labels of a request to a Lambda operation (`FunctionName`, `Name`, `Resource`), by name; none for another path. */
export function lambdaPathLabels(method: string, path: string): Record<string, string> {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return Object.fromEntries(route.labels.map((label, i) => [label, match[i + 1] ?? '']));
  }
  return {};
}
