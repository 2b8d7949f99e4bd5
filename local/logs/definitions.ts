import type { LoadedApp } from '../template/load.js';
import { templateTags } from '../template/tags.js';
import type { LogGroupDefinition } from './logs-service.js';
import type { MetricFilterDefinition } from './metric-filters.js';
import { deliversTo, type SubscriptionFilterDefinition } from './subscriptions.js';
import { GROUP_CLASSES, RETENTION_DAYS } from './validation.js';

/**
 * The log groups the app's templates declare: `AWS::Logs::LogGroup`s with their streams
 * (`AWS::Logs::LogStream`), and the retention CDK's `logRetention` sets on a group it does
 * not declare (`Custom::LogRetention`, on `/aws/lambda/<function>`), which AWS creates.
 */
export function logGroupDefinitions(app: LoadedApp): {
  groups: LogGroupDefinition[];
  subscriptionFilters: SubscriptionFilterDefinition[];
  metricFilters: MetricFilterDefinition[];
  warnings: string[];
} {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const warnings: string[] = [];
  const groups = new Map<string, LogGroupDefinition>();
  for (const r of resources.filter((r) => r.type === 'AWS::Logs::LogGroup')) {
    const p = r.properties;
    const retention = p.RetentionInDays === undefined ? undefined : Number(p.RetentionInDays);
    if (retention !== undefined && !RETENTION_DAYS.includes(retention)) {
      warnings.push(
        `${r.stackName}/${r.logicalId} (AWS::Logs::LogGroup): RetentionInDays ${String(p.RetentionInDays)} is not one CloudWatch Logs accepts; its events are kept`,
      );
    }
    const groupClass = typeof p.LogGroupClass === 'string' && GROUP_CLASSES.includes(p.LogGroupClass) ? p.LogGroupClass : undefined;
    groups.set(r.physicalName, {
      name: r.physicalName,
      ...(retention !== undefined && RETENTION_DAYS.includes(retention) ? { retentionInDays: retention } : {}),
      ...(groupClass ? { logGroupClass: groupClass } : {}),
      ...(typeof p.KmsKeyId === 'string' ? { kmsKeyId: p.KmsKeyId } : {}),
      ...templateTags(p.Tags),
      streams: [],
    });
  }
  for (const r of resources.filter((r) => r.type === 'Custom::LogRetention')) {
    const name = r.properties.LogGroupName;
    const retention = Number(r.properties.RetentionInDays);
    if (typeof name !== 'string' || groups.has(name)) continue;
    groups.set(name, { name, ...(RETENTION_DAYS.includes(retention) ? { retentionInDays: retention } : {}), streams: [] });
  }
  for (const r of resources.filter((r) => r.type === 'AWS::Logs::LogStream')) {
    const group = groups.get(String(r.properties.LogGroupName));
    if (group) (group.streams as string[]).push(r.physicalName);
  }
  const subscriptionFilters = subscriptionFilterDefinitions(app, warnings);
  const metricFilters = metricFilterDefinitions(app, warnings);
  return { groups: [...groups.values()], subscriptionFilters, metricFilters, warnings };
}

/**
 * The template's `AWS::Logs::SubscriptionFilter`s. Named at start-up: a destination the runtime
 * does not deliver to (a cross-account destination), and a function subscribed to its
 * own log group, which AWS warns of: each delivery it logs matching lines from would invoke it again.
 */
