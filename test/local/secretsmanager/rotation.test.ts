import {
  CreateSecretCommand,
  DescribeSecretCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import type { RotationEvent, RotationFunctions, RotationOutcome } from '../../../local/secretsmanager/rotation.js';
import { SecretsManagerService } from '../../../local/secretsmanager/secrets-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { inlineFunction } from '../template-resources.js';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:1:function:rotate';
const DAY_MS = 86_400_000;

/**
 * A service whose rotation function is `step` (run for each event, given the service), its
 * events and log lines kept; `exists` says whether the function is there.
 */
function rotating(step: (service: SecretsManagerService, event: RotationEvent) => Promise<RotationOutcome>, exists = true) {
  const clock = new ManualClock();
  const events: RotationEvent[] = [];
  const lines: string[] = [];
  const policies: [string, string | undefined][] = [];
  const functions: RotationFunctions = {
    exists: (arn) => exists && arn === FUNCTION_ARN,
    invoke: async (_arn, event) => {
      events.push(event);
      return step(service, event);
    },
  };
  const service: SecretsManagerService = new SecretsManagerService({
    db: openDatabase(':memory:'),
    clock,
    accountId: '1',
    region,
    functions: () => functions,
    log: (line) => lines.push(line),
    onPolicyChange: (arn, policy) => policies.push([arn, policy]),
  });
  return { service, clock, events, lines, policies };
}

/** AWS's rotation template in short: createSecret puts the pending value, finishSecret makes it current. */
async function template(service: SecretsManagerService, event: RotationEvent): Promise<RotationOutcome> {
  const { SecretId, ClientRequestToken, Step } = event;
  if (Step === 'createSecret')
    await service.PutSecretValue({ SecretId, ClientRequestToken, SecretString: 'new', VersionStages: ['AWSPENDING'] });
  if (Step === 'finishSecret') {
    const { VersionIdsToStages } = (await service.DescribeSecret({ SecretId })) as { VersionIdsToStages: Record<string, string[]> };
    const current = Object.keys(VersionIdsToStages).find((id) => VersionIdsToStages[id]?.includes('AWSCURRENT'));
    await service.UpdateSecretVersionStage({
      SecretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: ClientRequestToken,
      RemoveFromVersionId: current,
    });
  }
  return { ok: true };
}

const TOKEN_1 = '11111111-1111-4111-8111-111111111111';
const TOKEN_2 = '22222222-2222-4222-8222-222222222222';

describe('SecretsManagerService rotation', () => {
  it("invokes the function for createSecret, setSecret, testSecret and finishSecret, and keeps the rotation's configuration and dates", async () => {
    const { service, clock, events } = rotating(template);
    const { ARN, VersionId: first } = (await service.CreateSecret({ Name: 'db', SecretString: 'old' })) as {
      ARN: string;
      VersionId: string;
    };
    clock.advance(1000);
    const rotated = await service.RotateSecret({
      SecretId: 'db',
      ClientRequestToken: TOKEN_1,
      RotationLambdaARN: FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 7 },
    });
    expect(rotated).toEqual({ ARN, Name: 'db', VersionId: TOKEN_1 });
    expect(events).toEqual(
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((Step) => ({ Step, SecretId: ARN, ClientRequestToken: TOKEN_1 })),
    );
    const now = clock.now() / 1000;
    expect(await service.DescribeSecret({ SecretId: 'db' })).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 7 },
      LastRotatedDate: now,
      NextRotationDate: now + (7 * DAY_MS) / 1000,
      VersionIdsToStages: { [first]: ['AWSPREVIOUS'], [TOKEN_1]: ['AWSCURRENT'] },
    });
    expect(await service.GetSecretValue({ SecretId: 'db' })).toMatchObject({ SecretString: 'new', VersionId: TOKEN_1 });
  });

  it('says which step failed and how, leaves the version AWSPENDING, and refuses another rotation in AWS words', async () => {
    const { service, lines } = rotating(async (s, event) =>
      event.Step === 'setSecret' ? { ok: false, error: { errorType: 'Error', errorMessage: 'database unreachable' } } : template(s, event),
    );
    await service.CreateSecret({ Name: 'db', SecretString: 'old' });
    await service.RotateSecret({ SecretId: 'db', ClientRequestToken: TOKEN_1, RotationLambdaARN: FUNCTION_ARN });
    expect(lines).toEqual([
      expect.stringMatching(
        /rotation of secret db failed at its setSecret step .*Error: database unreachable\. Version 1111.* keeps AWSPENDING/,
      ),
    ]);
    const { Versions } = (await service.ListSecretVersionIds({ SecretId: 'db' })) as {
      Versions: { VersionId: string; VersionStages: string[] }[];
    };
    expect(Versions.map((v) => [v.VersionId, v.VersionStages])).toEqual([
      [expect.any(String), ['AWSCURRENT']],
      [TOKEN_1, ['AWSPENDING']],
    ]);
    await expect(service.RotateSecret({ SecretId: 'db', ClientRequestToken: TOKEN_2 })).rejects.toMatchObject({
      code: 'InvalidRequestException',
      message: "A previous rotation isn't complete. That rotation will be reattempted.",
    });
    expect(await service.DescribeSecret({ SecretId: 'db' })).toMatchObject({ RotationEnabled: true });
  });

  it('runs only testSecret without RotateImmediately, on a version removed afterwards', async () => {
    const { service, events } = rotating(template);
    await service.CreateSecret({ Name: 'db', SecretString: 'old' });
    await service.RotateSecret({ SecretId: 'db', ClientRequestToken: TOKEN_1, RotationLambdaARN: FUNCTION_ARN, RotateImmediately: false });
    expect(events.map((e) => e.Step)).toEqual(['testSecret']);
    const { Versions } = (await service.ListSecretVersionIds({ SecretId: 'db', IncludeDeprecated: true })) as { Versions: unknown[] };
    expect(Versions).toHaveLength(1);
  });

  it("refuses a function it cannot invoke and a secret with none, in AWS's words, configuring nothing", async () => {
    const { service } = rotating(template, false);
    await service.CreateSecret({ Name: 'db', SecretString: 'old' });
    await expect(service.RotateSecret({ SecretId: 'db', ClientRequestToken: TOKEN_1 })).rejects.toMatchObject({
      code: 'InvalidRequestException',
      message: 'No Lambda rotation function ARN is associated with this secret.',
    });
    await expect(
      service.RotateSecret({ SecretId: 'db', ClientRequestToken: TOKEN_1, RotationLambdaARN: FUNCTION_ARN }),
    ).rejects.toMatchObject({
      code: 'AccessDeniedException',
    });
    expect(await service.DescribeSecret({ SecretId: 'db' })).not.toHaveProperty('RotationEnabled');
  });
});

