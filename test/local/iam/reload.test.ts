import { rmSync } from 'node:fs';
import { SendMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { credentials, region } from '../helpers.js';
import { restartableRuntime, roleConfig } from '../restartable-runtime.js';
import { serviceRole } from '../template-resources.js';

const ROLE = 'arn:aws:iam::000000000000:role/reload-sender';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:reload-granted';

/**
 * An app whose role may send to its queue only when granted: by an AWS::IAM::Policy, or by
 * its newer one-role form AWS::IAM::RolePolicy, added and removed again by a new synth.
 */
function writeVersion(granted: false | 'policy' | 'role policy'): string {
  const PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: QUEUE }] };
  const grant =
    granted === 'role policy'
      ? { Type: 'AWS::IAM::RolePolicy', Properties: { PolicyName: 'send', RoleName: { Ref: 'Sender' }, PolicyDocument } }
      : { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'send', Roles: [{ Ref: 'Sender' }], PolicyDocument } };
  return assemblyOf(
    {
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'reload-granted' } },
      Sender: serviceRole('lambda.amazonaws.com', { RoleName: 'reload-sender' }),
      ...(granted ? { Grant: grant } : {}),
    },
    'App',
  );
}

/** The later versions the tests reload, removed after them (the first is the suite runtime's). */
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const local = restartableRuntime({
  assembly: () => writeVersion(false),
  ownsAssembly: true,
  options: { iam: 'enforce' },
  // The role's session, as a function of that role would sign with it.
  clients: (runtime) => ({
    sqs: new SQSClient(roleConfig(runtime, ROLE, 'test')),
  }),
});

/** Reloads the suite's runtime onto a new version of the app (`granted` as writeVersion takes it); what the reload says. */
async function reloadTo(granted: false | 'policy' | 'role policy') {
  const folder = writeVersion(granted);
  folders.push(folder);
  return local.runtime.reload(folder);
}

const send = () =>
  local.sqs.send(new SendMessageCommand({ QueueUrl: `${local.runtime.url}/000000000000/reload-granted`, MessageBody: 'hello' })).then(
    () => 'sent',
    (error: Error) => error.name,
  );

describe('LocalRuntime.reload under IAM', () => {
  it('checks what runs next against the new template policies, a grant added and then removed, with no restart', async () => {
    expect(await send()).toBe('AccessDenied');

    // Said as what it is (a reload that said nothing read as if nothing had changed).
    expect(await reloadTo('policy')).toEqual({ reloaded: ['IAM Policy Grant (new)'], needsRestart: [], warnings: [] });
    expect(await send()).toBe('sent');

    // A removed policy grants nothing from now on: it does not keep running until a restart.
    expect(await reloadTo(false)).toEqual({ reloaded: ['IAM Policy Grant (removed)'], needsRestart: [], warnings: [] });
    expect(await send()).toBe('AccessDenied');

    expect(await reloadTo('role policy')).toEqual({ reloaded: ['IAM RolePolicy Grant (new)'], needsRestart: [], warnings: [] });
    expect(await send()).toBe('sent');
    await reloadTo(false);
    expect(await send()).toBe('AccessDenied');
  });

  it("keeps a queue policy set through the API across a reload that leaves that queue's policy alone", async () => {
    const admin = new SQSClient({ endpoint: local.runtime.url, region, credentials });
    const statement = { Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'sqs:SendMessage', Resource: QUEUE };
    await admin.send(
      new SetQueueAttributesCommand({
        QueueUrl: `${local.runtime.url}/000000000000/reload-granted`,
        Attributes: { Policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) },
      }),
    );
    admin.destroy();
    expect(await send()).toBe('sent');
    await reloadTo(false);
    expect(await send()).toBe('sent');
  });
});
