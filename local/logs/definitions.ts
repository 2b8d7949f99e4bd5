import type { LoadedApp } from '../template/load.js';
import { templateTags } from '../template/tags.js';
import type { LogGroupDefinition } from './logs-service.js';
import { GROUP_CLASSES, RETENTION_DAYS } from './validation.js';

/**
 * The log groups the app's templates declare: `AWS::Logs::LogGroup`s with their streams
 * (`AWS::Logs::LogStream`), and the retention CDK's `logRetention` sets on a group it does
 * not declare (`Custom::LogRetention`, on `/aws/lambda/<function>`), which AWS creates.
 */
export function logGroupDefinitions(app: LoadedApp): { groups: LogGroupDefinition[]; warnings: string[] } {
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
  return { groups: [...groups.values()], warnings };
}
