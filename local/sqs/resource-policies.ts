import { policyOn, type ResourcePolicyContext, type ResourcePolicySources, strings } from '../iam/resource-policies.js';
import type { LoadedResource } from '../template/load.js';

/** The queue URLs (Refs) of the app's queues, by resources list: a policy names its queues by URL. */
const urlsOf = new WeakMap<readonly LoadedResource[], Map<string, string>>();

/** A queue's ARN from what a queue policy names: its URL (the queue's Ref), its ARN, or a URL of a queue the app does not declare. */
function queueArn(queue: string, { resources, region }: ResourcePolicyContext): string {
  let byUrl = urlsOf.get(resources);
  if (byUrl === undefined) {
    byUrl = new Map(resources.filter((r) => r.type === 'AWS::SQS::Queue').map((q) => [q.ref, q.attributes.Arn ?? q.ref]));
    urlsOf.set(resources, byUrl);
  }
  const known = byUrl.get(queue);
  if (known || queue.startsWith('arn:')) return known ?? queue;
  const url = /\/(\d{12})\/([^/]+)\/?$/.exec(queue);
  return url ? `arn:aws:sqs:${region}:${url[1]}:${url[2]}` : queue;
}

/** SQS's queue policies, on each queue they name (a policy set through the API later replaces the queue's: sqs/module.ts). */
export const SQS_RESOURCE_POLICIES: ResourcePolicySources = {
  'AWS::SQS::QueuePolicy': {
    policyOnly: true,
    read: (r, context) =>
      strings(r.properties.Queues).map((queue) => ({ resourceArn: queueArn(queue, context), document: r.properties.PolicyDocument })),
  },
  'AWS::SQS::QueueInlinePolicy': {
    policyOnly: true,
    read: (r, context) =>
      typeof r.properties.Queue === 'string' ? policyOn(queueArn(r.properties.Queue, context), r.properties.PolicyDocument) : [],
  },
};
