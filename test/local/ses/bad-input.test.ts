import {
  CreateReceiptRuleSetCommand,
  SendEmailCommand,
  type SendEmailCommandInput,
  SendRawEmailCommand,
  SendTemplatedEmailCommand,
  TestRenderTemplateCommand,
} from '@aws-sdk/client-ses';
import {
  CreateContactListCommand,
  SendBulkEmailCommand,
  SendEmailCommand as SendEmailV2Command,
  type SendEmailCommandInput as SendEmailV2Input,
  TestRenderEmailTemplateCommand,
} from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, awsCliMissing } from '../aws-cli.js';
import type { AwsCliError } from '../aws-cli-session.js';
import { failure, SesRuntime } from './helpers.js';

let app: SesRuntime;

beforeAll(async () => {
  // Production access: these cases are about the request, not about who may receive it.
  app = await SesRuntime.start({ sesSandbox: false });
});

afterAll(() => app?.stop());

const TO = { ToAddresses: ['someone@else.test'] };
const SIMPLE = { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } };

/** How SES refused a SendEmail (v1) of one simple message changed by `input`. */
const v1 = (input: Partial<SendEmailCommandInput>) =>
  failure(app.v1.send(new SendEmailCommand({ Source: 'mailer@example.com', Destination: TO, Message: SIMPLE, ...input })));
/** How SES refused a SendEmail (v2) of one simple message changed by `input`. */
const v2 = (input: Partial<SendEmailV2Input>) =>
  failure(
    app.v2.send(new SendEmailV2Command({ FromEmailAddress: 'mailer@example.com', Destination: TO, Content: { Simple: SIMPLE }, ...input })),
  );

