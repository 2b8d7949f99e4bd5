import { AwsError } from '../endpoint/aws-error.js';
import { parseArn } from '../names/arn.js';
import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { TargetDispatcher } from '../targets/dispatcher.js';
import { QueuesByArn } from '../targets/queues.js';
import { BUCKET_DEPLOYMENT, bucketDeploymentDefinitions } from './bucket-deployment-definitions.js';
import { BucketDeployments } from './bucket-deployments.js';
import { type BucketDefinition, bucketDefinitions } from './definitions.js';
import { s3Iam } from './iam-authorizations.js';
import type { DestinationConfiguration } from './notification-config.js';
import { S3_RESOURCE_POLICIES } from './resource-policies.js';
import { S3_RESOURCE_TYPES } from './resource-types.js';
import { S3RestProtocol } from './rest-protocol.js';
import { S3Api } from './s3-api.js';
import { S3Service } from './s3-service.js';
import { bucketReport } from './startup-lines.js';
import { s3StepFunctions } from './step-functions.js';

/** S3 as the runtime runs it, and the template's buckets (for the start-up report). */
export interface LocalS3 {
  readonly s3: S3Service;
  readonly buckets: readonly BucketDefinition[];
}

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    s3: LocalS3;
  }
}

/** The API model it serves (`apis`): S3's REST-XML, spoken from the model (rest-protocol.ts). */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    s3: 's3';
  }
}

/** S3: objects as files in the data folder, their metadata in SQLite; `aws.s3` events to EventBridge, notifications to SQS, SNS and Lambda. */
export const s3Module: ServiceModule<'s3'> = {
  name: 's3',
  iam: s3Iam,
  stepFunctions: s3StepFunctions,
  apis: [{ model: 's3', operations: apiOperations(S3Api), protocolFromModel: true }],
  sdkClients: [{ package: '@aws-sdk/client-s3', serviceId: 'S3' }],
  needs: ['template', 'events', 'sqs', 'sns', 'lambda'],
  databases: ['s3'],
  folders: ['s3'],
  // CDK's auto-delete custom resource only empties buckets at stack deletion.
  resourceTypes: S3_RESOURCE_TYPES,
  resourcePolicies: S3_RESOURCE_POLICIES,
  reloads: { types: [BUCKET_DEPLOYMENT], removals: true },
  create({ settings, database, folder, services, warn }) {
    const { clock, accountId, region, log } = settings;
    const lambda = services.get('lambda');
    const template = bucketDefinitions(services.get('template').app);
    warn(template.warnings);
    const s3 = new S3Service({
      db: database('s3'),
      folder: folder('s3'),
      clock,
      accountId,
      region,
      events: services.get('events'),
      // S3 invokes functions asynchronously (InvocationType Event), as it does on AWS.
      targets: new TargetDispatcher({
        sqs: new QueuesByArn(services.get('sqs')),
        sns: services.get('sns'),
        lambda: { invokeAsync: (fn, event) => lambda.invokeAsync(fn, event) },
      }),
      // S3 sends as s3.amazonaws.com: the queue's or topic's policy, or the function's permissions, must allow it for the bucket.
      authorizeNotification: async (targetArn, bucketArn) => {
        const refusal = await services
          .get('iam')
          .authorizeDelivery(
            { kind: 'service', service: 's3.amazonaws.com' },
            targetArn,
            { arn: bucketArn, account: accountId },
            `notification of ${bucketArn}`,
          );
        return refusal?.message;
      },
      destinationProblem: (configuration) => destinationProblem(configuration, services.get('sqs'), services.get('sns')),
      log: (line) => log(`[s3] ${line}`),
    });
    // CDK's bucket deployments copy the app's files into its buckets, as a deploy runs them: a new or changed one at start or reload.
    const deployments = new BucketDeployments(s3, database('s3'), (line) => log(`[s3] ${line}`));
    return {
      service: { s3, buckets: template.buckets },
      mounts: { restFirst: [new S3RestProtocol(s3)] },
      // After the bus starts (EventBridge is started before it): creates the template's buckets and publishes notifications a crash left behind.
      start: () => {
        s3.declare(template.buckets);
        deployments.apply(bucketDeploymentDefinitions(services.get('template').app));
      },
      reload: ({ app }) => ({ reloaded: deployments.apply(bucketDeploymentDefinitions(app)).map((id) => `bucket deployment ${id}`) }),
      // Notifications being sent finish before the services they go to stop (one cut off is sent again at the next start).
      stop: () => s3.flushNotifications(),
    };
  },
  report: ({ buckets }, { url }) => bucketReport(buckets, url),
};

/**
 * Why S3 cannot validate a notification destination: a queue or topic that does not exist (AWS's
 * text). A function is not looked up here (its permission is checked when an event is sent).
 */
async function destinationProblem(
  configuration: DestinationConfiguration,
  sqs: { GetQueueUrl(input: { QueueName: string }): Promise<unknown> },
  sns: { GetTopicAttributes(input: { TopicArn: string }): Promise<unknown> },
): Promise<string | undefined> {
  const missing = async (lookUp: () => Promise<unknown>, code: string) => {
    try {
      await lookUp();
      return false;
    } catch (error) {
      if (error instanceof AwsError && error.code === code) return true;
      throw error;
    }
  };
  if (
    configuration.kind === 'queue' &&
    (await missing(() => sqs.GetQueueUrl({ QueueName: parseArn(configuration.arn).resourceId }), 'QueueDoesNotExist'))
  )
    return 'The destination queue does not exist';
  if (configuration.kind === 'topic' && (await missing(() => sns.GetTopicAttributes({ TopicArn: configuration.arn }), 'NotFound')))
    return 'The destination topic does not exist';
  return undefined;
}
