import * as path from 'node:path';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { generateSecretString } from '../../../local/secretsmanager/generate-secret-string.js';
import { SecretsManagerService } from '../../../local/secretsmanager/secrets-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { executionEnded, region, tempDataDir } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { stateMachine } from '../template-resources.js';

/** A state machine reaching Secrets Manager through its AWS SDK integrations: a name it refuses, then the list. */
const SDK_FLOW = {
  StartAt: 'Create',
  States: {
    Create: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:secretsmanager:createSecret',
      Parameters: { Name: 'Invalid Name', SecretString: 'x' },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.refused', Next: 'List' }],
      Next: 'List',
    },
    List: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:secretsmanager:listSecrets',
      ResultSelector: { 'names.$': '$.SecretList[*].Name', 'created.$': '$.SecretList[0].CreatedDate' },
      ResultPath: '$.listed',
      End: true,
    },
  },
};

const secretsTemplate = (generate: Record<string, unknown>) =>
  writeAssembly(tempAssemblyDir(), {
    Vault: {
      template: {
        Resources: {
          Generated: { Type: 'AWS::SecretsManager::Secret', Properties: { GenerateSecretString: generate, Description: 'made here' } },
          Given: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'given', SecretString: 'from-the-template' } },
          Flow: stateMachine(SDK_FLOW, { StateMachineName: 'secrets-flow', RoleArn: 'arn:aws:iam::000000000000:role/flow' }),
        },
        Outputs: { GeneratedArn: { Value: { Ref: 'Generated' } } },
      },
    },
  });

