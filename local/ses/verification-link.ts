import type { RawResponse } from '../endpoint/protocols.js';
import type { Identities } from './identities.js';
import { CONFIRM_VERIFICATION_ACTION } from './identities.js';

/**
 * The link of SES's verification mail (`/?Action=ConfirmVerification&Identity=...&Token=...`):
 * a GET a person follows from the mail, served unsigned (the guard lets this action through:
 * the token is its proof), answered with a page saying what happened, as AWS's link is. It has
 * no error document of its own: the endpoint's errors for other unsigned query requests stay
 * theirs.
 */
export class VerificationLink {
  constructor(private readonly identities: Identities) {}

  handles(action: string): boolean {
    return action === CONFIRM_VERIFICATION_ACTION;
  }

  /** The link is opened by whoever reads the mail, unsigned, as on AWS: it confirms a token and calls no operation IAM authorizes. */
  authorizeWith(): void {}

  async handle(form: URLSearchParams): Promise<RawResponse> {
    const identity = form.get('Identity') ?? '';
    const token = form.get('Token') ?? '';
    const { verified, message } = this.identities.confirm(identity, token);
    return page(verified ? 200 : 400, verified ? 'Email address verified' : 'Verification failed', message);
  }
}

function page(status: number, title: string, message: string): RawResponse {
  const escaped = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" },
    body:
      `<!doctype html><html><head><meta charset="utf-8"><title>${escaped(title)}</title></head>` +
      `<body style="font-family: sans-serif; margin: 3em"><h1>${escaped(title)}</h1><p>${escaped(message)}</p>` +
      '<p><small>Amazon SES in the Switchyard local runtime</small></p></body></html>',
  };
}
