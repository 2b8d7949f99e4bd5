import { randomBytes } from 'node:crypto';
import { type EnvelopeContext, messageFor, notificationEnvelope, unsubscribeUrl } from './envelope.js';
import type { Notification } from './message.js';
import type { SnsContext } from './sns-context.js';
import { SnsError } from './sns-errors.js';
import type { SubscriptionRecord } from './sns-store.js';

/** The protocols whose endpoint is an email address: delivered to the local mailbox once confirmed. */
export const EMAIL_PROTOCOLS: ReadonlySet<string> = new Set(['email', 'email-json']);

/** Who SNS's mail comes from: the topic's DisplayName, else `AWS Notifications`, at this address. */
export const SNS_SENDER = 'no-reply@sns.amazonaws.com';
export const CONFIRMATION_SUBJECT = 'AWS Notification - Subscription Confirmation';
/** A notification's subject when the publish gave none. */
export const DEFAULT_SUBJECT = 'AWS Notification Message';

/** A message for the local mailbox (SES's), as local/ses/mailbox.ts composes it. */
export interface SnsMail {
  readonly from: string;
  readonly source: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly operation: string;
  readonly sentAt: number;
}

/** The local mailbox as SNS uses it: resolves with the mail's id. */
export type SnsMailbox = (mail: SnsMail) => Promise<string>;

/**
 * Email and email-json subscriptions, as AWS treats them: a new one is pending, and SNS mails
 * its endpoint a confirmation whose link (the SubscribeURL, ConfirmSubscription with the
 * subscription's token) confirms it; only then do notifications reach it. The token is kept
 * with the subscription in the data folder, so a template's subscription is mailed once, not
 * at each start, and a mail a crash kept from going out goes at the next start.
 */
export class EmailSubscriptions {
  constructor(
    private readonly context: SnsContext,
    private readonly mailbox: SnsMailbox | undefined,
    private readonly baseUrl: string,
  ) {}

  /** Whether there is a mailbox to deliver to (the runtime's SES); without one, email subscriptions receive nothing. */
  get mailing(): boolean {
    return this.mailbox !== undefined;
  }

  /** Gives a new email subscription its token (inside the transaction that stores it); `mailPending` then sends its mail. */
  request(subscription: SubscriptionRecord): void {
    if (!EMAIL_PROTOCOLS.has(subscription.protocol)) return;
    this.context.store.addConfirmation(subscription.arn, randomBytes(32).toString('hex'));
  }

  /** Has a pending subscription's confirmation mailed again (its token stays), by the next `mailPending`. */
  remail(subscription: SubscriptionRecord): void {
    if (EMAIL_PROTOCOLS.has(subscription.protocol)) this.context.store.setMailed(subscription.arn, false);
  }

  /**
   * Mails every confirmation not mailed yet (a mail that fails is logged and tried again at the
   * next start) and says so; at a start, says too which subscriptions are still pending.
   */
  async mailPending(atStart = false): Promise<void> {
    const { store, options } = this.context;
    for (const confirmation of store.pendingConfirmations()) {
      const subscription = store.subscription(confirmation.subscriptionArn);
      if (!subscription) continue;
      const pending = `subscription ${subscription.arn} (${subscription.protocol} ${subscription.endpoint}) is pending confirmation: follow the link of its confirmation mail (switchyard mail) to receive the topic's messages there`;
      if (confirmation.mailed) {
        if (atStart) options.log?.(pending);
        continue;
      }
      if (!this.mailbox) {
        options.log?.(
          `subscription ${subscription.arn} (${subscription.endpoint}) is pending: no local mailbox to send its confirmation to`,
        );
        continue;
      }
      const link = this.confirmUrl(subscription.topicArn, confirmation.token);
      try {
        await this.mailbox({
          from: this.#from(subscription.topicArn),
          source: SNS_SENDER,
          to: subscription.endpoint,
          subject: CONFIRMATION_SUBJECT,
          text: confirmationText(subscription.topicArn, link),
          operation: 'sns:SubscriptionConfirmation',
          sentAt: options.clock.now(),
        });
      } catch (error) {
        options.log?.(`the confirmation mail of ${subscription.arn} could not be put in the local mailbox: ${(error as Error).message}`);
        continue;
      }
      store.setMailed(subscription.arn, true);
      options.log?.(pending);
    }
  }

  /** ConfirmSubscription: the subscription whose token it is, on that topic, confirmed (again: a link followed twice confirms). */
  confirm(topicArn: string, token: string | undefined): string {
    const { store, options } = this.context;
    const confirmation = token ? store.confirmationByToken(token) : undefined;
    const subscription = confirmation && store.subscription(confirmation.subscriptionArn);
    if (!subscription || subscription.topicArn !== topicArn) throw new SnsError('InvalidParameter', 'Invalid token');
    store.confirm(subscription.arn, options.clock.now());
    return subscription.arn;
  }

  /** The link of the confirmation mail (the SubscribeURL): ConfirmSubscription on the local endpoint, served unsigned. */
  confirmUrl(topicArn: string, token: string): string {
    return `${this.baseUrl.replace(/\/+$/, '')}/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${token}`;
  }

  /** Puts a notification in the mailbox as the subscription's protocol receives it; resolves with the mail's id. */
  async deliver(subscription: SubscriptionRecord, notification: Notification, context: EnvelopeContext): Promise<string> {
    const mailbox = this.mailbox;
    if (!mailbox) throw new SnsError('InternalError', 'no local mailbox');
    const json = subscription.protocol === 'email-json';
    const text = json
      ? JSON.stringify(notificationEnvelope(notification, subscription.arn, subscription.protocol, context))
      : `${messageFor(notification, subscription.protocol)}\n\n${footer(unsubscribeUrl(subscription.arn, context))}`;
    return mailbox({
      from: this.#from(subscription.topicArn),
      source: SNS_SENDER,
      to: subscription.endpoint,
      subject: notification.subject ?? DEFAULT_SUBJECT,
      text,
      operation: 'sns:Publish',
      sentAt: this.context.options.clock.now(),
    });
  }

  /** SNS names its mail by the topic's DisplayName, when it has one. */
  #from(topicArn: string): string {
    const name = this.context.store.topic(topicArn)?.attributes.DisplayName || 'AWS Notifications';
    return `"${name.replace(/["\\]/g, '')}" <${SNS_SENDER}>`;
  }
}

function confirmationText(topicArn: string, link: string): string {
  return (
    `You have chosen to subscribe to the topic:\n${topicArn}\n\n` +
    `To confirm this subscription, click or visit the link below (If this was in error no action is necessary):\n${link}\n\n` +
    '(Sent by the Switchyard local runtime: the link confirms the subscription in the local SNS only.)\n'
  );
}

function footer(unsubscribe: string): string {
  return (
    '--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n' +
    `${unsubscribe}\n\n` +
    'Please do not reply directly to this email. If you have any questions or comments regarding this email, please contact us at https://aws.amazon.com/support\n'
  );
}