function subscriptionFilterDefinitions(app: LoadedApp, warnings: string[]): SubscriptionFilterDefinition[] {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const filters: SubscriptionFilterDefinition[] = [];
  for (const r of resources.filter((r) => r.type === 'AWS::Logs::SubscriptionFilter')) {
    const p = r.properties;
    const where = `${r.stackName}/${r.logicalId} (AWS::Logs::SubscriptionFilter)`;
    if (typeof p.LogGroupName !== 'string' || typeof p.DestinationArn !== 'string') {
      warnings.push(`${where}: its LogGroupName or DestinationArn does not resolve to a name locally; it is not run`);
      continue;
    }
    const filter = {
      group: p.LogGroupName,
      name: r.physicalName,
      pattern: typeof p.FilterPattern === 'string' ? p.FilterPattern : '',
      destinationArn: p.DestinationArn,
      ...(typeof p.RoleArn === 'string' ? { roleArn: p.RoleArn } : {}),
      ...(typeof p.Distribution === 'string' ? { distribution: p.Distribution } : {}),
    };
    if (!deliversTo(filter.destinationArn)) {
      warnings.push(
        `${where}: its destination ${filter.destinationArn} is not run locally (only Lambda functions, Kinesis data streams and Firehose delivery streams are): matching events of ${filter.group} are not delivered`,
      );
    }
    const fn = filter.destinationArn.match(/^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/)?.[1];
    const fnResource = resources.find((f) => f.type === 'AWS::Lambda::Function' && f.physicalName === fn);
    const fnGroup = (fnResource?.properties.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup;
    if (fn !== undefined && filter.group === (typeof fnGroup === 'string' ? fnGroup : `/aws/lambda/${fn}`)) {
      warnings.push(
        `${where}: function ${fn} is subscribed to its own log group ${filter.group}: every matching line it logs invokes it again (a loop AWS warns of)`,
      );
    }
    filters.push(filter);
  }
  return filters;
}

/**
 * The template's `AWS::Logs::MetricFilter`s, in PutMetricFilter's shape (CloudFormation's
 * `Dimensions` list of Key and Value is the API's map). Checked as PutMetricFilter checks them when
 * the logs service declares them: one it would refuse is printed and not run.
 */
function metricFilterDefinitions(app: LoadedApp, warnings: string[]): MetricFilterDefinition[] {
  const filters: MetricFilterDefinition[] = [];
  for (const r of app.stacks.flatMap((stack) => stack.resources).filter((r) => r.type === 'AWS::Logs::MetricFilter')) {
    const p = r.properties;
    const [t, ...more] = Array.isArray(p.MetricTransformations) ? (p.MetricTransformations as Record<string, unknown>[]) : [];
    const where = `${r.stackName}/${r.logicalId} (AWS::Logs::MetricFilter)`;
    if (typeof p.LogGroupName !== 'string' || t === undefined || more.length > 0) {
      warnings.push(
        `${where}: its LogGroupName does not resolve to a name locally, or it has not exactly one MetricTransformation; it is not run`,
      );
      continue;
    }
    // A missing name, namespace, value or dimension never becomes the text "undefined" of a metric.
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    const dimensions = (Array.isArray(t.Dimensions) ? (t.Dimensions as { Key?: unknown; Value?: unknown }[]) : []).map(
      (d) => [text(d.Key), text(d.Value)] as const,
    );
    const defaultValue = t.DefaultValue === undefined ? undefined : Number(t.DefaultValue);
    const [metricName, metricNamespace, metricValue] = [text(t.MetricName), text(t.MetricNamespace), text(t.MetricValue)];
    if (
      metricName === undefined ||
      metricNamespace === undefined ||
      metricValue === undefined ||
      dimensions.some(([key, value]) => key === undefined || value === undefined) ||
      (defaultValue !== undefined && !Number.isFinite(defaultValue))
    ) {
      warnings.push(
        `${where}: its MetricName, MetricNamespace, MetricValue, a dimension's Key or Value or its DefaultValue does not resolve locally; it is not run`,
      );
      continue;
    }
    filters.push({
      group: p.LogGroupName,
      name: r.physicalName,
      pattern: typeof p.FilterPattern === 'string' ? p.FilterPattern : '',
      transformation: {
        metricName,
        metricNamespace,
        metricValue,
        ...(defaultValue === undefined ? {} : { defaultValue }),
        ...(dimensions.length === 0 ? {} : { dimensions: Object.fromEntries(dimensions) }),
        ...(typeof t.Unit === 'string' ? { unit: t.Unit } : {}),
      },
    });
  }
  return filters;
}
