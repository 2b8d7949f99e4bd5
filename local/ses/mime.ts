import type { Address } from 'postal-mime';
import { AwsError } from '../endpoint/aws-error.js';

/**
 * The MIME messages SES writes (simple and templated sends: nodemailer's composer) and reads
 * (raw sends and the mailbox: postal-mime). SES sets a message's `Message-ID` and `Date`
 * itself, overriding any a raw message carries.
 */

export interface Attachment {
  readonly filename: string;
  readonly content: Buffer;
  readonly contentType?: string;
  readonly disposition?: 'attachment' | 'inline';
  readonly cid?: string;
  readonly description?: string;
}

/** What SES assembles a message from (SendEmail's `Message`, a rendered template). */
export interface MessageParts {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly replyTo: readonly string[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  /** v2's `Content.Simple.Headers` / `Content.Template.Headers`. */
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
  readonly attachments?: readonly Attachment[];
  readonly returnPath?: string;
}

/**
 * postal-mime, loaded at the first message read, as nodemailer's composer is at the first message
 * written: a start, which sends no mail, does not load them.
 */
const postalMime = async () => (await import('postal-mime')).default;

/** A message id as SES writes one: `0100` and the time in hex, a UUID, `-000000`. */
export function newMessageId(now: number): string {
  return `0100${Math.max(0, now).toString(16).padStart(12, '0').slice(-12)}-${crypto.randomUUID()}-000000`;
}

/** The `Message-ID` header SES gives a message: its message id at `email.amazonses.com`. */
export function messageIdHeader(messageId: string): string {
  return `<${messageId}@email.amazonses.com>`;
}

/** Composes the message SES sends for a simple or templated request (Bcc recipients stay out of the headers). */
export async function composeMessage(parts: MessageParts, messageId: string, date: Date): Promise<Buffer> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const composer = new MailComposer({
    from: parts.from,
    ...(parts.to.length > 0 ? { to: [...parts.to] } : {}),
    ...(parts.cc.length > 0 ? { cc: [...parts.cc] } : {}),
    ...(parts.replyTo.length > 0 ? { replyTo: [...parts.replyTo] } : {}),
    subject: parts.subject,
    ...(parts.text === undefined ? {} : { text: parts.text }),
    ...(parts.html === undefined ? {} : { html: parts.html }),
    messageId: messageIdHeader(messageId),
    date,
    ...(parts.headers && parts.headers.length > 0 ? { headers: parts.headers.map((h) => ({ key: h.name, value: h.value })) } : {}),
    ...(parts.attachments && parts.attachments.length > 0
      ? {
          attachments: parts.attachments.map((a) => ({
            filename: a.filename,
            content: a.content,
            ...(a.contentType ? { contentType: a.contentType } : {}),
            ...(a.disposition ? { contentDisposition: a.disposition } : {}),
            ...(a.cid ? { cid: a.cid } : {}),
          })),
        }
      : {}),
  });
  return new Promise((resolve, reject) => {
    composer.compile().build((error, message) => (error ? reject(error) : resolve(message)));
  });
}

/** The headers SES reads from a raw message. */
export interface RawHeaders {
  readonly from?: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly subject?: string;
  /** Whether a `To` header is there but holds no address (SES: "Empty required header 'To'."). */
  readonly emptyTo: boolean;
}

/** The end of a message's header block (the blank line), or -1. */
function headerEnd(raw: Buffer): { at: number; separator: number } {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, separator: 4 };
  return { at: lf, separator: lf >= 0 ? 2 : 0 };
}

/** Reads the addresses and subject of a raw message; throws SES's error for a message without a header block. */
export async function readRawHeaders(raw: Buffer): Promise<RawHeaders> {
  if (headerEnd(raw).at < 0 && !/^[!-9;-~]+:/.test(raw.subarray(0, 1000).toString('latin1'))) {
    throw new AwsError('InvalidParameterValue', 'Message has no header.');
  }
  const parsed = await (await postalMime()).parse(raw);
  const addresses = (list: Address[] | undefined) =>
    (list ?? []).flatMap((a) => (a.group ? a.group.map((m) => m.address) : [a.address])).filter((a) => a !== '');
  const toHeader = parsed.headers.find((h) => h.key === 'to');
  const to = addresses(parsed.to);
  return {
    ...(parsed.from?.address ? { from: parsed.from.name ? `${parsed.from.name} <${parsed.from.address}>` : parsed.from.address } : {}),
    to,
    cc: addresses(parsed.cc),
    bcc: addresses(parsed.bcc),
    ...(parsed.subject === undefined ? {} : { subject: parsed.subject }),
    emptyTo: toHeader !== undefined && toHeader.value.trim() === '',
  };
}

