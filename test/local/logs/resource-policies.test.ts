import { describe, expect, it } from 'vitest';
import { LogsService } from '../../../local/logs/logs-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { region } from '../helpers.js';

const clock = new ManualClock(Date.UTC(2026, 5, 1));
const service = () => new LogsService({ db: openDatabase(':memory:'), clock, accountId: '000000000000', region });
const document = (sid: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Allow' }] });

describe("CloudWatch Logs' account resource policies", () => {
  it('creates, replaces by name, lists and deletes them', async () => {
    const logs = service();
    await expect(logs.PutResourcePolicy({ policyName: 'a', policyDocument: document('1') })).resolves.toEqual({
      resourcePolicy: { policyName: 'a', policyDocument: document('1'), lastUpdatedTime: clock.now() },
    });
    await logs.PutResourcePolicy({ policyName: 'a', policyDocument: document('2') });
    await logs.PutResourcePolicy({ policyName: 'b', policyDocument: document('3') });
    const { resourcePolicies } = await logs.DescribeResourcePolicies({});
    expect(resourcePolicies.map((p) => [p.policyName, p.policyDocument])).toEqual([
      ['a', document('2')],
      ['b', document('3')],
    ]);
    await expect(logs.DeleteResourcePolicy({ policyName: 'a' })).resolves.toEqual({});
    await expect(logs.DeleteResourcePolicy({ policyName: 'a' })).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
    expect((await logs.DescribeResourcePolicies({})).resourcePolicies.map((p) => p.policyName)).toEqual(['b']);
  });

  it('refuses a document that is not JSON, and an eleventh policy (10 per account and Region)', async () => {
    const logs = service();
    await expect(logs.PutResourcePolicy({ policyName: 'x', policyDocument: '{' })).rejects.toMatchObject({
      code: 'InvalidParameterException',
    });
    for (let i = 0; i < 10; i++) await logs.PutResourcePolicy({ policyName: `p${i}`, policyDocument: document(`${i}`) });
    await expect(logs.PutResourcePolicy({ policyName: 'p10', policyDocument: document('10') })).rejects.toMatchObject({
      code: 'LimitExceededException',
    });
    await expect(logs.PutResourcePolicy({ policyName: 'p0', policyDocument: document('again') })).resolves.toBeDefined();
  });

  it('fails if a put or a delete names no policy (policies scoped to a resourceArn are not kept)', async () => {
    const logs = service();
    for (const call of [
      () => logs.PutResourcePolicy({ policyDocument: document('1') }),
      () => logs.PutResourcePolicy({ resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:g', policyDocument: document('1') }),
      () => logs.DeleteResourcePolicy({}),
    ])
      await expect(call()).rejects.toMatchObject({
        code: 'InvalidParameterException',
        message: expect.stringMatching(/^policyName is required/),
      });
  });
});
