import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

/** An app with a declared parameter and a queue named from a parameter read with valueForStringParameter. */
function ssmApp(dir: string, declared = 'https://example.com/v1'): string {
  return writeAssembly(dir, {
    Config: {
      template: {
        Resources: {
          Url: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/app/config/url', Type: 'String', Value: declared } },
          Regions: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/app/regions', Type: 'StringList', Value: 'eu-west-1,us-east-1' } },
        },
      },
    },
    Reader: {
      template: {
        Parameters: { SsmParameterValueappqueuename: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/app/queue-name' } },
        Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'SsmParameterValueappqueuename' } } } },
      },
    },
  });
}

describe('SsmService over the local endpoint', () => {
  const app = restartableRuntime({
    assembly: () => ssmApp(tempAssemblyDir()),
    ownsAssembly: true,
    clients: (runtime) => ({ ssm: new SSMClient(sdkConfig(runtime.url)) }),
  });

  it('serves the parameters the template declares', async () => {
    const { Parameter } = await app.ssm.send(new GetParameterCommand({ Name: '/app/config/url' }));
    expect(Parameter).toMatchObject({
      Name: '/app/config/url',
      Type: 'String',
      Value: 'https://example.com/v1',
      Version: 1,
      ARN: `arn:aws:ssm:us-east-1:000000000000:parameter/app/config/url`,
      DataType: 'text',
    });
    expect(Parameter?.LastModifiedDate).toBeInstanceOf(Date);
  });

  it('warns about the template parameter that reads an SSM parameter nobody declared', () => {
    expect(app.runtime.warnings).toContainEqual(expect.stringContaining('reads SSM parameter "/app/queue-name"'));
  });

  it('puts a new parameter, refuses to put it again without Overwrite, and counts versions', async () => {
    expect(await app.ssm.send(new PutParameterCommand({ Name: '/app/feature', Value: 'on', Type: 'String' }))).toMatchObject({
      Version: 1,
      Tier: 'Standard',
    });
    await expect(app.ssm.send(new PutParameterCommand({ Name: '/app/feature', Value: 'off', Type: 'String' }))).rejects.toThrow(
      ParameterAlreadyExists,
    );
    expect(await app.ssm.send(new PutParameterCommand({ Name: '/app/feature', Value: 'off', Overwrite: true }))).toMatchObject({
      Version: 2,
    });
    expect((await app.ssm.send(new GetParameterCommand({ Name: '/app/feature' }))).Parameter?.Value).toBe('off');
    expect((await app.ssm.send(new GetParameterCommand({ Name: '/app/feature:1' }))).Parameter).toMatchObject({
      Value: 'on',
      Selector: ':1',
    });
    const history = await app.ssm.send(new GetParameterHistoryCommand({ Name: '/app/feature' }));
    expect(history.Parameters?.map((p) => p.Value)).toEqual(['on', 'off']);
  });

  it('fails if the parameter does not exist, with ParameterNotFound', async () => {
    await expect(app.ssm.send(new GetParameterCommand({ Name: '/app/missing' }))).rejects.toThrow(ParameterNotFound);
    await expect(app.ssm.send(new DeleteParameterCommand({ Name: '/app/missing' }))).rejects.toThrow(ParameterNotFound);
  });

  it('answers GetParameters with the parameters found and the names that are not, invalid names included', async () => {
    const result = await app.ssm.send(new GetParametersCommand({ Names: ['/app/config/url', '/app/nope', 'has space', '/app/regions'] }));
    expect(result.Parameters?.map((p) => p.Name)).toEqual(['/app/config/url', '/app/regions']);
    expect(result.InvalidParameters).toEqual(['/app/nope', 'has space']);
  });

  it('fails if GetParameters asks for more than 10 names', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `/p${i}`);
    await expect(app.ssm.send(new GetParametersCommand({ Names: names }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'names' failed to satisfy constraint: Member must have length less than or equal to 10"),
    });
  });

  it.each([
    [
      'GetParameter without a name',
      new GetParameterCommand({} as never),
      "Value null at 'name' failed to satisfy constraint: Member must not be null",
    ],
    [
      'PutParameter without a value',
      new PutParameterCommand({ Name: '/app/none', Type: 'String' } as never),
      "Value null at 'value' failed to satisfy constraint: Member must not be null",
    ],
    [
      'GetParameters with no names',
      new GetParametersCommand({ Names: [] }),
      "Value '[]' at 'names' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    [
      'GetParametersByPath with MaxResults over 10',
      new GetParametersByPathCommand({ Path: '/app', MaxResults: 11 }),
      "Value '11' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10",
    ],
    [
      'DescribeParameters with MaxResults 0',
      new DescribeParametersCommand({ MaxResults: 0 }),
      "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
  ])('fails if %s, with the validation error the model gives', async (_, command, violation) => {
    await expect(app.ssm.send(command as never)).rejects.toMatchObject({
      name: 'ValidationException',
      message: `1 validation error detected: ${violation}`,
    });
  });

  it.each(['DescribeParameters', 'GetParametersByPath'])(
    'fails if %s is given filters that are not a list, as the deserializer does',
    async (operation) => {
      const response = await fetch(app.runtime.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonSSM.${operation}` },
        body: JSON.stringify({ Path: '/app', ParameterFilters: 'Type' }),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { __type: string }).__type).toMatch(/SerializationException$/);
    },
  );

  it('walks a path one level or recursively, a page at a time', async () => {
    for (const name of ['/tree/a', '/tree/b', '/tree/c', '/tree/sub/d', '/tree/sub/deeper/e']) {
      await app.ssm.send(new PutParameterCommand({ Name: name, Value: name, Type: 'String' }));
    }
    const oneLevel = await app.ssm.send(new GetParametersByPathCommand({ Path: '/tree' }));
    expect(oneLevel.Parameters?.map((p) => p.Name)).toEqual(['/tree/a', '/tree/b', '/tree/c']);

    const names: string[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await app.ssm.send(new GetParametersByPathCommand({ Path: '/tree/', Recursive: true, MaxResults: 2, NextToken }));
      names.push(...(page.Parameters ?? []).map((p) => p.Name ?? ''));
      NextToken = page.NextToken;
      pages++;
    } while (NextToken);
    expect(names).toEqual(['/tree/a', '/tree/b', '/tree/c', '/tree/sub/d', '/tree/sub/deeper/e']);
    expect(pages).toBe(3);
  });

  it('describes parameters, filtered by name prefix', async () => {
    const { Parameters } = await app.ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/app/config'] }] }),
    );
    expect(Parameters).toEqual([expect.objectContaining({ Name: '/app/config/url', Type: 'String', Version: 1, Tier: 'Standard' })]);
  });

  it('hides a SecureString value unless WithDecryption is set', async () => {
    await app.ssm.send(new PutParameterCommand({ Name: '/app/secret', Value: 'hunter2', Type: 'SecureString' }));
    expect((await app.ssm.send(new GetParameterCommand({ Name: '/app/secret' }))).Parameter?.Value).not.toContain('hunter2');
    expect((await app.ssm.send(new GetParameterCommand({ Name: '/app/secret', WithDecryption: true }))).Parameter?.Value).toBe('hunter2');
  });

  it.each([
    ['ssm-prefixed', 'ssmThing', 'ValidationException', 'can\'t be prefixed with "aws" or "ssm"'],
    ['aws-prefixed hierarchy', '/aws/thing', 'AccessDeniedException', 'No access to reserved parameter name'],
    ['with a space', '/a b', 'ValidationException', 'can\'t be prefixed with "aws" or "ssm"'],
    ['not fully qualified', 'a/b', 'ValidationException', 'Parameter name must be a fully qualified name.'],
    ['16 levels deep', `/${Array.from({ length: 16 }, () => 'x').join('/')}`, 'HierarchyLevelLimitExceededException', '15 levels'],
  ])('fails if the name is %s', async (_, Name, code, message) => {
    await expect(app.ssm.send(new PutParameterCommand({ Name, Value: 'v', Type: 'String' }))).rejects.toMatchObject({
      name: code,
      message: expect.stringContaining(message),
    });
  });

  it("fails if a standard parameter's value is over 4 KB, and takes it as an advanced one", async () => {
    const Value = 'x'.repeat(4097);
    await expect(app.ssm.send(new PutParameterCommand({ Name: '/app/big', Value, Type: 'String' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Standard tier parameters support a maximum parameter value of 4096 characters'),
    });
    expect(await app.ssm.send(new PutParameterCommand({ Name: '/app/big', Value, Type: 'String', Tier: 'Advanced' }))).toMatchObject({
      Tier: 'Advanced',
    });
    expect(await app.ssm.send(new PutParameterCommand({ Name: '/app/big4k', Value: 'x'.repeat(4096), Type: 'String' }))).toMatchObject({
      Tier: 'Standard',
    });
  });

  it('fails if a new parameter has no type', async () => {
    await expect(app.ssm.send(new PutParameterCommand({ Name: '/app/untyped', Value: 'v' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'A parameter type is required when you create a parameter.',
    });
  });
});

describe('SsmService across restarts', () => {
  const app = restartableRuntime({
    assembly: () => ssmApp(tempAssemblyDir()),
    ownsAssembly: true,
    clients: (runtime) => ({ ssm: new SSMClient(sdkConfig(runtime.url)) }),
  });

  it('keeps values put at run time, resolves template parameters from them, and applies a changed template value', async () => {
    await app.ssm.send(new PutParameterCommand({ Name: '/app/queue-name', Value: 'orders', Type: 'String' }));
    await app.ssm.send(new PutParameterCommand({ Name: '/app/config/url', Value: 'https://changed.example.com', Overwrite: true }));

    await app.restart();
    expect(app.runtime.definitions.queues.map((q) => q.name)).toEqual(['orders']);
    expect(app.runtime.warnings).toEqual([]);
    // The template did not change this parameter, so the value put at run time stays.
    expect((await app.ssm.send(new GetParameterCommand({ Name: '/app/config/url' }))).Parameter).toMatchObject({
      Value: 'https://changed.example.com',
      Version: 2,
    });

    ssmApp(app.cdkOut, 'https://example.com/v2');
    await app.restart();
    expect((await app.ssm.send(new GetParameterCommand({ Name: '/app/config/url' }))).Parameter).toMatchObject({
      Value: 'https://example.com/v2',
      Version: 3,
    });
  });
});
