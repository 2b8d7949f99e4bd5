import { AwsError } from '../endpoint/aws-error.js';
import { currentCaller } from '../iam/caller.js';
import { domainOfAddress, type ParsedAddress, parseAddress, simulatorOutcome } from './addresses.js';
import { feedbackId, type MailObject, type MessageEvent } from './event-publishing.js';
import type { Identities } from './identities.js';
import type { MailStatus } from './mailbox.js';
import { type Attachment, composeMessage, headersOf, newMessageId, readRawHeaders, stampRawMessage } from './mime.js';
import {
  checkAccountSending,
  checkConfigurationSet,
  checkQuota,
  checkSize,
  checkTags,
  checkVerified,
  type MessageTag,
  parseRecipients,
} from './send-checks.js';
import type { SesContext } from './ses-context.js';
import { InvalidTemplateData, parseTemplateData, RenderingFailure, renderTemplate, type TemplateParts } from './templates.js';

/** What a send carries, whichever API and operation it came from. */
export type SendContent =
  | {
      readonly kind: 'simple';
      readonly subject: string;
      readonly text?: string;
      readonly html?: string;
      readonly headers?: readonly { readonly name: string; readonly value: string }[];
      readonly attachments?: readonly Attachment[];
    }
  | { readonly kind: 'raw'; readonly data: Buffer }
  | {
      readonly kind: 'template';
      /** A stored template's name, or an inline template's parts (v2's `TemplateContent`). */
      readonly name?: string;
      readonly inline?: TemplateParts;
      /** The template data, as JSON text. */
      readonly data?: string;
      readonly headers?: readonly { readonly name: string; readonly value: string }[];
    };

export interface SendRequest {
  readonly api: 'v1' | 'v2';
  /** The operation, as `ses:operation` tags it (`SendEmail`, `SendTemplatedEmail`, ...). */
  readonly operation: string;
  /** `Source` / `FromEmailAddress`; a raw message without it is sent from its `From` header. */
  readonly from?: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly replyTo: readonly string[];
  readonly configurationSet?: string;
  readonly tags: readonly MessageTag[];
  readonly content: SendContent;
}

/** A message checked and ready to be kept: everything the mailbox, the quota and the events need. */
interface Prepared {
  readonly sender: ParsedAddress;
  readonly recipients: readonly ParsedAddress[];
  readonly configurationSet?: string;
  readonly templateName?: string;
}

/**
 * SES's sending: every check SES makes before it accepts a message (send-checks.ts), then the
 * message composed (or, raw, stamped with SES's Message-ID and Date), kept in the mailbox,
 * counted against the quota and its events written for the configuration set's destinations,
 * all in one transaction before the send is answered. A templated message whose data lacks an
 * attribute is accepted and not delivered, with a rendering failure event, as SES does.
 */
export class Sending {
  constructor(
    private readonly context: SesContext,
    private readonly identities: Identities,
  ) {}

  async send(request: SendRequest): Promise<{ messageId: string }> {
    checkTags(request.tags);
    // A raw message over the limit is refused before it is parsed (twice: its headers, then once stamped); the composed message is checked again below.
    if (request.content.kind === 'raw') checkSize(request.api, base64Length(request.content.data.length));
    const raw = request.content.kind === 'raw' ? await readRawHeaders(request.content.data) : undefined;
    const from = request.from ?? raw?.from;
    if (from === undefined) throw new AwsError('InvalidParameterValue', "Missing required header 'From'.", 400);
    const sender = parseAddress(from);
    if (raw?.emptyTo && request.to.length + request.cc.length + request.bcc.length === 0) {
      throw new AwsError('InvalidParameterValue', "Empty required header 'To'.", 400);
    }
    // A raw message goes to its Destinations if given, else to its To, Cc and Bcc headers.
    const explicit = [...request.to, ...request.cc, ...request.bcc];
    const recipients = parseRecipients(raw && explicit.length === 0 ? [...raw.to, ...raw.cc, ...raw.bcc] : explicit);
    const prepared = this.#prepare(request, sender, recipients);
    const template = request.content.kind === 'template' ? this.#template(request.content) : undefined;
    checkVerified(this.context, this.identities, sender, recipients);
    checkQuota(this.context, recipients.length);
    const now = this.context.clock.now();
    const messageId = newMessageId(now);
    const composed = await this.#compose(request, sender, messageId, now, template);
    checkSize(request.api, base64Length(composed.raw.length));
    this.#keep(request, { ...prepared, ...(template ? { templateName: template.name } : {}) }, messageId, now, composed);
    return { messageId };
  }

