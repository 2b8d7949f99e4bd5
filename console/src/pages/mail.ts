import type { MailMessage, MailSummary } from '../../../clients/read-api-contract.js';
import { h, message, replace, time } from '../dom.js';
import { mailbox, mailMessage } from '../feed.js';
import { polledBody } from '../refresh.js';
import { mailHref } from '../routes.js';

/** New mail comes with every send and no feed message says so: the list reads it again this often. */
const REFRESH_MS = 3000;

/**
 * The mail the local SES sent (the read API's `/mail`: AWS keeps no copy of sent mail),
 * newest first; filtered by an address when one is typed. Each message opens on its own page.
 */
export function mailPage(root: HTMLElement, query: URLSearchParams): () => void {
  const address = query.get('address') ?? '';
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading mail…'));
  const filter = h('input', { type: 'search', name: 'address', placeholder: 'from or to…', value: address, 'data-testid': 'mail-filter' });
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const value = (filter as HTMLInputElement).value.trim();
        location.hash = value ? `#/mail?${new URLSearchParams({ address: value })}` : '#/mail';
      },
    },
    filter,
    h('button', { type: 'submit' }, 'Filter'),
  );
  replace(
    root,
    h('h1', {}, 'Mail'),
    h(
      'p',
      { class: 'muted' },
      'The mail the app sent through SES, as the local mailbox keeps it; ',
      h('code', {}, 'switchyard mail'),
      ' shows it too.',
    ),
    form,
    body,
  );
  return polledBody(
    body,
    REFRESH_MS,
    () => mailbox(address ? { address } : {}),
    (messages) => [list(messages, address)],
    (error) => h('p', { class: 'error' }, message(error)),
  );
}

function list(messages: readonly MailSummary[], address: string): HTMLElement {
  if (messages.length === 0)
    return h('p', { class: 'muted', 'data-testid': 'no-mail' }, address ? `No mail from or to ${address}.` : 'No mail yet.');
  return h(
    'table',
    { class: 'queues', 'data-testid': 'mail-list' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Sent', 'From', 'To', 'Subject', 'Status'].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      messages.map((m) =>
        h(
          'tr',
          {},
          h('td', {}, time(new Date(m.sentAt))),
          h('td', {}, m.from),
          h('td', {}, m.to.join(', ')),
          h('td', {}, h('a', { href: mailHref(m.id) }, m.subject || '(no subject)')),
          h('td', { class: m.status === 'delivered' ? '' : 'error' }, m.status === 'delivered' ? 'delivered' : 'not delivered'),
        ),
      ),
    ),
  );
}

/** One message: who and what, its links (openable from here), then its HTML in a sandboxed frame, or its text. */
export function mailMessagePage(root: HTMLElement, id: string): () => void {
  let stopped = false;
  replace(root, h('p', { class: 'muted' }, 'Loading the message…'));
  mailMessage(id).then(
    (m) => {
      if (!stopped) replace(root, renderMessage(m));
    },
    (error: unknown) => {
      if (!stopped) replace(root, h('p', { class: 'error' }, message(error)));
    },
  );
  return () => {
    stopped = true;
  };
}

function renderMessage(m: MailMessage): (Node | false)[] {
  const field = (name: string, value: string) => h('tr', {}, h('th', {}, name), h('td', {}, value));
  return [
    h('p', {}, h('a', { href: '#/mail' }, '← Mail')),
    h('h1', { 'data-testid': 'mail-subject' }, m.subject || '(no subject)'),
    h(
      'table',
      { class: 'mail-headers' },
      field('From', m.from),
      field('To', m.toHeader.join(', ') || '(none)'),
      m.ccHeader.length > 0 && field('Cc', m.ccHeader.join(', ')),
      m.to.length > m.toHeader.length + m.ccHeader.length && field('Sent to', m.to.join(', ')),
      field('Sent', `${time(new Date(m.sentAt))} (${m.operation}${m.configurationSet ? `, configuration set ${m.configurationSet}` : ''})`),
      field('Message id', m.id),
    ),
    m.status === 'rendering-failure' &&
      h('p', { class: 'error', 'data-testid': 'mail-failure' }, `Not delivered: rendering failure: ${m.failure ?? ''}`),
    m.links.length > 0 &&
      h(
        'section',
        { 'data-testid': 'mail-links' },
        h('h2', {}, 'Links'),
        h(
          'ul',
          {},
          m.links.map((link) =>
            h(
              'li',
              {},
              h('a', { href: openable(link.href), target: '_blank', rel: 'noopener noreferrer' }, link.text),
              ' ',
              h('span', { class: 'muted' }, link.href),
            ),
          ),
        ),
      ),
    m.html !== undefined
      ? h('iframe', {
          class: 'mail-body',
          title: 'the message',
          'data-testid': 'mail-html',
          // No scripts, no forms, an origin of its own (so it can reach nothing of the runtime's); its links open in new tabs.
          sandbox: 'allow-popups allow-popups-to-escape-sandbox',
          referrerpolicy: 'no-referrer',
          srcdoc: `<base target="_blank">${m.html}`,
        })
      : h('pre', { class: 'mail-text', 'data-testid': 'mail-text' }, m.text ?? ''),
    m.attachments.length > 0 &&
      h(
        'p',
        { class: 'muted' },
        `Attachments: ${m.attachments.map((a) => `${a.filename ?? '(unnamed)'} (${a.mimeType}, ${a.size} bytes)`).join(', ')}`,
      ),
    h(
      'p',
      {},
      h(
        'a',
        { href: `/_switchyard/v1/mail/${encodeURIComponent(m.id)}/raw`, target: '_blank', rel: 'noopener' },
        'The MIME message as sent',
      ),
    ),
  ];
}

/**
 * A link as this page opens it: one to the local runtime's own endpoint (SES's verification
 * link) on the origin this console was opened from, so that the browser sends it as this
 * site's own request (the endpoint refuses what other sites' pages send); others as they are.
 */
function openable(href: string): string {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return href;
  }
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.hostname.endsWith('.localhost');
  return local && url.port === location.port ? `${location.origin}${url.pathname}${url.search}` : href;
}
