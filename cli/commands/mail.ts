import {
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  NotFoundException,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { table, time, truncate } from '../../clients/format.js';
import { htmlText } from '../../clients/html-text.js';
import type { MailMessage, MailPage, MailSummary } from '../../clients/read-api-contract.js';
import { READ_API_PATHS } from '../../clients/read-api-contract.js';
import { call, clientConfig, describeAwsError, type Target } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { getReadApi, httpGet } from '../../inspect/read-api.js';
import { GLOBAL_HELP, integerOption, parseCommand } from '../args.js';
import type { Command, CommandIo } from './command.js';

export const HELP = `Usage: switchyard mail [--to <address>] [--limit <n>]
       switchyard mail <message id> [--raw]
       switchyard mail verify <address>

The mail the local SES sent, from its mailbox (the read API's /mail: AWS keeps no copy of
sent mail, so this is the local runtime only).

  (no argument)       list it, newest first: when, from, to, subject, and whether it was
                      delivered (a templated message whose data lacked an attribute was not)
  <message id>        one message: its headers, text (or its HTML's text), attachments, and
                      its links, numbered, to open in a browser
  verify <address>    verify an address as its owner would: ask SES to verify it (SES v2's
                      CreateEmailIdentity), then follow the link of the verification mail SES
                      put in the mailbox; in SES's sandbox only verified addresses get mail

  --to <address>      only mail from or to addresses that contain this
  --limit <n>         at most n messages (default 20, at most 1,000)
  --raw               the MIME message as sent

${GLOBAL_HELP}

Exit status: 0 shown, 1 the runtime could not be read or nothing matched, 2 bad input.`;

export const mail: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, { to: { type: 'string' }, limit: { type: 'string' }, raw: { type: 'boolean' } });
  if (values.help) return io.out(HELP);
  const target = io.clients(values).target;
  if (target.kind !== 'local')
    throw usageError("mail reads the local runtime's mailbox: leave out --aws and --profile (AWS keeps no copy of sent mail)");
  const [first, second, ...rest] = positionals;
  if (rest.length > 0 || (first !== 'verify' && second !== undefined)) throw usageError(`unexpected argument "${rest[0] ?? second}"`);
  if (first === 'verify') {
    if (second === undefined) throw usageError('name the address to verify: switchyard mail verify <address>');
    return verify(target, second, io);
  }
  if (first === undefined) return list(target, values, io);
  if (values.raw) return io.out(await getRaw(target, first));
  const message = await getReadApi<MailMessage>(
    target,
    `${READ_API_PATHS.mail}/${encodeURIComponent(first)}`,
    () => new CliError(`no mail ${first} in the local mailbox`),
  );
  if (values.json) return io.out(JSON.stringify(message, null, 2));
  for (const line of renderMessage(message)) io.out(line);
};

async function list(target: Extract<Target, { kind: 'local' }>, values: { to?: string; limit?: string; json?: boolean }, io: CommandIo) {
  const limit = integerOption('limit', values.limit, 20, 1, 1000);
  const query = new URLSearchParams({ limit: String(limit), ...(values.to ? { address: values.to } : {}) });
  const page = await getReadApi<MailPage>(target, `${READ_API_PATHS.mail}?${query}`);
  if (values.json) return io.out(JSON.stringify(page.messages, null, 2));
  if (page.messages.length === 0) return io.out(values.to ? `No mail from or to ${values.to}.` : 'No mail yet.');
  io.out(table(['SENT', 'FROM', 'TO', 'SUBJECT', 'STATUS', 'ID'], page.messages.map(row)));
  if (page.nextToken) io.out(`(older mail follows: --limit ${Math.min(1000, limit * 2)})`);
}

function row(m: MailSummary): string[] {
  const to = m.to.length > 2 ? `${m.to.slice(0, 2).join(', ')} +${m.to.length - 2}` : m.to.join(', ');
  return [time(new Date(m.sentAt)), truncate(m.from, 40), truncate(to, 50), truncate(m.subject ?? '', 50), m.status, m.id];
}