  /** The checks that do not depend on the message's content: the account, the configuration set, the tags' and addresses' form. */
  #prepare(request: SendRequest, sender: ParsedAddress, recipients: readonly ParsedAddress[]): Prepared {
    checkAccountSending(this.context);
    // A request without a configuration set uses its identity's default one (v2's PutEmailIdentityConfigurationSetAttributes, CloudFormation's ConfigurationSetAttributes).
    const configurationSet = request.configurationSet ?? this.identities.verifiedFor(sender.address)?.configurationSet;
    checkConfigurationSet(this.context, configurationSet);
    return { sender, recipients, ...(configurationSet === undefined ? {} : { configurationSet }) };
  }

  /** A stored or inline template and its data, read before anything is accepted. */
  #template(content: Extract<SendContent, { kind: 'template' }>): { name: string; parts: TemplateParts; data: Record<string, unknown> } {
    let parts = content.inline;
    if (parts === undefined) {
      const stored = this.context.store.template(content.name ?? '');
      if (stored === undefined) throw new AwsError('TemplateDoesNotExist', `Template ${content.name ?? ''} does not exist.`, 400);
      parts = stored;
    }
    let data: Record<string, unknown>;
    try {
      data = parseTemplateData(content.data);
    } catch (error) {
      if (error instanceof InvalidTemplateData)
        throw new AwsError('InvalidParameterValue', 'Template data is not a valid JSON object.', 400, { cause: error });
      throw error;
    }
    return { name: content.name ?? 'inline', parts, data };
  }

  async #compose(
    request: SendRequest,
    sender: ParsedAddress,
    messageId: string,
    now: number,
    template: { name: string; parts: TemplateParts; data: Record<string, unknown> } | undefined,
  ): Promise<{ raw: Buffer; status: MailStatus; failure?: string; subject?: string }> {
    const content = request.content;
    const date = new Date(now);
    if (content.kind === 'raw') {
      const stamped = stampRawMessage(content.data, messageId, date);
      return { raw: stamped, status: 'delivered', ...optionalSubject((await readRawHeaders(stamped)).subject) };
    }
    const base = { from: sender.given, to: request.to, cc: request.cc, replyTo: request.replyTo };
    if (content.kind === 'simple') {
      const raw = await composeMessage({ ...base, ...content }, messageId, date);
      return { raw, status: 'delivered', subject: content.subject };
    }
    const parts = template as NonNullable<typeof template>;
    try {
      const rendered = renderTemplate(parts.name, parts.parts, parts.data);
      const raw = await composeMessage({ ...base, ...rendered, ...(content.headers ? { headers: content.headers } : {}) }, messageId, date);
      return { raw, status: 'delivered', subject: rendered.subject };
    } catch (error) {
      if (!(error instanceof RenderingFailure)) throw error;
      // Accepted, never delivered: the mailbox keeps the template's source so a person sees what failed.
      const raw = await composeMessage({ ...base, subject: parts.parts.subject ?? '', text: parts.parts.text ?? '' }, messageId, date);
      return { raw, status: 'rendering-failure', failure: error.message, ...optionalSubject(parts.parts.subject) };
    }
  }

  /** Keeps the message, counts it and writes its events, in one transaction. */
  #keep(
    request: SendRequest,
    prepared: Prepared,
    messageId: string,
    now: number,
    composed: { raw: Buffer; status: MailStatus; failure?: string; subject?: string },
  ): void {
    const { store, mailbox, publisher } = this.context;
    const destinations = prepared.recipients.map((r) => r.address);
    const tags = Object.fromEntries(request.tags.map((tag) => [tag.Name ?? '', tag.Value ?? '']));
    const mail = this.#mailObject(request, prepared, messageId, now, composed.raw, tags);
    const events =
      composed.status === 'rendering-failure' ? [failureEvent(composed.failure, prepared.templateName)] : outcomeEvents(destinations, now);
    store.transaction(() => {
      mailbox.add({
        id: messageId,
        sentAt: now,
        source: prepared.sender.given,
        destinations,
        ...optionalSubject(composed.subject),
        operation: request.operation,
        ...(prepared.configurationSet === undefined ? {} : { configurationSet: prepared.configurationSet }),
        status: composed.status,
        ...(composed.failure === undefined ? {} : { failure: composed.failure }),
        tags,
        raw: composed.raw,
      });
      store.logSend(now, 'send', destinations.length);
      for (const event of events) {
        if (event.type === 'BOUNCE' || event.type === 'COMPLAINT') store.logSend(now, event.type === 'BOUNCE' ? 'bounce' : 'complaint', 1);
      }
      publisher.publish(prepared.configurationSet, mail, events);
    });
  }

  #mailObject(
    request: SendRequest,
    prepared: Prepared,
    messageId: string,
    now: number,
    raw: Buffer,
    tags: Record<string, string>,
  ): MailObject {
    const headers = headersOf(raw);
    const first = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
    const list = (name: string) => {
      const value = first(name);
      return value === undefined ? undefined : value.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((a) => a.trim());
    };
    const identity = this.identities.verifiedFor(prepared.sender.address);
    const caller = currentCaller()?.accessKeyId;
    return {
      timestamp: new Date(now).toISOString(),
      source: prepared.sender.given,
      sourceArn: this.identities.arn(identity?.name ?? prepared.sender.address),
      sendingAccountId: this.context.accountId,
      messageId,
      destination: prepared.recipients.map((r) => r.given),
      headersTruncated: false,
      headers,
      commonHeaders: {
        ...(list('from') ? { from: list('from') } : {}),
        ...(first('date') ? { date: first('date') } : {}),
        ...(list('to') ? { to: list('to') } : {}),
        ...(list('cc') ? { cc: list('cc') } : {}),
        messageId,
        ...(first('subject') ? { subject: first('subject') } : {}),
      },
      tags: {
        'ses:operation': [request.operation],
        ...(prepared.configurationSet ? { 'ses:configuration-set': [prepared.configurationSet] } : {}),
        'ses:source-ip': ['127.0.0.1'],
        'ses:from-domain': [domainOfAddress(prepared.sender.address).toLowerCase()],
        ...(caller ? { 'ses:caller-identity': [caller] } : {}),
        ...Object.fromEntries(Object.entries(tags).map(([name, value]) => [name, [value]])),
      },
    };
  }
}

