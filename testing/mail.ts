import { type MailMessage, type MailPage, READ_API_PATHS, READ_API_PREFIX } from '../clients/read-api-contract.js';
import { listed, poll, TestAppError, type WaitOptions } from './poll.js';
import type { RunningApp } from './start.js';

/** Which message to wait for: one to an address (and with a subject), or a test of each message read. */
export type MailSelector =
  | {
      readonly to: string;
      /** The subject, equal or matching. @default - any subject */
      readonly subject?: string | RegExp;
    }
  | ((message: MailMessage) => boolean);

async function readApi<T>(app: RunningApp, path: string): Promise<T> {
  const response = await fetch(`${app.endpoint}${READ_API_PREFIX}${path}`);
  if (!response.ok) throw new TestAppError(`the read API answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Waits for a message the app sent through SES (the local mailbox: the read API's `/mail`),
 * and resolves with it read: its text, HTML and links (a verification link, a code to type).
 * A message sent before the wait counts.
 */
export async function waitForMail(app: RunningApp, selector: MailSelector, options: WaitOptions = {}): Promise<MailMessage> {
  const address = typeof selector === 'function' ? undefined : selector.to;
  const query = new URLSearchParams({ limit: '1000', ...(address ? { address } : {}) });
  const wanted = (message: MailMessage) => {
    if (typeof selector === 'function') return selector(message);
    const to = message.to.some((recipient) => recipient.toLowerCase() === selector.to.toLowerCase());
    const subject = selector.subject;
    const subjectMatches =
      subject === undefined || (typeof subject === 'string' ? message.subject === subject : subject.test(message.subject ?? ''));
    return to && subjectMatches;
  };
  const check = async () => {
    const page = await readApi<MailPage>(app, `${READ_API_PATHS.mail}?${query}`);
    for (const summary of [...page.messages].reverse()) {
      const message = await readApi<MailMessage>(app, `${READ_API_PATHS.mail}/${encodeURIComponent(summary.id)}`);
      if (wanted(message)) return message;
    }
    return undefined;
  };
  const seen = async () => {
    const page = await readApi<MailPage>(app, `${READ_API_PATHS.mail}?limit=20`);
    return listed(
      page.messages.map((m) => `"${m.subject ?? ''}" to ${m.to.join(', ')}`),
      10,
      'no mail',
    );
  };
  const what =
    typeof selector === 'function'
      ? 'a message the test accepts'
      : `a message to ${selector.to}${selector.subject ? ` with subject ${String(selector.subject)}` : ''}`;
  return poll(check, what, seen, options);
}
