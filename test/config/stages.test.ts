import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STAGE,
  resolveStage,
  STAGES,
  type StageConfig,
  StageConfigError,
  stackNameOf,
  validateStage,
} from '../../config/stages.js';

/** A context reader over `-c name=value` pairs, as strings, the way the CDK CLI passes them. */
function cli(values: Record<string, string> = {}) {
  return (name: string): unknown => values[name];
}

const LOCAL = STAGES[DEFAULT_STAGE] as StageConfig;
const ENV = { CDK_DEFAULT_ACCOUNT: '111111111111', CDK_DEFAULT_REGION: 'eu-west-1' };

/** The error resolveStage throws for `values`. */
function failure(values: Record<string, string>): StageConfigError {
  try {
    resolveStage(cli(values), ENV);
  } catch (error) {
    expect(error).toBeInstanceOf(StageConfigError);
    return error as StageConfigError;
  }
  throw new Error(`resolveStage accepted ${JSON.stringify(values)}`);
}

describe('stage configuration', () => {
  it('picks the local stage by default, keeping the stack name Switchyard and the CLI environment', () => {
    const stage = resolveStage(cli(), ENV);
    expect(DEFAULT_STAGE).toBe('local');
    expect(stage).toMatchObject({
      name: 'local',
      stackName: 'Switchyard',
      simulatedFailures: true,
      confidenceThreshold: 0.7,
      escalationSlaSeconds: 14_400,
      env: { account: '111111111111', region: 'eu-west-1' },
    });
  });

  it('picks a stage with -c stage=<name>, its stack named for it', () => {
    expect(resolveStage(cli({ stage: 'dev' }), ENV)).toMatchObject({ name: 'dev', stackName: 'Switchyard-dev', simulatedFailures: true });
    expect(resolveStage(cli({ stage: 'prod' }), ENV)).toMatchObject({
      name: 'prod',
      stackName: 'Switchyard-prod',
      simulatedFailures: false,
    });
  });

  it('applies -c overrides from strings, as the CLI passes them, and JSON values, as cdk.json holds them', () => {
    const stage = resolveStage(
      cli({
        stage: 'prod',
        confidenceThreshold: '0.85',
        escalationSlaSeconds: '20',
        simulatedFailures: 'true',
        allowedAccounts: '222222222222, 333333333333',
        escalationLeads: 'dana,lee',
        slaDefaultQueue: 'billing',
        bedrockModelId: 'anthropic.claude-3-haiku-20240307-v1:0',
        region: 'us-west-2',
      }),
      ENV,
    );
    expect(stage).toMatchObject({
      confidenceThreshold: 0.85,
      escalationSlaSeconds: 20,
      simulatedFailures: true,
      allowedAccounts: ['222222222222', '333333333333'],
      escalationLeads: ['dana', 'lee'],
      slaDefaultQueue: 'billing',
      bedrockModelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      env: { account: '111111111111', region: 'us-west-2' },
    });
    const json = (name: string): unknown => ({ simulatedFailures: false, confidenceThreshold: 0.9 })[name];
    expect(resolveStage(json, ENV)).toMatchObject({ simulatedFailures: false, confidenceThreshold: 0.9 });
  });

  it('holds only valid stages, each with its own stack name', () => {
    for (const [key, stage] of Object.entries(STAGES)) {
      expect(validateStage(stage), key).toEqual([]);
      expect(stage.name, key).toBe(key);
    }
    const stackNames = Object.keys(STAGES).map(stackNameOf);
    expect(new Set(stackNames).size).toBe(stackNames.length);
    expect(Object.keys(STAGES).length).toBeGreaterThanOrEqual(2);
  });

  it('fails if the stage does not exist, naming the setting and the stages there are', () => {
    const error = failure({ stage: 'qa' });
    expect(error.message).toBe('stage "qa" is not valid:\n  - stage must be one of local, dev, prod (got "qa")');
  });

  it.each([
    ['confidenceThreshold', '1.5', 'confidenceThreshold must be a number from 0 to 1 (got 1.5), from -c confidenceThreshold'],
    ['confidenceThreshold', 'high', 'confidenceThreshold must be a number from 0 to 1 (got "high"), from -c confidenceThreshold'],
    [
      'escalationSlaSeconds',
      '0',
      'escalationSlaSeconds must be a whole number of seconds from 1 to 31536000 (got 0), from -c escalationSlaSeconds',
    ],
    [
      'escalationSlaSeconds',
      '2.5',
      'escalationSlaSeconds must be a whole number of seconds from 1 to 31536000 (got 2.5), from -c escalationSlaSeconds',
    ],
    ['simulatedFailures', 'yes', 'simulatedFailures must be true or false (got "yes"), from -c simulatedFailures'],
    ['customerManagedKey', 'on', 'customerManagedKey must be true or false (got "on"), from -c customerManagedKey'],
    [
      'slaDefaultQueue',
      'sales',
      'slaDefaultQueue must be one of billing, technical, account, security, feedback (got "sales"), from -c slaDefaultQueue',
    ],
    [
      'bedrockModelId',
      'claude please',
      'bedrockModelId must be a Bedrock model or inference profile id (got "claude please"), from -c bedrockModelId',
    ],
    ['account', '12345', 'account must be a 12-digit AWS account id (got "12345"), from -c account'],
    ['region', 'Europe', 'region must be an AWS region such as eu-west-1 (got "Europe"), from -c region'],
    ['allowedAccounts', '222222222222,acme', 'allowedAccounts must hold 12-digit AWS account ids (got "acme"), from -c allowedAccounts'],
  ])('fails if %s is %j, naming the setting', (setting, value, problem) => {
    const error = failure({ stage: 'dev', [setting]: value });
    expect(error.problems).toEqual([problem]);
    expect(error.message).toContain(`stage "dev" is not valid:\n  - ${problem}`);
  });

  it('fails naming every setting at fault at once', () => {
    const error = failure({ confidenceThreshold: '-1', simulatedFailures: 'maybe' });
    expect(error.problems.map((problem) => problem.split(' ')[0])).toEqual(['confidenceThreshold', 'simulatedFailures']);
  });

  it("fails if a stage's own settings are invalid, naming the setting without a -c", () => {
    const stages = { local: { ...LOCAL, name: 'local', confidenceThreshold: 7 } };
    expect(() => resolveStage(cli(), ENV, stages)).toThrow(/confidenceThreshold must be a number from 0 to 1 \(got 7\)$/);
    expect(() => resolveStage(cli(), ENV, { local: { ...LOCAL, name: 'Local_1' } })).toThrow(/name must be 1 to 20 lower-case/);
    expect(() => resolveStage(cli(), ENV, { local: { ...LOCAL, name: 'dev' } })).toThrow(
      `name must be the stage's key in STAGES (got "dev" under "local")`,
    );
  });
});
