import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { snsDefinitions } from './definitions.js';
import { snsIam } from './iam-authorizations.js';
import { type NotificationNote, recordNotification } from './lineage-notes.js';
import { SnsQueryProtocol } from './query-protocol.js';
import { SNS_RESOURCE_POLICIES } from './resource-policies.js';
import { SNS_TYPE_SPECS } from './resource-types.js';
import { SnsService } from './sns-service.js';
import { snsStepFunctions } from './step-functions.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    sns: SnsService;
  }
}

/** Its notes to the read API (local/read-api/read-notes.ts). */
declare module '../read-api/read-notes.js' {
  interface ReadNotes {
    /** SNS took a message for a topic, or one of its deliveries to a subscription ended or is retried. */
    notification: NotificationNote;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    sns: 'sns';
  }
}

/** SNS: the template's topics and subscriptions, fanned out to SQS and Lambda. */
export const snsModule: ServiceModule<'sns', ReturnType<typeof snsDefinitions>> = {
  name: 'sns',
  iam: snsIam,
  stepFunctions: snsStepFunctions,
  // The operations it serves are SnsService's methods.
  apis: [{ model: 'sns', operations: apiOperations(SnsService), protocolFromModel: true }],
  sdkClients: [{ package: '@aws-sdk/client-sns', serviceId: 'SNS' }],
  needs: ['sqs', 'lambda', 'readApi'],
  databases: ['sns'],
  resourceTypes: SNS_TYPE_SPECS,
  resourcePolicies: SNS_RESOURCE_POLICIES,
  definitions: snsDefinitions,
  records: (recorder) => ({ notification: (note) => recordNotification(recorder, note) }),
  create({ settings, database, services }, template) {
    const { clock, accountId, region, url, log } = settings;
    const readApi = services.get('readApi');
    const sns = new SnsService({
      db: database('sns'),
      clock,
      accountId,
      region,
      baseUrl: url,
      topics: template.topics,
      subscriptions: template.subscriptions,
      sqs: services.get('sqs'),
      lambda: services.get('lambda'),
      // Firehose, looked up when a notification goes out, as EventBridge's targets do (Firehose delivers to S3, which announces to SNS).
      firehose: {
        PutRecord: (input) => services.get('firehose').PutRecord(input),
        PutRecordBatch: (input) => services.get('firehose').PutRecordBatch(input),
      },
      // SES's mailbox, looked up when mail goes out: SES needs SNS (its event destinations), so it is created after.
      mailbox: (mail) => services.get('ses').mailbox.deliver(mail),
      // SNS sends as sns.amazonaws.com: the queue's policy or the function's permissions must allow it for the topic.
      authorizeDelivery: async (subscription) => {
        const refusal = await services
          .get('iam')
          .authorizeDelivery(
            { kind: 'service', service: 'sns.amazonaws.com' },
            subscription.endpoint,
            { arn: subscription.topicArn, account: accountId },
            `subscription ${subscription.arn}`,
          );
        return refusal?.message;
      },
      log: (line) => log(`[sns] ${line}`),
      // What was published and what became of each delivery: `switchyard trace <MessageId>` draws it.
      onNote: (note) => readApi.record('notification', note),
      // A policy set through the API is the topic's policy for IAM too, as on AWS.
      onPolicyChange: (topicArn, policy) => services.get('iam').setResourcePolicy(topicArn, policy),
    });
    return {
      service: sns,
      mounts: { query: [new SnsQueryProtocol(sns)] },
      start: () => sns.start(),
      stop: () => sns.stop(),
    };
  },
  // Every topic it has (the template's and any created since), through its own API; publishing to one is the command to try first.
  report: async (sns) => {
    const topics: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await sns.ListTopics({ NextToken });
      topics.push(...(page.Topics ?? []).flatMap((t) => (t.TopicArn ? [t.TopicArn] : [])));
      NextToken = page.NextToken;
    } while (NextToken);
    // A message published to a topic nothing subscribes to reaches nothing (the app only publishes to it, as
    // cdk-appsync-sns's API does): one with a subscription is suggested, and without any, another service's command is (rank 5).
    const subscribed = new Set<string>();
    for (const TopicArn of topics) {
      if (((await sns.ListSubscriptionsByTopic({ TopicArn })).Subscriptions ?? []).length > 0) subscribed.add(TopicArn);
    }
    const ordered = [...topics.filter((t) => subscribed.has(t)), ...topics.filter((t) => !subscribed.has(t))];
    const [topic] = ordered;
    return {
      counts: { topics: topics.length },
      ...(topic === undefined
        ? {}
        : {
            tryIt: {
              rank: subscribed.has(topic) ? 1 : 5,
              listing: `  topics: ${ordered.join(', ')}`,
              command: `sns publish --topic-arn ${topic} --message hello`,
            },
          }),
    };
  },
};