function optionalSubject(subject: string | undefined): { subject?: string } {
  return subject === undefined ? {} : { subject };
}

function failureEvent(message: string | undefined, templateName: string | undefined): MessageEvent {
  return { type: 'RENDERING_FAILURE', details: { errorMessage: message ?? '', templateName: templateName ?? '' } };
}

/**
 * What becomes of a delivered message, by recipient: Send, then Delivery to every recipient
 * but the mailbox simulator's bounce and suppression-list addresses (a Bounce each), and a
 * Complaint after the Delivery for its complaint address.
 */
function outcomeEvents(destinations: readonly string[], now: number): MessageEvent[] {
  const timestamp = new Date(now).toISOString();
  const bounced = destinations.filter((d) => ['bounce', 'suppressionlist'].includes(simulatorOutcome(d) ?? ''));
  const delivered = destinations.filter((d) => !bounced.includes(d));
  const complained = delivered.filter((d) => simulatorOutcome(d) === 'complaint');
  const events: MessageEvent[] = [{ type: 'SEND', details: {} }];
  if (delivered.length > 0) {
    events.push({
      type: 'DELIVERY',
      details: {
        timestamp,
        processingTimeMillis: 0,
        recipients: delivered,
        smtpResponse: '250 2.0.0 OK (local mailbox)',
        reportingMTA: 'local.smtp-out.amazonses.com',
      },
    });
  }
  for (const recipient of bounced) {
    const suppressed = simulatorOutcome(recipient) === 'suppressionlist';
    events.push({
      type: 'BOUNCE',
      details: {
        bounceType: 'Permanent',
        bounceSubType: suppressed ? 'OnAccountSuppressionList' : 'General',
        bouncedRecipients: [{ emailAddress: recipient, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
        timestamp,
        feedbackId: feedbackId(),
        reportingMTA: 'dns; local.smtp-out.amazonses.com',
      },
    });
  }
  for (const recipient of complained) {
    events.push({
      type: 'COMPLAINT',
      details: {
        complainedRecipients: [{ emailAddress: recipient }],
        timestamp,
        feedbackId: feedbackId(),
        userAgent: 'Amazon SES Mailbox Simulator',
        complaintFeedbackType: 'abuse',
        arrivalDate: timestamp,
      },
    });
  }
  return events;
}

/** The length of `bytes` bytes in base64, as SES measures a message. */
function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}