describe("SES (local runtime): bad input gets SES's errors, in both APIs", () => {
  it('fails if a recipient is not an address, with the reason SES gives', async () => {
    expect(await v1({ Destination: { ToAddresses: ['nobody'] } })).toEqual({
      name: 'InvalidParameterValue',
      status: 400,
      message: "Missing final '@domain'",
    });
    expect(await v2({ Destination: { ToAddresses: ['nobody'] } })).toEqual({
      name: 'BadRequestException',
      status: 400,
      message: "Missing final '@domain'",
    });
    expect((await v1({ Destination: { CcAddresses: ['a b@else.test'] } })).message).toBe('Local address contains control or whitespace');
    expect((await v1({ Destination: { BccAddresses: ['someone@'] } })).message).toBe('Missing domain');
    expect((await v2({ FromEmailAddress: 'mailer@exa mple.com' })).message).toBe('Domain contains control or whitespace');
  });

  it('fails if a message has no recipient, or more than 50', async () => {
    expect(await v1({ Destination: { ToAddresses: [] } })).toEqual({
      name: 'InvalidParameterValue',
      status: 400,
      message: "Missing required header 'To'.",
    });
    expect((await v2({ Destination: {} })).name).toBe('BadRequestException');
    const many = Array.from({ length: 51 }, (_, i) => `r${i}@else.test`);
    expect(await v1({ Destination: { ToAddresses: many } })).toEqual({
      name: 'InvalidParameterValue',
      status: 400,
      message: 'Recipient count exceeds 50.',
    });
    expect((await v2({ Destination: { BccAddresses: many } })).message).toBe('Recipient count exceeds 50.');
    const bulk = await failure(
      app.v2.send(
        new SendBulkEmailCommand({
          FromEmailAddress: 'mailer@example.com',
          DefaultContent: { Template: { TemplateName: 'welcome', TemplateData: '{}' } },
          BulkEmailEntries: many.map((address) => ({ Destination: { ToAddresses: [address] } })),
        }),
      ),
    );
    expect(bulk).toEqual({ name: 'BadRequestException', status: 400, message: 'Number of destinations exceeds 50.' });
  });

  it("fails if a message is over the v1 API's 10 MB, measured as SES measures it (base64)", async () => {
    const body = 'x'.repeat(8 * 1024 * 1024);
    const answer = await v1({ Message: { Subject: { Data: 'big' }, Body: { Text: { Data: body } } } });
    expect(answer.name).toBe('InvalidParameterValue');
    expect(answer.message).toMatch(/^Message length is more than 10485760 bytes long: '\d+'\.$/);
  });

  it("takes a v2 raw message above the endpoint's 20 MiB request limit, and fails one over v2's 40 MB (base64) with SES's size error", async () => {
    // A raw message travels as base64 in v2's JSON body: 16 MiB is 21.3 MiB of base64, 30.1 MiB just over 40 MiB.
    const raw = (mebibytes: number) => {
      const head = 'From: mailer@example.com\r\nTo: someone@else.test\r\nSubject: big\r\n\r\n';
      const line = `${'x'.repeat(998)}\r\n`;
      return Buffer.from(head + line.repeat(Math.ceil((mebibytes * 1024 * 1024) / line.length)));
    };
    const send = (data: Buffer) => app.v2.send(new SendEmailV2Command({ Content: { Raw: { Data: data } } }));
    expect((await send(raw(16))).MessageId).toMatch(/./);
    const over = await failure(send(raw(30.1)));
    expect(over.name).toBe('BadRequestException');
    expect(over.message).toMatch(/^Message length is more than 41943040 bytes long: '\d+'\.$/);
  });

  it("fails if a message is missing a member the model requires, with the model's summary", async () => {
    // An empty Destination travels as nothing at all: the query form has no member of it.
    expect(await failure(app.v1.send(new SendEmailCommand({ Destination: {}, Message: undefined } as never)))).toEqual({
      name: 'ValidationError',
      status: 400,
      message:
        "3 validation errors detected: Value null at 'source' failed to satisfy constraint: Member must not be null; Value null at 'destination' failed to satisfy constraint: Member must not be null; Value null at 'message' failed to satisfy constraint: Member must not be null",
    });
    expect((await failure(app.v2.send(new SendEmailV2Command({} as never)))).name).toBe('BadRequestException');
  });

  it("fails if a message tag's name or value holds a character SES does not allow", async () => {
    expect(await v1({ Tags: [{ Name: 'a:b', Value: 'c' }] })).toEqual({
      name: 'InvalidParameterValue',
      status: 400,
      message: "Invalid tag name <a:b>: only alphanumeric ASCII characters, '_',  '-' are allowed.",
    });
    expect((await v2({ EmailTags: [{ Name: 'ok', Value: 'not ok' }] })).message).toBe(
      "Invalid tag value <not ok>: only alphanumeric ASCII characters, '_',  '-' , '.', '@' are allowed.",
    );
  });

  it('fails if a send names a template or configuration set that does not exist', async () => {
    expect(
      await failure(
        app.v1.send(
          new SendTemplatedEmailCommand({
            Source: 'mailer@example.com',
            Destination: { ToAddresses: ['a@else.test'] },
            Template: 'nope',
            TemplateData: '{}',
          }),
        ),
      ),
      // The SDK names the exception by its shape; the code on the wire is TemplateDoesNotExist.
    ).toEqual({ name: 'TemplateDoesNotExistException', status: 400, message: 'Template nope does not exist.' });
    expect(await v1({ ConfigurationSetName: 'nope' })).toEqual({
      name: 'ConfigurationSetDoesNotExistException',
      status: 400,
      message: 'Configuration set <nope> does not exist.',
    });
    expect(await v2({ ConfigurationSetName: 'nope' })).toEqual({
      name: 'NotFoundException',
      status: 404,
      message: 'Configuration set <nope> does not exist.',
    });
  });

  it('fails a raw message that has neither a Source nor a From header, or no recipient', async () => {
    const raw = (text: string) => failure(app.v1.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(text) } })));
    expect((await raw('To: a@else.test\r\nSubject: s\r\n\r\nbody')).message).toBe("Missing required header 'From'.");
    expect((await raw('From: mailer@example.com\r\nSubject: s\r\n\r\nbody')).message).toBe("Missing required header 'To'.");
    expect((await raw('From: mailer@example.com\r\nTo:\r\nSubject: s\r\n\r\nbody')).message).toBe("Empty required header 'To'.");
    // Bytes that are no message at all: still SES's error, never a failure of the runtime.
    expect((await raw('\u0000\u0001\u0002')).name).toBe('InvalidParameterValue');
  });

  it("fails TestRenderTemplate for a missing attribute or data that is not a JSON object, in each API's words", async () => {
    expect(await failure(app.v1.send(new TestRenderTemplateCommand({ TemplateName: 'welcome', TemplateData: '{"name":"A"}' })))).toEqual({
      name: 'MissingRenderingAttributeException',
      status: 400,
      message: "Attribute 'code' is not present in the rendering data.",
    });
    expect(await failure(app.v1.send(new TestRenderTemplateCommand({ TemplateName: 'welcome', TemplateData: '[1]' })))).toEqual({
      name: 'InvalidRenderingParameterException',
      status: 400,
      message: 'Template rendering data is invalid',
    });
    expect(
      await failure(app.v2.send(new TestRenderEmailTemplateCommand({ TemplateName: 'welcome', TemplateData: '{"name":"A"}' }))),
    ).toEqual({ name: 'BadRequestException', status: 400, message: "Attribute 'code' is not present in the rendering data." });
    expect((await failure(app.v2.send(new TestRenderEmailTemplateCommand({ TemplateName: 'nope', TemplateData: '{}' })))).name).toBe(
      'NotFoundException',
    );
  });

  it('answers an operation the local SES does not serve as unsupported, by name (v1 and v2)', async () => {
    expect(await failure(app.v1.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'r' })))).toEqual({
      name: 'InvalidAction',
      status: 400,
      message: 'CreateReceiptRuleSet is not supported by the local SES service.',
    });
    expect(await failure(app.v2.send(new CreateContactListCommand({ ContactListName: 'c' })))).toEqual({
      name: 'UnknownOperationException',
      status: 400,
      message: 'CreateContactList is not supported by the local SESv2 service.',
    });
  });
});

describe.skipIf(awsCliMissing)('SES (local runtime) through the AWS CLI', () => {
  it('sends with aws ses and aws sesv2, and shows their errors', async () => {
    const sent = (await awsCli(app.runtime.url, [
      'ses',
      'send-email',
      '--from',
      'mailer@example.com',
      '--destination',
      'ToAddresses=cli@else.test',
      '--message',
      'Subject={Data=from the cli},Body={Text={Data=hello}}',
    ])) as { MessageId: string };
    expect((await app.mail(sent.MessageId)).subject).toBe('from the cli');
    const v2sent = (await awsCli(app.runtime.url, [
      'sesv2',
      'send-email',
      '--from-email-address',
      'mailer@example.com',
      '--destination',
      'ToAddresses=cli@else.test',
      '--content',
      'Simple={Subject={Data=v2 cli},Body={Text={Data=hi}}}',
    ])) as { MessageId: string };
    expect((await app.mail(v2sent.MessageId)).subject).toBe('v2 cli');
    const refused = await awsCli(app.runtime.url, ['ses', 'verify-domain-identity', '--domain', 'not a domain']).catch(
      (e: AwsCliError) => e,
    );
    expect(String(refused)).toContain('InvalidParameterValue');
  });
});