/**
 * The raw message as SES sends it: its own `Message-ID` and `Date` in place of any the message
 * carries, and without `Bcc` headers (SES delivers to Bcc recipients without showing them).
 */
export function stampRawMessage(raw: Buffer, messageId: string, date: Date): Buffer {
  const { at, separator } = headerEnd(raw);
  const head = (at < 0 ? raw : raw.subarray(0, at)).toString('latin1');
  const body = at < 0 ? Buffer.alloc(0) : raw.subarray(at + separator);
  const newline = separator === 2 ? '\n' : '\r\n';
  const kept: string[] = [];
  let dropping = false;
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && kept.length > 0) {
      if (!dropping) kept[kept.length - 1] += `${newline}${line}`;
      continue;
    }
    dropping = /^(message-id|date|bcc)\s*:/i.test(line);
    if (!dropping) kept.push(line);
  }
  const stamped = [`Date: ${date.toUTCString().replace('GMT', '+0000')}`, `Message-ID: ${messageIdHeader(messageId)}`, ...kept];
  return Buffer.concat([Buffer.from(stamped.join(newline) + newline + newline, 'latin1'), body]);
}

/** A message as the mailbox shows it. */
export interface ParsedMessage {
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly from?: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject?: string;
  readonly date?: string;
  readonly text?: string;
  readonly html?: string;
  readonly attachments: readonly { readonly filename: string | null; readonly mimeType: string; readonly size: number }[];
}

export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const parsed = await (await postalMime()).parse(raw);
  const show = (a: Address) =>
    a.group ? `${a.name}: ${a.group.map((m) => m.address).join(', ')};` : a.name ? `${a.name} <${a.address}>` : a.address;
  return {
    headers: parsed.headers.map((h) => ({ name: h.key, value: h.value })),
    ...(parsed.from ? { from: show(parsed.from) } : {}),
    to: (parsed.to ?? []).map(show),
    cc: (parsed.cc ?? []).map(show),
    ...(parsed.subject === undefined ? {} : { subject: parsed.subject }),
    ...(parsed.date === undefined ? {} : { date: parsed.date }),
    ...(parsed.text === undefined ? {} : { text: parsed.text }),
    ...(parsed.html === undefined ? {} : { html: parsed.html }),
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename,
      mimeType: a.mimeType,
      size: typeof a.content === 'string' ? a.content.length : a.content.byteLength,
    })),
  };
}

/** The links of a message, in order and once each: `href`s of its HTML, then the URLs of its text. */
export function linksOf(message: Pick<ParsedMessage, 'html' | 'text'>): { readonly href: string; readonly text: string }[] {
  const links = new Map<string, string>();
  for (const match of (message.html ?? '').matchAll(/<a\b[^>]*?\bhref\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>([\s\S]*?)<\/a>/gi)) {
    const href = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '').trim();
    const label = decodeEntities((match[5] ?? '').replace(/<[^>]*>/g, '')).trim();
    if (/^https?:\/\//i.test(href) && !links.has(href)) links.set(href, label || href);
  }
  for (const match of (message.text ?? '').matchAll(/https?:\/\/[^\s<>"')\]]+/gi)) {
    const href = match[0].replace(/[.,;:!?]+$/, '');
    if (!links.has(href)) links.set(href, href);
  }
  return [...links].map(([href, text]) => ({ href, text }));
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]{1,6});/gi, (entity, hex: string) => codePoint(Number.parseInt(hex, 16), entity))
    .replace(/&#(\d{1,7});/g, (entity, dec: string) => codePoint(Number(dec), entity))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A character reference's character; one that names no character stays as written. */
function codePoint(value: number, entity: string): string {
  return value <= 0x10ffff ? String.fromCodePoint(value) : entity;
}

/** The top-level headers of a message, unfolded, in order (what SES's events list as `mail.headers`). */
export function headersOf(raw: Buffer): { name: string; value: string }[] {
  const { at } = headerEnd(raw);
  const head = (at < 0 ? raw : raw.subarray(0, at)).toString('utf8');
  const headers: { name: string; value: string }[] = [];
  for (const line of head.split(/\r?\n/)) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last !== undefined) {
      last.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push({ name: line.slice(0, colon), value: line.slice(colon + 1).trim() });
  }
  return headers;
}
