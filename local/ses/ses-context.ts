import type { Clock } from '../time/clock.js';
import type { EventPublisher } from './event-publishing.js';
import type { Mailbox } from './mailbox.js';
import type { SesStore } from './ses-store.js';

/** Whether the account is in SES's sandbox, and what follows: the sending quota and rate, and who may receive mail. */
export interface SandboxSetting {
  /** In the sandbox (every new AWS account is), mail may go only to verified identities and the mailbox simulator. */
  readonly sandbox: boolean;
}

/** The quota an account has: 200 a day at 1 a second in the sandbox; out of it, the quota this runtime gives (AWS's starting one). */
export function sendQuota(setting: SandboxSetting): { readonly max24HourSend: number; readonly maxSendRate: number } {
  return setting.sandbox ? { max24HourSend: 200, maxSendRate: 1 } : { max24HourSend: 50_000, maxSendRate: 14 };
}

/** What every part of the local SES shares. */
export interface SesContext {
  readonly store: SesStore;
  readonly mailbox: Mailbox;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  /** The endpoint's base URL: verification links point at it. */
  readonly baseUrl: string;
  readonly setting: SandboxSetting;
  readonly log: (line: string) => void;
}

/** `arn:aws:ses:<region>:<account>:<resource>`. */
export function sesArn(context: Pick<SesContext, 'region' | 'accountId'>, resource: string): string {
  return `arn:aws:ses:${context.region}:${context.accountId}:${resource}`;
}
