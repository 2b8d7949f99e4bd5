import type { ServerResponse } from 'node:http';
import { type MailMessage, type MailPage, type MailSummary, READ_API_PATHS, READ_API_PREFIX } from '../../clients/read-api-contract.js';
import { isSequence, only, pageOf, ReadApiFailure, type ServiceReads, sendJson } from '../read-api/routes.js';

/** The local SES's mailbox, as the read API reads it. */
export interface MailSource {
  list(query: { limit: number; before?: number; address?: string }): { readonly messages: readonly MailSummary[]; readonly last?: number };
  message(id: string): Promise<MailMessage | undefined>;
  raw(id: string): Buffer | undefined;
}

/**
 * What SES adds to the read API: its mailbox (AWS keeps no copy of sent mail): `/mail`, one
 * message (`/mail/<id>`), or its MIME message as sent (`/mail/<id>/raw`).
 */
export function mailReads(mail: MailSource): ServiceReads {
  const list = READ_API_PATHS.mail;
  return {
    routes: [
      {
        path: list,
        matches: (path) => path === list || path.startsWith(`${list}/`),
        handle: ({ path, query, res }) => mailRoute(mail, path, query, res),
      },
    ],
  };
}

/** The mailbox (`/mail`), one message (`/mail/<id>`), or its MIME message (`/mail/<id>/raw`). */
async function mailRoute(mail: MailSource, path: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const list = READ_API_PATHS.mail;
  if (path === list) {
    only(query, ['address', 'limit', 'nextToken']);
    const filters = query.has('address') ? { address: query.get('address') ?? '' } : {};
    const page = pageOf(query, list, filters, isSequence);
    const found = mail.list({ ...filters, ...page.from('before') });
    const answer: MailPage = { messages: found.messages, ...page.next(found.last) };
    return sendJson(res, 200, answer);
  }
  only(query, []);
  const [encoded = '', part, ...rest] = path.slice(list.length + 1).split('/');
  let id: string;
  try {
    id = decodeURIComponent(encoded);
  } catch {
    throw new ReadApiFailure(400, 'InvalidParameter', 'the message id in the path has a malformed percent-encoding');
  }
  if (rest.length > 0 || (part !== undefined && part !== 'raw')) {
    throw new ReadApiFailure(
      404,
      'NotFound',
      `the read API has no ${READ_API_PREFIX}${path}; it serves ${READ_API_PREFIX}${list}/<id> and ${READ_API_PREFIX}${list}/<id>/raw`,
    );
  }
  if (part === 'raw') {
    const raw = mail.raw(id);
    if (raw === undefined) throw new ReadApiFailure(404, 'NotFound', `no mail ${id}`);
    res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': raw.length, 'cache-control': 'no-store' });
    res.end(res.req?.method === 'HEAD' ? undefined : raw);
    return;
  }
  const message = await mail.message(id);
  if (message === undefined) throw new ReadApiFailure(404, 'NotFound', `no mail ${id}`);
  sendJson(res, 200, message);
}