/** One message as text: who, what, its body, its attachments and its numbered links. */
export function renderMessage(m: MailMessage): string[] {
  const lines = [
    `From:     ${m.from}`,
    `To:       ${m.toHeader.join(', ') || '(none)'}`,
    ...(m.ccHeader.length > 0 ? [`Cc:       ${m.ccHeader.join(', ')}`] : []),
    ...(m.to.length > m.toHeader.length + m.ccHeader.length ? [`Sent to:  ${m.to.join(', ')}`] : []),
    `Subject:  ${m.subject ?? ''}`,
    `Sent:     ${m.sentAt} (${m.operation}${m.configurationSet ? `, configuration set ${m.configurationSet}` : ''})`,
    `Id:       ${m.id}`,
  ];
  if (m.status === 'rendering-failure') lines.push(`Not delivered: rendering failure: ${m.failure ?? ''}`);
  lines.push('', ...(m.text ?? htmlText(m.html ?? '')).trimEnd().split(/\r?\n/));
  if (m.attachments.length > 0) {
    lines.push('', 'Attachments:');
    for (const a of m.attachments) lines.push(`  ${a.filename ?? '(unnamed)'} (${a.mimeType}, ${a.size} bytes)`);
  }
  if (m.links.length > 0) {
    lines.push('', 'Links:');
    lines.push(...m.links.map((link, i) => `  [${i + 1}] ${link.text === link.href ? link.href : `${link.text}: ${link.href}`}`));
  }
  return lines;
}

async function verify(target: Extract<Target, { kind: 'local' }>, address: string, io: CommandIo): Promise<void> {
  const ses = new SESv2Client(clientConfig(target, 'sesv2'));
  try {
    const existing = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: address })).catch((error: unknown) => {
      if (error instanceof NotFoundException) return undefined;
      throw describeAwsError(target, error);
    });
    if (existing?.VerificationStatus === 'SUCCESS') return io.out(`${address} is verified already.`);
    // A pending or failed address is asked for again: SES sends a new link.
    if (existing !== undefined) await call(target, () => ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: address })));
    await call(target, () => ses.send(new CreateEmailIdentityCommand({ EmailIdentity: address })));
  } finally {
    ses.destroy();
  }
  const page = await getReadApi<MailPage>(target, `${READ_API_PATHS.mail}?${new URLSearchParams({ address, limit: '20' })}`);
  const request = page.messages.find((m) => m.operation === 'VerifyEmailIdentity' && m.to.includes(address));
  if (request === undefined) throw new CliError(`SES put no verification mail for ${address} in the mailbox`);
  const message = await getReadApi<MailMessage>(target, `${READ_API_PATHS.mail}/${encodeURIComponent(request.id)}`);
  const link = message.links.find((l) => l.href.includes('Action=ConfirmVerification'));
  if (link === undefined) throw new CliError(`the verification mail ${request.id} holds no verification link`);
  const followed = await httpGet(link.href);
  if (followed.status !== 200) throw new CliError(`following the verification link answered ${followed.status}`);
  io.out(`${address} is verified: SES mailed it a link (mail ${request.id}), and following it verified the address.`);
}

async function getRaw(target: Extract<Target, { kind: 'local' }>, id: string): Promise<string> {
  const answer = await httpGet(`${target.endpoint}/_switchyard/v1${READ_API_PATHS.mail}/${encodeURIComponent(id)}/raw`).catch(
    (error: Error) => {
      throw new CliError(`cannot reach the local runtime at ${target.endpoint}: ${error.message}`);
    },
  );
  if (answer.status === 404) throw new CliError(`no mail ${id} in the local mailbox`);
  if (answer.status !== 200) throw new CliError(`the read API answered ${answer.status}`);
  return answer.text;
}
