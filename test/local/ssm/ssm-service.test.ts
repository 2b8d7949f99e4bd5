import { describe, expect, it } from 'vitest';
import { SsmService } from '../../../local/ssm/ssm-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';

function service(): SsmService {
  return new SsmService({ db: openDatabase(':memory:'), clock: new ManualClock(), accountId: '000000000000', region: 'eu-west-1' });
}

describe('SsmService', () => {
  it("creates the template's parameters and reports the ones SSM refuses, naming where they are declared", () => {
    const ssm = service();
    const problems = ssm.declare([
      { name: '/app/a', type: 'String', value: '1', where: 'S/A (AWS::SSM::Parameter)' },
      { name: 'ssm-thing', type: 'String', value: '2', where: 'S/B (AWS::SSM::Parameter)' },
      { name: '/app/a', type: 'String', value: '3', where: 'T/A (AWS::SSM::Parameter)' },
    ]);
    expect(ssm.valueOf('/app/a')).toBe('1');
    expect(ssm.valueOf('ssm-thing')).toBeUndefined();
    expect(problems).toEqual([
      expect.stringMatching(
        /^S\/B \(AWS::SSM::Parameter\): not created, SSM refuses it: ValidationException: Parameter name: can't be prefixed/,
      ),
      'T/A (AWS::SSM::Parameter): not created, /app/a is already declared by S/A (AWS::SSM::Parameter)',
    ]);
  });

  it('keeps the last 100 versions of a parameter', async () => {
    const ssm = service();
    await ssm.PutParameter({ Name: '/v', Value: '1', Type: 'String' });
    for (let i = 2; i <= 101; i++) await ssm.PutParameter({ Name: '/v', Value: String(i), Overwrite: true });
    const { Parameters } = await ssm.GetParameterHistory({ Name: '/v', MaxResults: 50 });
    expect(Parameters[0]).toMatchObject({ Version: 2, Value: '2' });
    await expect(ssm.GetParameter({ Name: '/v:1' })).rejects.toMatchObject({ code: 'ParameterVersionNotFound' });
    expect((await ssm.GetParameter({ Name: '/v' })).Parameter).toMatchObject({ Version: 101, Value: '101' });
  });

  it("finds a parameter by its ARN and names it in its own region's ARN", async () => {
    const ssm = service();
    await ssm.PutParameter({ Name: '/app/x', Value: 'v', Type: 'String' });
    const { Parameter } = await ssm.GetParameter({ Name: 'arn:aws:ssm:eu-west-1:000000000000:parameter/app/x' });
    expect(Parameter).toMatchObject({ Name: '/app/x', ARN: 'arn:aws:ssm:eu-west-1:000000000000:parameter/app/x' });
  });

  it('finds a root parameter named without a leading slash by its ARN, as AWS does (LocalStack test_get_parameter_by_arn)', async () => {
    const ssm = service();
    await ssm.PutParameter({ Name: 'db', Value: 'v', Type: 'String' });
    const { Parameter } = await ssm.GetParameter({ Name: 'arn:aws:ssm:eu-west-1:000000000000:parameter/db' });
    expect(Parameter).toMatchObject({ Name: 'db', ARN: 'arn:aws:ssm:eu-west-1:000000000000:parameter/db', Value: 'v' });
    const { Parameters, InvalidParameters } = await ssm.GetParameters({ Names: ['arn:aws:ssm:eu-west-1:000000000000:parameter/db'] });
    expect([Parameters.map((p) => p.Name), InvalidParameters]).toEqual([['db'], []]);
  });

  it('filters a path by type, and describes parameters one level under a path', async () => {
    const ssm = service();
    await ssm.PutParameter({ Name: '/p/a', Value: 'a', Type: 'String' });
    await ssm.PutParameter({ Name: '/p/b', Value: 'b,c', Type: 'StringList' });
    await ssm.PutParameter({ Name: '/p/q/c', Value: 'c', Type: 'String' });
    const byPath = await ssm.GetParametersByPath({ Path: '/p', Recursive: true, ParameterFilters: [{ Key: 'Type', Values: ['String'] }] });
    expect(byPath.Parameters.map((p) => p.Name)).toEqual(['/p/a', '/p/q/c']);
    const described = await ssm.DescribeParameters({ ParameterFilters: [{ Key: 'Path', Option: 'OneLevel', Values: ['/p'] }] });
    expect(described.Parameters.map((p) => p.Name)).toEqual(['/p/a', '/p/b']);
  });

  it('puts a parameter in the Advanced tier when asked, or when Intelligent-Tiering needs it, and never back', async () => {
    const ssm = service();
    const large = 'x'.repeat(5000);
    expect(await ssm.PutParameter({ Name: '/small', Value: 'x', Type: 'String', Tier: 'Intelligent-Tiering' })).toEqual({
      Version: 1,
      Tier: 'Standard',
    });
    expect(await ssm.PutParameter({ Name: '/large', Value: large, Type: 'String', Tier: 'Intelligent-Tiering' })).toEqual({
      Version: 1,
      Tier: 'Advanced',
    });
    expect(await ssm.PutParameter({ Name: '/large', Value: 'x', Overwrite: true })).toEqual({ Version: 2, Tier: 'Advanced' });
    await expect(ssm.PutParameter({ Name: '/large', Value: 'x', Overwrite: true, Tier: 'Standard' })).rejects.toThrow(
      /can't downgrade a parameter from the advanced-parameter tier/,
    );
  });

  it('fails if a Standard parameter is longer than 4096 characters, or any longer than 8192', async () => {
    const ssm = service();
    await expect(ssm.PutParameter({ Name: '/s', Value: 'x'.repeat(4097), Type: 'String' })).rejects.toThrow(
      /Standard tier parameters support a maximum parameter value of 4096/,
    );
    await expect(ssm.PutParameter({ Name: '/a', Value: 'x'.repeat(8193), Type: 'String', Tier: 'Advanced' })).rejects.toThrow(
      /less than or equal to 8192/,
    );
  });

  it('fails if a value does not match the allowed pattern', async () => {
    const ssm = service();
    await expect(ssm.PutParameter({ Name: '/n', Value: 'abc', Type: 'String', AllowedPattern: '^[0-9]+$' })).rejects.toMatchObject({
      code: 'ParameterPatternMismatchException',
      message: 'Parameter value, cannot be validated against allowedPattern: ^[0-9]+$',
    });
  });

  it('fails if tags come with Overwrite, if a path does not start with a slash, or a page token is not one it gave', async () => {
    const ssm = service();
    await expect(
      ssm.PutParameter({ Name: '/t', Value: 'v', Type: 'String', Overwrite: true, Tags: [{ Key: 'k', Value: 'v' }] }),
    ).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringContaining("tags and overwrite can't be used together") });
    await expect(ssm.GetParametersByPath({ Path: 'p' })).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(ssm.GetParametersByPath({ Path: '/p', NextToken: 'garbage' })).rejects.toMatchObject({ code: 'InvalidNextToken' });
    // MaxResults beyond the model's range is the codec's refusal (ssm-endpoint.test.ts).
  });

  it("keeps a parameter's tags: given at creation, added, removed, and gone with the parameter", async () => {
    const ssm = service();
    await ssm.PutParameter({ Name: '/tagged', Value: 'v', Type: 'String', Tags: [{ Key: 'team', Value: 'a' }] });
    await ssm.AddTagsToResource({ ResourceType: 'Parameter', ResourceId: '/tagged', Tags: [{ Key: 'env', Value: 'dev' }] });
    expect((await ssm.ListTagsForResource({ ResourceType: 'Parameter', ResourceId: '/tagged' })).TagList).toEqual([
      { Key: 'env', Value: 'dev' },
      { Key: 'team', Value: 'a' },
    ]);
    await ssm.RemoveTagsFromResource({ ResourceType: 'Parameter', ResourceId: '/tagged', TagKeys: ['team'] });
    expect((await ssm.ListTagsForResource({ ResourceType: 'Parameter', ResourceId: '/tagged' })).TagList).toEqual([
      { Key: 'env', Value: 'dev' },
    ]);
    await ssm.DeleteParameter({ Name: '/tagged' });
    await ssm.PutParameter({ Name: '/tagged', Value: 'v', Type: 'String' });
    expect((await ssm.ListTagsForResource({ ResourceType: 'Parameter', ResourceId: '/tagged' })).TagList).toEqual([]);
    await expect(ssm.ListTagsForResource({ ResourceType: 'Parameter', ResourceId: '/nope' })).rejects.toMatchObject({
      code: 'InvalidResourceId',
    });
  });
});