describe('SecretsManagerService resource policies', () => {
  const POLICY = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
  });

  it('keeps the policy put, hands it to IAM, answers it, and takes it away on DeleteResourcePolicy', async () => {
    const { service, policies } = rotating(template);
    const { ARN } = (await service.CreateSecret({ Name: 'db', SecretString: 'x' })) as { ARN: string };
    await service.PutResourcePolicy({ SecretId: 'db', ResourcePolicy: POLICY });
    expect(await service.GetResourcePolicy({ SecretId: 'db' })).toEqual({ ARN, Name: 'db', ResourcePolicy: POLICY });
    await service.DeleteResourcePolicy({ SecretId: 'db' });
    expect(await service.GetResourcePolicy({ SecretId: 'db' })).toEqual({ ARN, Name: 'db' });
    expect(policies).toEqual([
      [ARN, POLICY],
      [ARN, undefined],
    ]);
    expect(service.resourcePolicies()).toEqual([]);
  });

  it('refuses a policy that is not JSON, and with BlockPublicPolicy one that allows anyone', async () => {
    const { service } = rotating(template);
    await service.CreateSecret({ Name: 'db', SecretString: 'x' });
    await expect(service.PutResourcePolicy({ SecretId: 'db', ResourcePolicy: '{' })).rejects.toMatchObject({
      code: 'MalformedPolicyDocumentException',
    });
    const open = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });
    await expect(service.PutResourcePolicy({ SecretId: 'db', ResourcePolicy: open, BlockPublicPolicy: true })).rejects.toMatchObject({
      code: 'PublicPolicyException',
    });
  });

  it('validates a policy: passed as written, or each part IAM would leave out an error', async () => {
    const { service } = rotating(template);
    expect(await service.ValidateResourcePolicy({ ResourcePolicy: POLICY })).toEqual({
      PolicyValidationPassed: true,
      ValidationErrors: [],
    });
    const unknown = POLICY.replace('secretsmanager:GetSecretValue', 'secretsmanager:GetSecretValues');
    expect(await service.ValidateResourcePolicy({ ResourcePolicy: unknown })).toMatchObject({
      PolicyValidationPassed: false,
      ValidationErrors: [{ ErrorMessage: expect.stringContaining('secretsmanager:GetSecretValues') }],
    });
  });
});

describe('local Secrets Manager rotation through a function of the app', () => {
  const lines: string[] = [];
  const app = restartableRuntime({
    assembly: () =>
      assemblyOf({
        Rotate: inlineFunction(
          "exports.handler = async (event) => { if (event.Step === 'createSecret') throw new Error('no database'); };",
          {
            FunctionName: 'failing-rotation',
          },
        ),
      }),
    ownsAssembly: true,
    options: { log: (line) => lines.push(line) },
    clients: (runtime) => ({ secrets: new SecretsManagerClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
  });

  it("prints the function's failure, and the new version stays AWSPENDING", async () => {
    await app.secrets.send(new CreateSecretCommand({ Name: 'db', SecretString: 'old' }));
    const { VersionId } = await app.secrets.send(
      new RotateSecretCommand({ SecretId: 'db', RotationLambdaARN: `arn:aws:lambda:${region}:000000000000:function:failing-rotation` }),
    );
    expect(lines.filter((line) => line.includes('rotation of secret db'))).toEqual([
      expect.stringContaining('failed at its createSecret step'),
    ]);
    expect(lines.find((line) => line.includes('rotation of secret db'))).toContain('Error: no database');
    const { Versions = [] } = await app.secrets.send(new ListSecretVersionIdsCommand({ SecretId: 'db' }));
    expect(Versions.find((v) => v.VersionId === VersionId)?.VersionStages).toEqual(['AWSPENDING']);
    expect(await app.secrets.send(new DescribeSecretCommand({ SecretId: 'db' }))).toMatchObject({ RotationEnabled: true });
  });
});
