import type { TemplateResource } from '../../local/template/cloud-assembly.js';

/** A resource's ARN as a template names it: `Fn::GetAtt` of its Arn. */
export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

interface RuleSettings {
  /** What the rule matches. */
  readonly pattern: Record<string, unknown>;
  /** The logical id of the bus the rule is on; the default bus without. */
  readonly bus?: string;
  /** The rule's Name. */
  readonly name?: string;
}

export type EventRuleOptions = RuleSettings &
  (
    | {
        /** The logical id of the resource the rule sends to, by its Arn. */
        readonly target: string;
        /** The target's Id. */
        readonly id: string;
      }
    | {
        /** The rule's Targets as the template writes them (an ARN by Ref, or no Id, say). */
        readonly targets: readonly Record<string, unknown>[];
      }
  );

/** An AWS::Events::Rule: with one target (`target`, `id`) or the `targets` given. */
export function eventRule(options: EventRuleOptions): TemplateResource {
  const { pattern, bus, name } = options;
  return {
    Type: 'AWS::Events::Rule',
    Properties: {
      ...(name === undefined ? {} : { Name: name }),
      ...(bus === undefined ? {} : { EventBusName: { Ref: bus } }),
      EventPattern: pattern,
      Targets: 'targets' in options ? options.targets : [{ Id: options.id, Arn: arnOf(options.target) }],
    },
  };
}

/**
 * An AWS::SQS::Queue named `name`; with `deadLetterQueue` (a logical id), SQS moves a message
 * there at its `maxReceiveCount`-th receive; the other options are properties it adds (VisibilityTimeout, ...).
 */
export function sqsQueue(
  name: string,
  options: { deadLetterQueue?: string; maxReceiveCount?: number } & Record<string, unknown> = {},
): TemplateResource {
  const { deadLetterQueue, maxReceiveCount, ...properties } = options;
  const redrive = deadLetterQueue === undefined ? {} : { RedrivePolicy: { deadLetterTargetArn: arnOf(deadLetterQueue), maxReceiveCount } };
  return { Type: 'AWS::SQS::Queue', Properties: { QueueName: name, ...redrive, ...properties } };
}

/**
 * An AWS::Lambda::Function on nodejs24.x whose code is the assembly's folder `asset` (as CDK
 * stages an asset), its handler index.handler; `properties` adds others or overrides these (Runtime, Timeout, ...).
 */
export function assetFunction(name: string, asset: string, properties: Record<string, unknown> = {}): TemplateResource {
  return {
    Type: 'AWS::Lambda::Function',
    Metadata: { 'aws:asset:path': asset },
    Properties: {
      FunctionName: name,
      Code: { S3Bucket: 'cdk-assets', S3Key: `${asset}.zip` },
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      ...properties,
    },
  };
}

/**
 * An AWS::Lambda::EventSourceMapping: the function `fn` reads the source `source` (logical ids: a
 * queue or a stream, by its Arn); `properties` adds others (BatchSize, StartingPosition, ...).
 */
export function eventSourceMapping(source: string, fn: string, properties: Record<string, unknown> = {}): TemplateResource {
  return {
    Type: 'AWS::Lambda::EventSourceMapping',
    Properties: { EventSourceArn: arnOf(source), FunctionName: { Ref: fn }, ...properties },
  };
}

/**
 * An AWS::Lambda::Function of inline code (`Code.ZipFile`, which CloudFormation writes as
 * index.js) whose handler is index.handler, on nodejs24.x; `properties` adds others or
 * overrides these (FunctionName, Runtime, Timeout, ...).
 */
export function inlineFunction(code: string, properties: Record<string, unknown> = {}): TemplateResource {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Code: { ZipFile: code }, ...properties },
  };
}

/** An on-demand AWS::DynamoDB::Table keyed by the string `id`; `properties` adds others (TableName, StreamSpecification, ...). */
export function idTable(properties: Record<string, unknown> = {}): TemplateResource {
  return {
    Type: 'AWS::DynamoDB::Table',
    Properties: {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      ...properties,
    },
  };
}

/** An AWS::Cognito::UserPool named `name`; `properties` adds others (UsernameAttributes, Policies, MfaConfiguration, ...). */
export function userPool(name: string, properties: Record<string, unknown> = {}): TemplateResource {
  return { Type: 'AWS::Cognito::UserPool', Properties: { UserPoolName: name, ...properties } };
}

/** An AWS::Cognito::UserPoolClient of the pool `pool` (a logical id); `properties` adds others (ClientName, ExplicitAuthFlows, GenerateSecret, ...). */
export function userPoolClient(pool: string, properties: Record<string, unknown> = {}): TemplateResource {
  return { Type: 'AWS::Cognito::UserPoolClient', Properties: { UserPoolId: { Ref: pool }, ...properties } };
}

/** An AWS::SNS::Subscription of the topic `topic` to the queue `queue` (logical ids); `properties` adds others (RawMessageDelivery, FilterPolicy, ...). */
export function queueSubscription(topic: string, queue: string, properties: Record<string, unknown> = {}): TemplateResource {
  return {
    Type: 'AWS::SNS::Subscription',
    Properties: { Protocol: 'sqs', TopicArn: { Ref: topic }, Endpoint: arnOf(queue), ...properties },
  };
}

/** An AWS::StepFunctions::StateMachine of `definition` (as DefinitionString); `properties` adds others (StateMachineName, RoleArn, ...). */
export function stateMachine(definition: unknown, properties: Record<string, unknown> = {}): TemplateResource {
  return { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: JSON.stringify(definition), ...properties } };
}

