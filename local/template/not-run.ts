import type { TemplateResource } from './cloud-assembly.js';
import { isCustomResourceType } from './resources.js';

/**
 * What a resource does on AWS that does not happen locally, for the types whose return
 * values the loader knows but that the runtime may not run. The start-up warning for such
 * a resource says this rather than a generic "not supported", so a reader knows what to
 * expect. A type the runtime does run never gets here (its service handles it).
 */
const NOT_RUN: Readonly<Record<string, string>> = {
  'AWS::Lambda::LayerVersion': "layers are not run locally: functions that use it run without the layer's code",
  'AWS::CloudWatch::Alarm':
    'alarms are not evaluated locally: DescribeAlarms lists the alarm in INSUFFICIENT_DATA, it never changes state, and its actions never run',
  'AWS::CloudWatch::Dashboard': 'no CloudWatch dashboards locally: the dashboard is not served (the local console shows the app)',
  'AWS::Logs::QueryDefinition':
    'no Logs Insights locally: the saved query is not kept (switchyard trace follows an id through the read API)',
  'AWS::ApiGateway::DomainName': 'no API Gateway locally: the custom domain is not served',
  // Services an AI app puts in front of or around its flows that do not run yet (docs/local-runtime-support.md, "Not run yet").
  'AWS::Cognito::IdentityPool': 'no Cognito identity pools locally (next to come): the identity pool hands out no credentials',
  'AWS::CloudFront::Distribution': "no CloudFront locally: the distribution is not served; call its origins' local URLs",
  'AWS::IoT::TopicRule': 'no IoT Core locally: no MQTT message reaches the rule, and its actions never run',
  'AWS::OpenSearchServerless::Collection': 'no OpenSearch Serverless locally: the collection is not served',
  // A web ACL protects what it is associated with: locally nothing is filtered, so a request its rules block is served.
  'AWS::WAFv2::WebACL': 'no AWS WAF locally: its rules are not evaluated, so a request they would block or count is served',
  // CloudFormation holds the stack until the handle's presigned URL gets Count signals (cdk-custom-resource-with-wait-condition).
  'AWS::CloudFormation::WaitCondition':
    "no wait conditions locally: nothing waits for its handle's signals, so the start neither waits for them nor fails without them (CloudFormation fails the stack after its Timeout)",
  'AWS::CloudFormation::WaitConditionHandle':
    'no wait condition handles locally: its Ref, the presigned URL signals are PUT to, does not resolve, so a property that uses it is left out',
  'AWS::WAFv2::WebACLAssociation':
    'no AWS WAF locally: the web ACL is not applied to the resource (its API, stage or user pool serves every request its rules would block)',
};

/**
 * Types that are part of another resource: when the runtime does not run them, the warning
 * for the resource they belong to already says so (one line for a custom domain, not one per base path mapping).
 */
const PART_OF: Readonly<Record<string, string>> = {
  'AWS::ApiGateway::BasePathMapping': 'AWS::ApiGateway::DomainName',
  'AWS::ApiGatewayV2::Authorizer': 'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::VpcLink': 'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::ApiMapping': 'AWS::ApiGatewayV2::Api',
  'AWS::Cognito::IdentityPoolRoleAttachment': 'AWS::Cognito::IdentityPool',
};

export type NotRun = { readonly partOf: string } | { readonly note: string | undefined };

/** What to say about a resource of a type the runtime does not run: its own note, or the resource whose warning covers it. */
export function notRun(type: string): NotRun {
  const partOf = PART_OF[type];
  if (partOf !== undefined) return { partOf };
  return { note: NOT_RUN[type] };
}

/**
 * The logical id CDK gives AwsCustomResource's provider function (its singleton's uuid
 * 679f53fa-c002-430c-b0da-5b7982bd2287), with the hash CDK appends after it. Its resources are
 * `Custom::AWS` unless the construct's `resourceType` names another `Custom::` type, as
 * aws-events-targets' CloudWatchLogGroup does (`Custom::CloudwatchLogResourcePolicy`).
 */
export const AWS_CUSTOM_RESOURCE_PROVIDER = 'AWS679f53fac002430cb0da5b7982bd2287';