describe('local Secrets Manager', () => {
  const app = restartableRuntime({
    assembly: () => secretsTemplate({ PasswordLength: 40, ExcludePunctuation: true }),
    ownsAssembly: true,
    clients: (runtime) => ({ client: new SecretsManagerClient(sdkConfig(runtime.url)) }),
  });

  it("creates the template's secrets: a given SecretString, and a generated one as GenerateSecretString asks", async () => {
    expect((await app.client.send(new GetSecretValueCommand({ SecretId: 'given' }))).SecretString).toBe('from-the-template');
    const generated = await app.client.send(new GetSecretValueCommand({ SecretId: 'Vault-Generated' }));
    expect(generated.SecretString).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(generated.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:Vault-Generated-[a-z2-7]{6}$/);
    expect(generated.VersionStages).toEqual(['AWSCURRENT']);
    // By ARN, and by the ARN without its random suffix, as Secrets Manager allows.
    expect((await app.client.send(new GetSecretValueCommand({ SecretId: generated.ARN }))).SecretString).toBe(generated.SecretString);
    expect((await app.client.send(new GetSecretValueCommand({ SecretId: generated.ARN?.slice(0, -7) }))).SecretString).toBe(
      generated.SecretString,
    );
  });

  it('moves AWSCURRENT to a new value and AWSPREVIOUS to the old one on PutSecretValue', async () => {
    await app.client.send(new PutSecretValueCommand({ SecretId: 'given', SecretString: 'second' }));
    const current = await app.client.send(new GetSecretValueCommand({ SecretId: 'given' }));
    const previous = await app.client.send(new GetSecretValueCommand({ SecretId: 'given', VersionStage: 'AWSPREVIOUS' }));
    expect([current.SecretString, previous.SecretString]).toEqual(['second', 'from-the-template']);
    expect(current.CreatedDate).toBeInstanceOf(Date);
    const described = await app.client.send(new DescribeSecretCommand({ SecretId: 'given' }));
    expect(Object.values(described.VersionIdsToStages ?? {}).sort()).toEqual([['AWSCURRENT'], ['AWSPREVIOUS']]);
  });

  it('keeps a generated value, and one put at run time, across a restart', async () => {
    const before = await app.client.send(new GetSecretValueCommand({ SecretId: 'Vault-Generated' }));
    await app.restart();
    expect((await app.client.send(new GetSecretValueCommand({ SecretId: 'Vault-Generated' }))).SecretString).toBe(before.SecretString);
    expect((await app.client.send(new GetSecretValueCommand({ SecretId: 'given' }))).SecretString).toBe('second');
  }, 60_000);

  it('fails with ResourceNotFoundException for an unknown secret or a stage no version has', async () => {
    await expect(app.client.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(app.client.send(new GetSecretValueCommand({ SecretId: 'Vault-Generated', VersionStage: 'AWSPREVIOUS' }))).rejects.toThrow(
      "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    );
  });

  it("answers aws-sdk:secretsmanager tasks: a name it refuses as SecretsManager.SecretsManagerException in AWS's words, the list with ISO dates", async () => {
    const sfn = new SFNClient(sdkConfig(app.runtime.url));
    try {
      const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:secrets-flow';
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
      const ended = await executionEnded(sfn, executionArn as string);
      expect(ended.status, ended.cause).toBe('SUCCEEDED');
      const { refused, listed } = JSON.parse(String(ended.output));
      expect(refused.Error).toBe('SecretsManager.SecretsManagerException');
      expect(refused.Cause).toMatch(
        /^Invalid name\. Must be a valid name containing alphanumeric characters, or any of the following: -\/_\+=\.@! \(Service: SecretsManager, Status Code: 400, Request ID: [0-9a-f-]{36}\) \(SDK Attempt Count: 1\)$/,
      );
      expect(listed.names).toContain('given');
      expect(listed.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    } finally {
      sfn.destroy();
    }
  });

  it("refuses a VersionStage not on the VersionId given, and describes a secret with no version without stages or rotation, as AWS's recorded answers do", async () => {
    const created = await app.client.send(new CreateSecretCommand({ Name: 'api/staged', SecretString: 'x' }));
    await expect(
      app.client.send(new GetSecretValueCommand({ SecretId: 'api/staged', VersionId: created.VersionId, VersionStage: 'AWSPREVIOUS' })),
    ).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: 'You provided a VersionStage that is not associated to the provided VersionId.',
    });
    await app.client.send(new CreateSecretCommand({ Name: 'api/empty' }));
    const described = await app.client.send(new DescribeSecretCommand({ SecretId: 'api/empty' }));
    expect([described.VersionIdsToStages, described.RotationEnabled]).toEqual([undefined, undefined]);
  });

  it('creates a secret through the API and refuses a second of the same name', async () => {
    const created = await app.client.send(new CreateSecretCommand({ Name: 'api/made', SecretString: 'x' }));
    expect(created.ARN).toMatch(/:secret:api\/made-[A-Za-z0-9]{6}$/);
    await expect(app.client.send(new CreateSecretCommand({ Name: 'api/made', SecretString: 'y' }))).rejects.toBeInstanceOf(
      ResourceExistsException,
    );
  });
});

describe('SecretsManagerService', () => {
  it('treats a repeated PutSecretValue with the same token and value as done, and a different value under it as an error', async () => {
    const service = new SecretsManagerService({ db: openDatabase(':memory:'), clock: new ManualClock(), accountId: '1', region });
    await service.CreateSecret({ Name: 's', SecretString: 'a' });
    const token = 'c'.repeat(32);
    await service.PutSecretValue({ SecretId: 's', SecretString: 'b', ClientRequestToken: token });
    await service.PutSecretValue({ SecretId: 's', SecretString: 'b', ClientRequestToken: token });
    expect(await service.GetSecretValue({ SecretId: 's', VersionStage: 'AWSPREVIOUS' })).toMatchObject({ SecretString: 'a' });
    await expect(service.PutSecretValue({ SecretId: 's', SecretString: 'c', ClientRequestToken: token })).rejects.toMatchObject({
      code: 'ResourceExistsException',
    });
  });
});

describe('SecretsManagerService deletion', () => {
  const DAY = 86_400_000;

  it('schedules a deletion at the end of the recovery window, refuses reads and the name meanwhile, restores, and deletes once it is over', async () => {
    const clock = new ManualClock();
    const service = new SecretsManagerService({ db: openDatabase(':memory:'), clock, accountId: '1', region });
    await service.CreateSecret({ Name: 's', SecretString: 'a' });
    expect(await service.DeleteSecret({ SecretId: 's', RecoveryWindowInDays: 7 })).toMatchObject({
      DeletionDate: (clock.now() + 7 * DAY) / 1000,
    });
    const marked = {
      code: 'InvalidRequestException',
      message: "You can't perform this operation on the secret because it was marked for deletion.",
    };
    await expect(service.GetSecretValue({ SecretId: 's' })).rejects.toMatchObject(marked);
    await expect(service.CreateSecret({ Name: 's', SecretString: 'b' })).rejects.toMatchObject({ code: 'InvalidRequestException' });
    expect(await service.DescribeSecret({ SecretId: 's' })).toMatchObject({ DeletedDate: (clock.now() + 7 * DAY) / 1000 });
    expect(await service.ListSecrets({})).toEqual({ SecretList: [] });
    await service.RestoreSecret({ SecretId: 's' });
    expect(await service.GetSecretValue({ SecretId: 's' })).toMatchObject({ SecretString: 'a' });
    await service.DeleteSecret({ SecretId: 's', RecoveryWindowInDays: 7 });
    clock.advance(7 * DAY);
    await expect(service.DescribeSecret({ SecretId: 's' })).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
    await service.CreateSecret({ Name: 's', SecretString: 'c' });
    expect(await service.GetSecretValue({ SecretId: 's' })).toMatchObject({ SecretString: 'c' });
  });

  it('deletes at once with ForceDeleteWithoutRecovery, a secret already scheduled too, and refuses it with a recovery window', async () => {
    const service = new SecretsManagerService({ db: openDatabase(':memory:'), clock: new ManualClock(), accountId: '1', region });
    await service.CreateSecret({ Name: 's', SecretString: 'a' });
    await expect(service.DeleteSecret({ SecretId: 's', ForceDeleteWithoutRecovery: true, RecoveryWindowInDays: 7 })).rejects.toMatchObject({
      code: 'InvalidParameterException',
    });
    await service.DeleteSecret({ SecretId: 's' });
    await service.DeleteSecret({ SecretId: 's', ForceDeleteWithoutRecovery: true });
    await expect(service.DescribeSecret({ SecretId: 's' })).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
  });
});

describe('SecretsManagerService tags', () => {
  const service = (db = openDatabase(':memory:')) => new SecretsManagerService({ db, clock: new ManualClock(), accountId: '1', region });
  const template = (tags: Record<string, string>) => ({
    name: 'from-template',
    arn: `arn:aws:secretsmanager:${region}:1:secret:from-template-abcdef`,
    value: { secretString: 'x' },
    tags,
    where: 'Vault/Secret (AWS::SecretsManager::Secret)',
  });

  it("keeps CreateSecret's, TagResource's and UntagResource's tags by the secret's ARN, as DescribeSecret answers them", async () => {
    const secrets = service();
    await secrets.CreateSecret({ Name: 's', SecretString: 'a', Tags: [{ Key: 'team', Value: 'a' }] });
    await secrets.TagResource({
      SecretId: 's',
      Tags: [
        { Key: 'env', Value: 'dev' },
        { Key: 'team', Value: 'b' },
      ],
    });
    await secrets.UntagResource({ SecretId: 's', TagKeys: ['env'] });
    expect(await secrets.DescribeSecret({ SecretId: 's' })).toMatchObject({ Tags: [{ Key: 'team', Value: 'b' }] });
    await expect(secrets.TagResource({ SecretId: 'missing', Tags: [{ Key: 'k', Value: 'v' }] })).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
    });
  });

  it("gives a template's secret its template's tags at each start, in place of those the API added", async () => {
    const db = openDatabase(':memory:');
    expect(service(db).declare([template({ team: 'template' })])).toEqual([]);
    await service(db).TagResource({ SecretId: 'from-template', Tags: [{ Key: 'added', Value: 'by-api' }] });
    service(db).declare([template({ team: 'changed' })]);
    expect(await service(db).DescribeSecret({ SecretId: 'from-template' })).toMatchObject({ Tags: [{ Key: 'team', Value: 'changed' }] });
  });

  it("keeps the tags a data folder of an earlier version held in its secrets' rows, moved into the tag store once", async () => {
    const file = path.join(tempDataDir(), 'secretsmanager.sqlite');
    const first = openDatabase(file);
    await service(first).CreateSecret({ Name: 'old-tagged', SecretString: 'a' });
    // The secrets' table as the earlier version kept it: each secret's `[{ Key, Value }]` in its `tags` column, no tag store.
    first.exec('ALTER TABLE sm_secret ADD COLUMN tags TEXT; DROP TABLE resource_tags');
    first.prepare('UPDATE sm_secret SET tags = ? WHERE name = ?').run(JSON.stringify([{ Key: 'team', Value: 'a' }]), 'old-tagged');
    first.close();
    const second = openDatabase(file);
    expect(await service(second).DescribeSecret({ SecretId: 'old-tagged' })).toMatchObject({ Tags: [{ Key: 'team', Value: 'a' }] });
    second.close();
  });

  it("opens a data folder of a version before deletion, whose secrets' table has no deletion_date, and deletes its secrets", async () => {
    const file = path.join(tempDataDir(), 'secretsmanager.sqlite');
    const first = openDatabase(file);
    await service(first).CreateSecret({ Name: 'old', SecretString: 'a' });
    first.exec('ALTER TABLE sm_secret DROP COLUMN deletion_date');
    first.close();
    const second = openDatabase(file);
    const reopened = service(second);
    expect(await reopened.GetSecretValue({ SecretId: 'old' })).toMatchObject({ SecretString: 'a' });
    await reopened.DeleteSecret({ SecretId: 'old' });
    await expect(reopened.GetSecretValue({ SecretId: 'old' })).rejects.toMatchObject({ code: 'InvalidRequestException' });
    second.close();
  });
});

describe('generateSecretString', () => {
  it('includes one of each type by default and honours the exclusions', () => {
    for (let i = 0; i < 50; i++) {
      const value = generateSecretString({ PasswordLength: 8 });
      expect(value).toHaveLength(8);
      expect(value).toMatch(/[a-z]/);
      expect(value).toMatch(/[A-Z]/);
      expect(value).toMatch(/[0-9]/);
      expect(value).toMatch(/[^A-Za-z0-9]/);
    }
    expect(generateSecretString({ PasswordLength: 64, ExcludeCharacters: 'abcABC', ExcludePunctuation: true })).toMatch(
      /^[D-Zd-z0-9]{64}$/,
    );
  });

  it('puts the generated string under GenerateStringKey in the template', () => {
    const value = JSON.parse(generateSecretString({ SecretStringTemplate: '{"username":"app"}', GenerateStringKey: 'password' }));
    expect(value.username).toBe('app');
    expect(value.password).toHaveLength(32);
  });
});
