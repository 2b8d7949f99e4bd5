import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { SESv2Client, SendEmailCommand as SendEmailV2Command } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { region } from '../helpers.js';
import { ACCOUNT } from './fixture.js';
import { failure, SesRuntime } from './helpers.js';

let app: SesRuntime;

beforeAll(async () => {
  app = await SesRuntime.start({ iam: 'enforce', sesSandbox: false });
});

afterAll(() => app?.stop());

/** SES clients signed as a session of the role, as a function with that execution role signs. */
function as(roleName: string) {
  const credentials = app.runtime.iam.principals.credentialsFor(`arn:aws:iam::${ACCOUNT}:role/${roleName}`, 'fn');
  const config = { endpoint: app.runtime.url, region, credentials, maxAttempts: 1 };
  return { v1: new SESClient(config), v2: new SESv2Client(config) };
}

const message = { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } };
const session = (role: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/fn`;

describe('SES (local runtime) under IAM enforce', () => {
  it('fails if the role has no ses:SendEmail on the identity, with AccessDenied (v1) and AccessDeniedException (v2)', async () => {
    const clerk = as('Clerk');
    const identity = `arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`;
    expect(
      await failure(
        clerk.v1.send(new SendEmailCommand({ Source: 'a@example.com', Destination: { ToAddresses: ['b@else.test'] }, Message: message })),
      ),
    ).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: `User: ${session('Clerk')} is not authorized to perform: ses:SendEmail on resource: ${identity} because no identity-based policy allows the ses:SendEmail action`,
    });
    const v2 = await failure(
      clerk.v2.send(
        new SendEmailV2Command({
          FromEmailAddress: 'a@example.com',
          Destination: { ToAddresses: ['b@else.test'] },
          Content: { Simple: message },
        }),
      ),
    );
    expect(v2).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect((await app.mailbox()).messages).toEqual([]);
  });

  it('sends as a role granted ses:SendEmail on the identity, and fails if the send uses a configuration set it is not granted', async () => {
    const mailer = as('Mailer');
    const sent = await mailer.v1.send(
      new SendEmailCommand({ Source: 'a@example.com', Destination: { ToAddresses: ['b@else.test'] }, Message: message }),
    );
    expect(sent.MessageId).toBeDefined();
    // example.com's default configuration set is the one the request names here: IAM authorizes it as named.
    const refused = await failure(
      mailer.v1.send(
        new SendEmailCommand({
          Source: 'a@example.com',
          Destination: { ToAddresses: ['b@else.test'] },
          Message: message,
          ConfigurationSetName: 'tracking',
        }),
      ),
    );
    expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(refused.message).toContain(`on resource: arn:aws:ses:us-east-1:${ACCOUNT}:configuration-set/tracking`);
    const tracked = await as('TrackedMailer').v1.send(
      new SendEmailCommand({
        Source: 'a@example.com',
        Destination: { ToAddresses: ['b@else.test'] },
        Message: message,
        ConfigurationSetName: 'tracking',
      }),
    );
    expect(tracked.MessageId).toBeDefined();
  });
});
