import { randomUUID } from 'node:crypto';
import { DurableOutbox, nextRetry, type OutboxOutcome, OutboxOwner } from '../store/outbox.js';
import type { TargetDispatcher } from '../targets/dispatcher.js';
import type { Clock } from '../time/clock.js';
import type { EventDestinationDefinition } from './definitions.js';
import { EVENT_TYPES, type EventType } from './ses-events.js';
import type { SesStore } from './ses-store.js';

/** The subject SES publishes its event notifications to a topic with. */
const SNS_SUBJECT = 'Amazon SES Email Event Notification';
/** What SES publishes to an SNS topic when an event destination is created with it. */
export const SNS_TEST_MESSAGE = 'Successfully validated SNS topic for Amazon SES event publishing.';
/** SES publishes events on a best-effort basis: an undeliverable one is retried for a day, then dropped (and logged). */
const RETRY = { maximumRetryAttempts: 185, maximumEventAgeMs: 24 * 3600_000 };

/** The `mail` object of every event of a message, as SES publishes it. */
export interface MailObject {
  readonly timestamp: string;
  readonly source: string;
  readonly sourceArn: string;
  readonly sendingAccountId: string;
  readonly messageId: string;
  readonly destination: readonly string[];
  readonly headersTruncated: boolean;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly commonHeaders: Readonly<Record<string, unknown>>;
  readonly tags: Readonly<Record<string, readonly string[]>>;
}

/** One event of a message: its type and the object SES puts beside `mail` (`delivery`, `bounce`, `failure`, ...). */
export interface MessageEvent {
  readonly type: EventType;
  readonly details: Readonly<Record<string, unknown>>;
}

interface EventDeliveryRow {
  readonly id: number;
  readonly first_at: number;
  readonly attempts: number;
  readonly target: string;
  readonly body: string;
  readonly label: string | null;
  readonly resources: string | null;
}

/**
 * Publishes SES's email sending events to a configuration set's event destinations: an SNS
 * topic gets a notification (`Amazon SES Email Event Notification`), an event bus an
 * `aws.ses` event. Each event is written to the `event_deliveries` table in the transaction
 * that accepts the message (a DurableOutbox on it delivers through the runtime's one
 * dispatcher), so an event of an accepted message is published even after a crash.
 */
export class EventPublisher extends OutboxOwner<EventDeliveryRow> {
  protected readonly outbox: DurableOutbox<EventDeliveryRow>;

  constructor(
    private readonly options: {
      readonly store: SesStore;
      readonly clock: Clock;
      readonly region: string;
      readonly accountId: string;
      readonly dispatcher: Pick<TargetDispatcher, 'send'>;
      readonly log: (line: string) => void;
    },
  ) {
    super();
    this.outbox = new DurableOutbox<EventDeliveryRow>({
      db: options.store.db,
      clock: options.clock,
      table: { name: 'event_deliveries', id: 'id', dueAt: 'next_at' },
      handle: (row) => this.#deliver(row),
      concurrency: 8,
      maxSleepMs: 1000,
      onError: (error) => options.log(error.message),
    });
  }

  /**
   * Writes the events of a message for every enabled destination of its configuration set
   * that matches their type; call it inside the transaction that accepts the message.
   */
  publish(configurationSet: string | undefined, mail: MailObject, events: readonly MessageEvent[]): void {
    if (configurationSet === undefined) return;
    const destinations = this.options.store.eventDestinations(configurationSet).filter((d) => d.enabled);
    for (const event of events) {
      const names = EVENT_TYPES[event.type];
      const body = { eventType: names.eventType, mail, [names.key]: event.details };
      for (const destination of destinations.filter((d) => d.eventTypes.includes(event.type))) {
        this.#enqueue(destination, configurationSet, names.detailType, body);
      }
    }
  }

  /** The message SES publishes to a topic when an SNS destination is created. */
  testTopic(topicArn: string): void {
    this.#write({ target: topicArn, body: SNS_TEST_MESSAGE, label: null, resources: null });
  }

  #enqueue(destination: EventDestinationDefinition, configurationSet: string, detailType: string, body: object): void {
    const text = JSON.stringify(body);
    if (destination.snsTopicArn !== undefined)
      this.#write({ target: destination.snsTopicArn, body: text, label: SNS_SUBJECT, resources: null });
    if (destination.eventBusArn !== undefined) {
      const setArn = `arn:aws:ses:${this.options.region}:${this.options.accountId}:configuration-set/${configurationSet}`;
      this.#write({ target: destination.eventBusArn, body: text, label: detailType, resources: JSON.stringify([setArn]) });
    }
  }

  #write(row: { target: string; body: string; label: string | null; resources: string | null }): void {
    const now = this.options.clock.now();
    this.outbox.enqueue({ ...row, first_at: now, next_at: now, attempts: 0 });
  }

  async #deliver(row: EventDeliveryRow): Promise<OutboxOutcome> {
    const bus = row.target.split(':')[2] === 'events';
    try {
      if (bus) {
        const serviceEvent = {
          source: 'aws.ses',
          'detail-type': row.label ?? 'Email Sent',
          resources: JSON.parse(row.resources ?? '[]') as string[],
          detail: JSON.parse(row.body) as unknown,
        };
        await this.options.dispatcher.send(row.target, { body: row.body, events: { serviceEvent } });
      } else {
        await this.options.dispatcher.send(row.target, { body: row.body, ...(row.label === null ? {} : { sns: { Subject: row.label } }) });
      }
      return { kind: 'done' };
    } catch (error) {
      const now = this.options.clock.now();
      const next = nextRetry(RETRY, { failures: row.attempts + 1, firstAt: row.first_at, now });
      const reason = (error as Error).message;
      if ('exhausted' in next) {
        this.options.log(`event to ${row.target} dropped after ${row.attempts + 1} attempts (${next.exhausted}): ${reason}`);
        return { kind: 'done' };
      }
      this.options.log(`event to ${row.target} not published yet (${reason}); retrying`);
      return { kind: 'retry', at: next.at, set: { attempts: row.attempts + 1 } };
    }
  }
}

/** A feedback id as SES writes one. */
export function feedbackId(): string {
  return `0100${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
}