/** An AWS::ApiGatewayV2::Api of protocol HTTP named `name`; `properties` adds others (CorsConfiguration, ...). */
export function httpApi(name: string, properties: Record<string, unknown> = {}): TemplateResource {
  return { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: name, ProtocolType: 'HTTP', ...properties } };
}

/** An AWS::ApiGatewayV2::Integration of the HTTP API `Api`; `properties` are its others (IntegrationType, IntegrationUri, ...). */
export function httpIntegration(properties: Record<string, unknown>): TemplateResource {
  return { Type: 'AWS::ApiGatewayV2::Integration', Properties: { ApiId: { Ref: 'Api' }, ...properties } };
}

/** A Lambda proxy integration (payload 2.0) of the HTTP API `Api` to the function `fn` (a logical id); `properties` adds or overrides (ApiId, ...). */
export function httpLambdaIntegration(fn: string, properties: Record<string, unknown> = {}): TemplateResource {
  return httpIntegration({ IntegrationType: 'AWS_PROXY', IntegrationUri: arnOf(fn), PayloadFormatVersion: '2.0', ...properties });
}

/** An AWS::ApiGatewayV2::Route of the HTTP API `Api` to the integration `integration` (a logical id); `properties` adds others (authorization, ...). */
export function httpRoute(routeKey: string, integration: string, properties: Record<string, unknown> = {}): TemplateResource {
  return {
    Type: 'AWS::ApiGatewayV2::Route',
    Properties: {
      ApiId: { Ref: 'Api' },
      RouteKey: routeKey,
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integration }]] },
      ...properties,
    },
  };
}

/** An AWS::ApiGatewayV2::Authorizer of the HTTP API `Api`: a JWT authorizer `name` of the bearer token in Authorization, from `issuer` for `audience`. */
export function httpJwtAuthorizer(name: string, issuer: string, audience: readonly string[]): TemplateResource {
  return {
    Type: 'AWS::ApiGatewayV2::Authorizer',
    Properties: {
      ApiId: { Ref: 'Api' },
      Name: name,
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: issuer, Audience: [...audience] },
    },
  };
}

/** An AWS::ApiGatewayV2::Stage of the HTTP API `Api`; `properties` adds others (AutoDeploy, StageVariables, ...). */
export function httpStage(stageName: string, properties: Record<string, unknown> = {}): TemplateResource {
  return { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Api' }, StageName: stageName, ...properties } };
}

/** The root resource of the REST API `Api`. */
export const restRoot = { 'Fn::GetAtt': ['Api', 'RootResourceId'] };

/** An AWS::ApiGateway::Resource of the REST API `Api` under `parent` (restRoot, or a resource's Ref). */
export function restResource(parent: unknown, pathPart: string): TemplateResource {
  return { Type: 'AWS::ApiGateway::Resource', Properties: { RestApiId: { Ref: 'Api' }, ParentId: parent, PathPart: pathPart } };
}

/** An AWS::ApiGateway::Method of the REST API `Api` with no authorization; `properties` adds others (Integration, ...). */
export function restMethod(resourceId: unknown, httpMethod: string, properties: Record<string, unknown> = {}): TemplateResource {
  return {
    Type: 'AWS::ApiGateway::Method',
    Properties: { RestApiId: { Ref: 'Api' }, ResourceId: resourceId, HttpMethod: httpMethod, AuthorizationType: 'NONE', ...properties },
  };
}

/** An AWS::ApiGateway::Stage of the REST API `Api` and its `Deployment`; `properties` adds others (Variables, MethodSettings, ...). */
export function restStage(stageName: string, properties: Record<string, unknown> = {}): TemplateResource {
  return {
    Type: 'AWS::ApiGateway::Stage',
    Properties: { RestApiId: { Ref: 'Api' }, DeploymentId: { Ref: 'Deployment' }, StageName: stageName, ...properties },
  };
}

/** A statement of an identity policy: Allow `Action` on `Resource`. */
export interface Allowed {
  readonly Action: string | readonly string[];
  readonly Resource: unknown;
}

/** An inline policy of a role (a member of its Policies) named `name`, allowing each of `allowed`. */
export function inlinePolicy(name: string, ...allowed: readonly Allowed[]): Record<string, unknown> {
  return {
    PolicyName: name,
    PolicyDocument: { Version: '2012-10-17', Statement: allowed.map((statement) => ({ Effect: 'Allow', ...statement })) },
  };
}

/** An AWS::IAM::Role that the service principal `service` (lambda.amazonaws.com, ...) may assume; `properties` adds others (RoleName, Policies, ...). */
export function serviceRole(service: string, properties: Record<string, unknown> = {}): TemplateResource {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
      },
      ...properties,
    },
  };
}

/**
 * The queue policy that lets `service` (sns.amazonaws.com, events.amazonaws.com) send to the
 * queue `queueArn` for `sourceArn` (a topic, a rule) alone, as SNS's and EventBridge's guides
 * write it: its JSON, SetQueueAttributes' Policy.
 */
export function queueSendPolicy(service: string, queueArn: string | undefined, sourceArn: string | undefined): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
      },
    ],
  });
}

/** An AWS::Events::Connection that authorizes each request with the API key header `name`: `value`. */
export function apiKeyConnection(name: string, value: string): TemplateResource {
  return {
    Type: 'AWS::Events::Connection',
    Properties: { AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: name, ApiKeyValue: value } } },
  };
}
