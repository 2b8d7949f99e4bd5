import { describe, expect, it } from 'vitest';
import { renderIamReport } from '../../../cli/commands/iam.js';
import { roleReport } from '../../../local/iam/least-privilege.js';

const role = { roleArn: 'arn:aws:iam::000000000000:role/Worker', holder: 'S/Worker' };
const policy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders' },
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:000000000000:unused' },
    { Effect: 'Allow', Action: 's3:*', Resource: '*' },
  ],
};

describe('roleReport', () => {
  it('names the grants nothing used and the wildcards, against what the role asked for', () => {
    const used = [
      { action: 'dynamodb:PutItem', resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders', allowed: true, count: 3 },
      { action: 'events:PutEvents', resource: 'arn:aws:events:us-east-1:000000000000:event-bus/hub', allowed: false, count: 1 },
    ];
    const report = roleReport(role, [{ name: 'S/WorkerPolicy', policy }], used);
    expect(report.unused).toEqual([
      { policy: 'S/WorkerPolicy', actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:us-east-1:000000000000:unused'] },
      { policy: 'S/WorkerPolicy', actions: ['s3:*'], resources: ['*'] },
    ]);
    expect(report.wildcards).toEqual([{ policy: 'S/WorkerPolicy', actions: ['s3:*'], resources: ['*'] }]);
    expect(report.used).toBe(used);
  });

  it('does not call `*` a wildcard for actions IAM grants only on `*`, and still does when one action of the statement could be narrower', () => {
    const listing = {
      Statement: [
        { Effect: 'Allow', Action: ['dynamodb:ListStreams', 'xray:PutTraceSegments'], Resource: '*' },
        { Effect: 'Allow', Action: ['dynamodb:ListStreams', 'dynamodb:GetRecords'], Resource: '*' },
      ],
    };
    const report = roleReport(role, [{ name: 'S/Listing', policy: listing }], []);
    expect(report.wildcards).toEqual([{ policy: 'S/Listing', actions: ['dynamodb:ListStreams', 'dynamodb:GetRecords'], resources: ['*'] }]);
  });
});

describe('renderIamReport', () => {
  it('lists each refusal with its fix, each role use with MISSING for what was refused, and the unused grants', () => {
    const lines = renderIamReport({
      mode: 'warn',
      findings: [
        {
          principal: role.roleArn,
          action: 'events:PutEvents',
          resource: 'arn:aws:events:us-east-1:000000000000:event-bus/hub',
          where: 'PutEvents',
          message: 'User: arn:aws:sts::000000000000:assumed-role/Worker/fn is not authorized to perform: events:PutEvents',
          fix: 'bus.grantPutEventsTo(Worker)',
          mode: 'warn',
          count: 2,
          firstAt: '2026-11-24T00:00:00.000Z',
          lastAt: '2026-11-24T00:00:01.000Z',
        },
      ],
      roles: [
        roleReport(
          role,
          [{ name: 'S/WorkerPolicy', policy }],
          [{ action: 'events:PutEvents', resource: 'arn:aws:events:us-east-1:000000000000:event-bus/hub', allowed: false, count: 2 }],
        ),
      ],
      problems: [{ holder: 'S/Other (AWS::IAM::Policy)', problem: 'unknown action eventsv2:PutEvents' }],
    }).join('\n');
    expect(lines).toContain('IAM mode: warn');
    expect(lines).toContain('events:PutEvents on arn:aws:events:us-east-1:000000000000:event-bus/hub (PutEvents; 2x, ran anyway)');
    expect(lines).toContain('fix: bus.grantPutEventsTo(Worker)');
    expect(lines).toMatch(/events:PutEvents\s+arn:aws:events:us-east-1:000000000000:event-bus\/hub\s+MISSING\s+2/);
    expect(lines).toContain('unused: sqs:SendMessage on arn:aws:sqs:us-east-1:000000000000:unused (S/WorkerPolicy)');
    expect(lines).toContain('wildcard: s3:* on * (S/WorkerPolicy)');
    expect(lines).toContain('S/Other (AWS::IAM::Policy): unknown action eventsv2:PutEvents');
  });
});
