import type { TemplateResource } from '../../local/template/cloud-assembly.js';
import { onDemandKeys } from './dynamodb-tables.js';

type Properties = Record<string, unknown>;

/** The ARN of the resource `logicalId`, as a template names it (`Fn::GetAtt`). */
export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/**
 * The resources of the hand-written templates tests run (small apps that start in well under a
 * second), each as CloudFormation declares it; `properties` add to or override what each sets.
 */
export const cfn = {
  /** A queue; with `deadLetterQueue` (a logical id), SQS moves a message there at its `maxReceiveCount`-th receive. */
  queue(name: string, options: { deadLetterQueue?: string; maxReceiveCount?: number } & Properties = {}): TemplateResource {
    const { deadLetterQueue, maxReceiveCount, ...properties } = options;
    const redrive =
      deadLetterQueue === undefined ? {} : { RedrivePolicy: { deadLetterTargetArn: arnOf(deadLetterQueue), maxReceiveCount } };
    return { Type: 'AWS::SQS::Queue', Properties: { QueueName: name, ...redrive, ...properties } };
  },

  /** An on-demand table keyed on string attributes, the first the partition key, the second (if any) the sort key. */
  table(name: string, keys: readonly string[], properties: Properties = {}): TemplateResource {
    return { Type: 'AWS::DynamoDB::Table', Properties: { TableName: name, ...onDemandKeys(keys), ...properties } };
  },

  /** A rule sending the events `pattern` matches on `bus` (a logical id; the default bus without one) to `targets`. */
  rule(options: { name?: string; bus?: string; pattern: object; targets: readonly object[] }): TemplateResource {
    return {
      Type: 'AWS::Events::Rule',
      Properties: {
        ...(options.name === undefined ? {} : { Name: options.name }),
        ...(options.bus === undefined ? {} : { EventBusName: { Ref: options.bus } }),
        EventPattern: options.pattern,
        Targets: options.targets,
      },
    };
  },

  /** A Node.js function whose code is the assembly's folder `asset`, its handler `index.handler`. */
  assetFunction(name: string, asset: string, properties: Properties = {}): TemplateResource {
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
  },

  /** The function `fn` polls the queue `queue` (logical ids), `BatchSize` records at a time. */
  sqsMapping(queue: string, fn: string, properties: Properties = {}): TemplateResource {
    return {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { EventSourceArn: arnOf(queue), FunctionName: { Ref: fn }, ...properties },
    };
  },

  /** A state machine of `definition` (the ASL object), Standard unless `type` says otherwise. */
  stateMachine(name: string, definition: object, options: { type?: 'STANDARD' | 'EXPRESS'; role?: string } = {}): TemplateResource {
    return {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: name,
        StateMachineType: options.type ?? 'STANDARD',
        DefinitionString: JSON.stringify(definition),
        RoleArn: options.role ?? 'arn:aws:iam::000000000000:role/state-machine',
      },
    };
  },
};
