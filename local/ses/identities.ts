import { randomBytes } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import { REGION_NAMES } from '../names/region-names.js';
import { domainOfAddress, parseAddress, SIMULATOR_DOMAIN } from './addresses.js';
import { composeMessage, newMessageId } from './mime.js';
import type { SesContext } from './ses-context.js';
import type { IdentityRow, IdentityType, VerificationStatus } from './ses-store.js';

/** A verification link is good for 24 hours; an identity not verified by then has failed, as on AWS. */
export const VERIFICATION_WINDOW_MS = 24 * 3600_000;
/** Who SES's verification mail comes from. */
export const VERIFICATION_SENDER = 'no-reply-aws@amazon.com';
/** The query action of the link in a verification mail (served unsigned: the link's token is its proof). */
export const CONFIRM_VERIFICATION_ACTION = 'ConfirmVerification';

/**
 * SES's identities and their verification. Identities the app's template declares are
 * verified (their deployment verifies them); a domain created through the API is verified
 * at once (there is no DNS locally to wait for); an email address created through the API
 * is pending until the link of the verification mail SES puts in the local mailbox is
 * followed, and fails after 24 hours, as AWS's does.
 */
export class Identities {
  constructor(private readonly context: SesContext) {}

  /** An identity by name (domains compare without case), with its status as of now. */
  get(name: string): IdentityRow | undefined {
    const row = this.context.store.identity(normalize(name));
    return row === undefined ? undefined : this.#current(row);
  }

  list(type?: IdentityType): IdentityRow[] {
    return this.context.store.identities(type).map((row) => this.#current(row));
  }

  /** The identity that lets mail be sent from (or, in the sandbox, to) an address: the address, its domain or a parent domain, verified. */
  verifiedFor(address: string): IdentityRow | undefined {
    const exact = this.get(address);
    if (exact?.status === 'Success') return exact;
    const labels = domainOfAddress(address).toLowerCase().split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const domain = this.get(labels.slice(i).join('.'));
      if (domain?.status === 'Success') return domain;
    }
    return undefined;
  }

  /** Whether mail to an address is allowed in the sandbox: a verified identity, or the mailbox simulator. */
  mayReceiveInSandbox(address: string): boolean {
    return domainOfAddress(address).toLowerCase() === SIMULATOR_DOMAIN || this.verifiedFor(address) !== undefined;
  }

  /** The identity's ARN as IAM and events name it. */
  arn(name: string): string {
    return `arn:aws:ses:${this.context.region}:${this.context.accountId}:identity/${name}`;
  }

  /** Creates (or, for an address, restarts the verification of) an identity through the API; answers it. */
  async create(name: string, options: { configurationSet?: string } = {}): Promise<IdentityRow> {
    const type = identityType(name);
    if (type === 'EmailAddress') parseAddress(name);
    const now = this.context.clock.now();
    const existing = this.get(name);
    const row: IdentityRow = {
      name: normalize(name),
      type,
      // A domain has no DNS to wait for locally; an address waits for its link.
      status: type === 'Domain' || existing?.status === 'Success' ? 'Success' : 'Pending',
      // A verified identity keeps its token (a domain's TXT record); asking again for an address sends a new link.
      token: existing?.status === 'Success' ? existing.token : randomBytes(24).toString('base64url'),
      createdAt: existing?.status === 'Success' ? existing.createdAt : now,
      origin: existing?.origin ?? 'api',
      ...((options.configurationSet ?? existing?.configurationSet)
        ? { configurationSet: options.configurationSet ?? existing?.configurationSet }
        : {}),
    };
    const mail = row.status === 'Pending' ? await this.#verificationMail(row.name, row.token, now) : undefined;
    this.context.store.transaction(() => {
      this.context.store.putIdentity(row);
      if (mail) this.context.mailbox.add(mail);
    });
    return row;
  }

