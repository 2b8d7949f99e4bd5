import type { MailMessage, MailSummary } from '../../clients/read-api-contract.js';
import type { Mailbox, MailRecord } from './mailbox.js';
import { linksOf, parseMessage } from './mime.js';

/** The mailbox as the read API shows it (clients/read-api-contract.ts): summaries, and one message read. */
export class MailView {
  constructor(private readonly mailbox: Mailbox) {}

  list(query: { limit: number; before?: number; address?: string }): { messages: MailSummary[]; last?: number } {
    const { messages, last } = this.mailbox.list(query);
    return { messages: messages.map(summary), ...(last === undefined ? {} : { last }) };
  }

  async message(id: string): Promise<MailMessage | undefined> {
    const found = this.mailbox.get(id);
    if (found === undefined) return undefined;
    const parsed = await parseMessage(found.raw);
    return {
      ...summary(found.record),
      headers: parsed.headers,
      toHeader: parsed.to,
      ccHeader: parsed.cc,
      ...(parsed.text === undefined ? {} : { text: parsed.text }),
      ...(parsed.html === undefined ? {} : { html: parsed.html }),
      attachments: parsed.attachments,
      links: linksOf(parsed),
    };
  }
}

function summary(record: MailRecord): MailSummary {
  return {
    id: record.id,
    sentAt: new Date(record.sentAt).toISOString(),
    from: record.source,
    to: record.destinations,
    ...(record.subject === undefined ? {} : { subject: record.subject }),
    operation: record.operation,
    ...(record.configurationSet === undefined ? {} : { configurationSet: record.configurationSet }),
    status: record.status,
    ...(record.failure === undefined ? {} : { failure: record.failure }),
    tags: record.tags,
    size: record.size,
  };
}