/** Whether a custom resource's ServiceToken is AwsCustomResource's provider function, whatever its type: the runtime makes its calls. */
export function runAsAwsCustomResource(resources: Readonly<Record<string, TemplateResource>>, logicalId: string): boolean {
  const token = resources[logicalId]?.Properties?.ServiceToken as Record<string, unknown> | undefined;
  const getAtt = token?.['Fn::GetAtt'];
  const provider = Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
  return provider?.startsWith(AWS_CUSTOM_RESOURCE_PROVIDER) === true && resources[provider]?.Type === 'AWS::Lambda::Function';
}

/**
 * Whether a custom resource's provider is CDK's provider framework (`cr.Provider`): its
 * ServiceToken's function has the app's onEvent function in `USER_ON_EVENT_FUNCTION_ARN`. The
 * runtime runs those (local/custom-resources), so they get no "not run" warning.
 */
export function runByProviderFramework(resources: Readonly<Record<string, TemplateResource>>, logicalId: string): boolean {
  const token = resources[logicalId]?.Properties?.ServiceToken as Record<string, unknown> | undefined;
  const getAtt = token?.['Fn::GetAtt'];
  const provider = Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? resources[getAtt[0]] : undefined;
  const variables = (provider?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  return provider?.Type === 'AWS::Lambda::Function' && variables?.USER_ON_EVENT_FUNCTION_ARN !== undefined;
}

/** The logical id of the Lambda function a custom resource's ServiceToken names (`Fn::GetAtt [fn, Arn]`), if it names one of the template's. */
function providerFunction(resources: Readonly<Record<string, TemplateResource>>, logicalId: string): string | undefined {
  const token = resources[logicalId]?.Properties?.ServiceToken as Record<string, unknown> | undefined;
  const getAtt = token?.['Fn::GetAtt'];
  const id =
    Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
  return id !== undefined && resources[id]?.Type === 'AWS::Lambda::Function' ? id : undefined;
}

/**
 * Whether a function is CDK's own provider of its internal custom resources (`CustomResourceProvider`:
 * `Custom::VpcRestrictDefaultSG`, `Custom::Trigger`, ...), at `<stack>/<id>CustomResourceProvider/Handler`: its
 * work is a deployment's, not the app's.
 */
function cdkOwnProvider(resource: TemplateResource | undefined, logicalId: string): boolean {
  const cdkPath = (resource as { Metadata?: Record<string, unknown> } | undefined)?.Metadata?.['aws:cdk:path'];
  // Any provider id, not only `Custom::<X>`: triggers' is `AWSCDK.TriggerCustomResourceProvider`.
  if (typeof cdkPath === 'string') return /\/[^/]*CustomResourceProvider\/Handler$/.test(cdkPath);
  return /CustomResourceProviderHandler[0-9A-F]{8}$/.test(logicalId);
}

/**
 * The app's function that provides a plain Lambda-backed custom resource (one of a type no service
 * declares, not the provider framework's, whose ServiceToken is a function of the template that
 * is not CDK's own provider): the runtime invokes it with CloudFormation's request
 * (local/custom-resources/lambda-backed.ts), so it runs as the app's function and the resource
 * gets no "not run" warning. `declared`: the resource types a service declares (runs or knowingly accepts).
 */
export function lambdaBackedProvider(
  resources: Readonly<Record<string, TemplateResource>>,
  logicalId: string,
  declared: ReadonlySet<string>,
): string | undefined {
  const resource = resources[logicalId];
  if (resource === undefined || !isCustomResourceType(resource.Type) || declared.has(resource.Type)) return undefined;
  if (runByProviderFramework(resources, logicalId) || runAsAwsCustomResource(resources, logicalId)) return undefined;
  const fn = providerFunction(resources, logicalId);
  return fn === undefined || cdkOwnProvider(resources[fn], fn) ? undefined : fn;
}

/**
 * Whether a service runs a resource (or knowingly accepts it): its type is one a service declares,
 * or it is a custom resource local/custom-resources/ runs (the provider framework's, AwsCustomResource's of any type, a plain Lambda-backed one).
 */
export function runLocally(
  resources: Readonly<Record<string, TemplateResource>>,
  logicalId: string,
  declared: ReadonlySet<string>,
): boolean {
  const type = resources[logicalId]?.Type;
  if (type !== undefined && declared.has(type)) return true;
  return runAsCustomResource(resources, logicalId, declared);
}

/**
 * Whether local/custom-resources/ plays the resource's provider (the provider framework's,
 * AwsCustomResource's of any type, a plain Lambda-backed one), so that its answer is its Ref and
 * attributes; not a custom resource type a service runs itself (a bucket deployment).
 */
export function runAsCustomResource(
  resources: Readonly<Record<string, TemplateResource>>,
  logicalId: string,
  declared: ReadonlySet<string>,
): boolean {
  return (
    runByProviderFramework(resources, logicalId) ||
    runAsAwsCustomResource(resources, logicalId) ||
    lambdaBackedProvider(resources, logicalId, declared) !== undefined
  );
}

/** Why an attribute a `Fn::GetAtt` names does not resolve locally. */
export function unresolvedAttribute(type: string | undefined, attribute: string): string {
  // An AwsCustomResource's attributes are its call's response: the call is made once the services run, after the template is resolved.
  if (type === 'Custom::AWS')
    return `an attribute of a Custom::AWS is its AWS SDK call's response, which is made locally after the template is resolved, so it does not resolve`;
  // Any other custom resource's are its provider's Data: the provider framework's and a plain Lambda-backed one's answer at start, after the template is resolved too.
  if (type !== undefined && isCustomResourceType(type))
    return `an attribute of a custom resource (${type}) is its provider's Data, which comes after the template is resolved locally (when its provider runs here), so it does not resolve`;
  return `${type} has no attribute ${attribute} locally`;
}

/**
 * What exists only for CloudFormation's deployments: the Lambda functions a template's
 * custom resources name as their provider (`ServiceToken`), the CDK provider framework's
 * waiter state machine (`WAITER_STATE_MACHINE_ARN`) (not the app's onEvent and isComplete
 * functions the framework calls: the runtime invokes those itself),
 * and layers only those functions use (the AWS CLI layer of a bucket deployment). None of
 * it runs outside a deployment, so locally it is left out quietly. Logical ids.
 */
export function deployTimeOnly(resources: Readonly<Record<string, TemplateResource>>, declared: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  const referenced = (value: unknown): string | undefined => {
    if (typeof value !== 'object' || value === null) return undefined;
    const getAtt = (value as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    if (typeof getAtt === 'string') return getAtt.split('.')[0];
    const ref = (value as Record<string, unknown>).Ref;
    return typeof ref === 'string' ? ref : undefined;
  };
  const add = (logicalId: string | undefined) => {
    const type = logicalId === undefined ? undefined : resources[logicalId]?.Type;
    if (logicalId === undefined || found.has(logicalId)) return;
    if (type === 'AWS::StepFunctions::StateMachine') found.add(logicalId);
    if (type !== 'AWS::Lambda::Function') return;
    found.add(logicalId);
    const variables = (resources[logicalId]?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    // The app's own onEvent and isComplete functions run: the runtime invokes them (local/custom-resources/provider-framework.ts).
    add(referenced(variables?.WAITER_STATE_MACHINE_ARN));
  };
  const appProviders = new Set(Object.keys(resources).map((id) => lambdaBackedProvider(resources, id, declared)));
  for (const resource of Object.values(resources)) {
    if (isCustomResourceType(resource.Type)) {
      const provider = referenced(resource.Properties?.ServiceToken);
      // A plain Lambda-backed custom resource's function is the app's: it runs.
      if (provider === undefined || !appProviders.has(provider)) add(provider);
    }
  }
  // The waiter state machine invokes the framework's isComplete and timeout functions.
  for (const logicalId of [...found]) {
    if (resources[logicalId]?.Type !== 'AWS::StepFunctions::StateMachine') continue;
    for (const name of JSON.stringify(resources[logicalId]?.Properties ?? {}).match(/"Fn::GetAtt":\["([^"]+)","Arn"\]/g) ?? []) {
      add(/\["([^"]+)"/.exec(name)?.[1]);
    }
  }
  const layerUsers = new Map<string, string[]>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    for (const layer of (resource.Properties?.Layers as unknown[] | undefined) ?? []) {
      const layerId = referenced(layer);
      if (layerId !== undefined) layerUsers.set(layerId, [...(layerUsers.get(layerId) ?? []), logicalId]);
    }
  }
  for (const [layerId, users] of layerUsers) if (users.every((user) => found.has(user))) found.add(layerId);
  return found;
}

/** `<stack>/<logicalId> (<type>)`: how a start-up line names a template's resource. */
// Takes what it reads, not load.ts's LoadedResource: load.ts imports this module.
export const whereOf = (r: { readonly stackName: string; readonly logicalId: string; readonly type: string }): string =>
  `${r.stackName}/${r.logicalId} (${r.type})`;