  /** Declares the template's identity: verified, and kept across restarts like any other. */
  declare(name: string, configurationSet: string | undefined): void {
    const existing = this.context.store.identity(normalize(name));
    this.context.store.putIdentity({
      name: normalize(name),
      type: identityType(name),
      status: 'Success',
      token: existing?.token ?? randomBytes(24).toString('base64url'),
      createdAt: existing?.createdAt ?? this.context.clock.now(),
      origin: 'template',
      ...(configurationSet ? { configurationSet } : {}),
    });
  }

  delete(name: string): boolean {
    return this.context.store.deleteIdentity(normalize(name));
  }

  /**
   * Follows a verification link: the identity is verified when its token matches and the link
   * has not expired. Answers what the page shows.
   */
  confirm(name: string, token: string): { verified: boolean; message: string } {
    const identity = this.get(name);
    if (identity === undefined || identity.token !== token) {
      return { verified: false, message: 'This verification link is not valid: the identity does not exist or was verified again since.' };
    }
    if (identity.status === 'Success') return { verified: true, message: `${identity.name} is already verified.` };
    if (identity.status === 'Failed') {
      return {
        verified: false,
        message: `The verification link of ${identity.name} has expired: ask for a new one (VerifyEmailIdentity).`,
      };
    }
    this.context.store.setIdentityStatus(identity.name, 'Success');
    return {
      verified: true,
      message: `Congratulations! You have successfully verified an email address. You can now start sending email from ${identity.name}.`,
    };
  }

  /** A pending address whose link has expired is `Failed`, as AWS reports it after 24 hours. */
  #current(row: IdentityRow): IdentityRow {
    if (row.status !== 'Pending' || this.context.clock.now() - row.createdAt < VERIFICATION_WINDOW_MS) return row;
    return { ...row, status: 'Failed' satisfies VerificationStatus };
  }

  async #verificationMail(address: string, token: string, now: number) {
    const { region, baseUrl } = this.context;
    const where = REGION_NAMES[region] ?? region;
    const link = `${baseUrl}/?${new URLSearchParams({ Action: CONFIRM_VERIFICATION_ACTION, Identity: address, Token: token })}`;
    const subject = `Amazon Web Services – Email Address Verification Request in region ${where}`;
    const text =
      'Dear Amazon Web Services Customer,\n\n' +
      `We have received a request to authorize this email address for use with Amazon SES in region ${where}. ` +
      'If you requested this verification, please go to the following URL to confirm that you are authorized to use this email address:\n\n' +
      `${link}\n\n` +
      'Your request will not be processed unless you confirm the address using this URL. This link expires 24 hours after your original verification request.\n\n' +
      'If you did NOT request to verify this email address, do not click on the link.\n\n' +
      '(Sent by the Switchyard local runtime: the link verifies the address in the local SES only.)\n';
    const html = `<p>${text
      .split('\n\n')
      .map((paragraph) => (paragraph === link ? `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>` : escapeHtml(paragraph)))
      .join('</p><p>')}</p>`;
    const id = newMessageId(now);
    const raw = await composeMessage(
      { from: VERIFICATION_SENDER, to: [address], cc: [], replyTo: [], subject, text, html },
      id,
      new Date(now),
    );
    return {
      id,
      sentAt: now,
      source: VERIFICATION_SENDER,
      destinations: [address],
      subject,
      operation: 'VerifyEmailIdentity',
      status: 'delivered' as const,
      tags: {},
      raw,
    };
  }
}

/** `Domain` for a name without `@`, `EmailAddress` otherwise. */
export function identityType(name: string): IdentityType {
  return name.includes('@') ? 'EmailAddress' : 'Domain';
}

/** Domains are kept in lower case; an address as given, with its domain in lower case. */
export function normalize(name: string): string {
  const at = name.lastIndexOf('@');
  return at < 0 ? name.toLowerCase() : `${name.slice(0, at)}@${name.slice(at + 1).toLowerCase()}`;
}

/** A domain identity's name must be a domain: SES refuses anything else. */
export function checkDomain(domain: string): void {
  if (!/^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}$/.test(domain)) {
    throw new AwsError('InvalidParameterValue', `Invalid domain name ${domain}.`);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
