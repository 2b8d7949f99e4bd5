import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { assemblyOf } from '../assembly.js';
import { tempDataDir } from '../helpers.js';
import { inlineFunction, serviceRole, stateMachine } from '../template-resources.js';

const trusting = (service: string) => serviceRole(service);
const fn = (name: string, role: string) =>
  inlineFunction('exports.handler = async () => ({});', {
    FunctionName: name,
    Runtime: 'nodejs22.x',
    Role: { 'Fn::GetAtt': [role, 'Arn'] },
  });
const machine = (name: string, role: string) =>
  stateMachine(
    { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } },
    { StateMachineName: name, RoleArn: { 'Fn::GetAtt': [role, 'Arn'] } },
  );

/**
 * A role that lets Step Functions assume it only for the account's state machines, as the
 * Step Functions guide's "Prevent cross-service confused deputy issue" writes it (and CDK's
 * StateMachine role): `aws:SourceArn` like `arn:aws:states:<region>:<account>:stateMachine:*`,
 * `aws:SourceAccount` the account.
 */
const trustingStatesFrom = (account: string) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'states.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            ArnLike: { 'aws:SourceArn': `arn:aws:states:us-east-1:${account}:stateMachine:*` },
            StringEquals: { 'aws:SourceAccount': account },
          },
        },
      ],
    },
  },
});

/** Functions and state machines whose roles trust their service (globally or regionally), and ones whose roles trust another. */
function writeApp(): string {
  return assemblyOf(
    {
      LambdaRole: trusting('lambda.amazonaws.com'),
      Ec2Role: trusting('ec2.amazonaws.com'),
      StatesRole: trusting('states.us-east-1.amazonaws.com'),
      Trusted: fn('trusted-fn', 'LambdaRole'),
      Untrusted: fn('untrusted-fn', 'Ec2Role'),
      TrustedMachine: machine('trusted-machine', 'StatesRole'),
      UntrustedMachine: machine('untrusted-machine', 'LambdaRole'),
      GuardedStatesRole: trustingStatesFrom('000000000000'),
      GuardedMachine: machine('guarded-machine', 'GuardedStatesRole'),
      OtherAccountStatesRole: trustingStatesFrom('111122223333'),
      OtherAccountMachine: machine('other-account-machine', 'OtherAccountStatesRole'),
    },
    'App',
  );
}

const folders: string[] = [];
let runtime: LocalRuntime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function warningsUnder(iam: 'off' | 'warn'): Promise<string[]> {
  const cdkOut = writeApp();
  const dataDir = tempDataDir();
  folders.push(cdkOut, dataDir);
  runtime = await LocalRuntime.start({ cdkOut, dataDir, port: 0, iam, log: () => {} });
  return runtime.warnings.filter((line) => line.includes('AWS would refuse to create it'));
}

describe('IAM trust policies at start-up', () => {
  it('names each function and state machine whose role does not let its service assume it, as AWS refuses to create them', async () => {
    const lines = await warningsUnder('warn');
    expect(lines).toEqual([
      expect.stringMatching(
        /^function untrusted-fn: AWS would refuse to create it: the trust policy of arn:aws:iam::000000000000:role\/\S+ does not let lambda\.amazonaws\.com assume it/,
      ),
      expect.stringMatching(
        /^state machine untrusted-machine: AWS would refuse to create it: .* does not let states\.amazonaws\.com assume it/,
      ),
      expect.stringMatching(/^state machine other-account-machine: AWS would refuse to create it: /),
    ]);
  });

  it("evaluates a state machine role's aws:SourceArn and aws:SourceAccount conditions against the state machine Step Functions assumes it for", async () => {
    const lines = await warningsUnder('warn');
    expect(lines.some((line) => line.includes('guarded-machine'))).toBe(false);
    expect(lines.filter((line) => line.includes('other-account-machine'))).toHaveLength(1);
  });

  it('says nothing with IAM off', async () => {
    expect(await warningsUnder('off')).toEqual([]);
  });
});
