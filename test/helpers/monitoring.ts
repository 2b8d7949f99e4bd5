import type { Template } from 'aws-cdk-lib/assertions';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped
type Json = any;

/** Logical ids of the SQS queues that are some resource's dead-letter queue, found in the template as `switchyard failures` finds them. */
export function deadLetterQueueIds(template: Template): Set<string> {
  const resources = template.toJSON().Resources as Record<string, Json>;
  const queues = new Set(Object.keys(resources).filter((id) => resources[id].Type === 'AWS::SQS::Queue'));
  const found = new Set<string>();
  const arnOf = (value: Json) => {
    const id = value?.['Fn::GetAtt']?.[0];
    if (typeof id === 'string' && queues.has(id)) found.add(id);
  };
  const walk = (node: Json): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries<Json>(node)) {
      if (key === 'deadLetterTargetArn') arnOf(value);
      if (key === 'DeadLetterConfig') arnOf(value?.Arn ?? value?.TargetArn);
      if (key === 'OnFailure') arnOf(value?.Destination);
      walk(value);
    }
  };
  for (const resource of Object.values(resources)) walk(resource.Properties);
  return found;
}

/** Logical ids of the queues an alarm watches ApproximateNumberOfMessagesVisible of, with a threshold that fires on one message. */
export function queuesWithVisibleMessageAlarms(template: Template): Set<string> {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Json[];
  const found = new Set<string>();
  for (const { Properties: alarm } of alarms) {
    const metrics = alarm.Metrics ? alarm.Metrics.map((m: Json) => m.MetricStat?.Metric).filter(Boolean) : [alarm];
    for (const metric of metrics) {
      if (metric.MetricName !== 'ApproximateNumberOfMessagesVisible') continue;
      const fires = alarm.ComparisonOperator === 'GreaterThanThreshold' ? alarm.Threshold === 0 : alarm.Threshold <= 1;
      if (!fires) continue;
      const dimension = (metric.Dimensions as Json[]).find((d) => d.Name === 'QueueName');
      const id = dimension?.Value?.['Fn::GetAtt']?.[0];
      if (typeof id === 'string') found.add(id);
    }
  }
  return found;
}
