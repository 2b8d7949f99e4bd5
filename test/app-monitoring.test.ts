import { describe, expect, it } from 'vitest';
import { deadLetterQueueIds, queuesWithVisibleMessageAlarms } from './helpers/monitoring.js';
import { sharedSwitchyardTemplate } from './helpers/synth.js';

describe('Switchyard app monitoring', () => {
  const template = sharedSwitchyardTemplate();

  it('alarms on every dead-letter queue of the reference app', () => {
    const dlqs = deadLetterQueueIds(template);
    // 11 consumers x 2, 4 status-change rules, change capture, the schedule, the file trigger... whatever the app has, all of them.
    expect(dlqs.size).toBeGreaterThanOrEqual(11);
    const alarmed = queuesWithVisibleMessageAlarms(template);
    expect([...dlqs].filter((id) => !alarmed.has(id))).toEqual([]);
  });

  it('has one dashboard, one alarm topic and saved queries over every log group', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const logGroups = Object.keys(template.findResources('AWS::Logs::LogGroup')).sort();
    const queries = Object.values(template.findResources('AWS::Logs::QueryDefinition'));
    expect(queries.map((q) => q.Properties.Name).sort()).toEqual(
      [
        'Switchyard/Follow a correlation id',
        'Switchyard/Follow one jobId',
        'Switchyard/Follow one orderId',
        'Switchyard/Follow one requestId',
        'Switchyard/Follow one ticketId',
        'Switchyard/Follow an event id',
      ].sort(),
    );
    for (const query of queries) expect(query.Properties.LogGroupNames.map((n: { Ref: string }) => n.Ref).sort()).toEqual(logGroups);
  });

  it('stays under CloudFormation’s 500 resources', () => {
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThan(500);
  });
});
