import type * as eventsv2 from 'aws-cdk-lib/aws-eventsv2';
import { Token } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import type { AnyEventContract } from '../../contracts/index.js';
import { invalidProp } from './validation.js';

/**
 * The part of an event a filter reads: `DATA` (for PutEvents the EventBridge envelope, with
 * the detail under `detail`; for PutRawEvents the payload), `METADATA` (the publisher's
 * PutRawEvents metadata: exact values only) or `SYSTEM_METADATA` (what EventBridge sets)
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-filtering.html).
 */
export type SubscriberFilterScope = 'DATA' | 'METADATA' | 'SYSTEM_METADATA';

/** One filter of a subscriber: an EventBridge event pattern on one scope of the event. Every filter must match. */
export interface SubscriberFilter {
  /** The part of the event the pattern reads. */
  readonly scope: SubscriberFilterScope;
  /** The event pattern, as an object (written to the template as JSON). */
  readonly pattern: Readonly<Record<string, unknown>>;
}

/** Where a subscriber starts reading the bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-replay.html). */
export abstract class SubscriberStartingPosition {
  /** Only events published after the subscriber exists. */
  static latest(): SubscriberStartingPosition {
    return new (class extends SubscriberStartingPosition {
      render() {
        return { startingPosition: 'LATEST' };
      }
    })();
  }

  /** From the oldest event the bus still keeps (its retention window), up to `endAt` if given. */
  static horizon(endAt?: Date): SubscriberStartingPosition {
    return new (class extends SubscriberStartingPosition {
      render(subscriber: IConstruct) {
        return pointInTime({ pointType: 'HORIZON', endPoint: epochSeconds(subscriber, 'startingPosition endAt', endAt) });
      }
    })();
  }

  /** From `start` (inside the bus's retention window when the subscriber is created), up to `endAt` if given. */
  static timestamp(start: Date, endAt?: Date): SubscriberStartingPosition {
    return new (class extends SubscriberStartingPosition {
      render(subscriber: IConstruct) {
        const startingPoint = epochSeconds(subscriber, 'startingPosition start', start);
        const endPoint = epochSeconds(subscriber, 'startingPosition endAt', endAt);
        if (startingPoint !== undefined && endPoint !== undefined && endPoint <= startingPoint) {
          invalidProp(
            subscriber,
            `startingPosition endAt must be after its start (got start ${start.toISOString()}, endAt ${endAt?.toISOString()})`,
          );
        }
        return pointInTime({ pointType: 'TIMESTAMP', startingPoint, endPoint });
      }
    })();
  }

  /** The template's StartingPosition and PointInTimeConfiguration. */
  abstract render(subscriber: IConstruct): {
    startingPosition: string;
    pointInTimeConfiguration?: eventsv2.CfnSubscriber.PointInTimeConfigurationProperty;
  };
}

function pointInTime(configuration: eventsv2.CfnSubscriber.PointInTimeConfigurationProperty) {
  return { startingPosition: 'POINT_IN_TIME', pointInTimeConfiguration: configuration };
}

/** A date as the template takes it: whole seconds since the epoch. */
function epochSeconds(subscriber: IConstruct, prop: string, date: Date | undefined): number | undefined {
  if (date === undefined) return undefined;
  const time = date.getTime();
  if (Number.isNaN(time)) invalidProp(subscriber, `${prop} must be a valid date (got an invalid Date)`);
  return Math.floor(time / 1000);
}

/** The JSONata expression's form, as the API's model checks it: `{% ... %}`, at most 8192 characters. */
const JSONATA = /^\{%[\s\S]+?%\}$/;

/**
 * What a subscriber delivers of each event: the data (RAW), the data with its metadata
 * envelope (WITH_METADATA: `Data`, `Metadata`, `SystemMetadata`), or a JSONata expression's
 * output (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-transform.html).
 */
export abstract class SubscriberTransformer {
  /** The event's data alone. */
  static raw(): SubscriberTransformer {
    return new (class extends SubscriberTransformer {
      render() {
        return { type: 'RAW' };
      }
    })();
  }

  /** The event's data with its metadata and system metadata (`aws:EventId` among them). */
  static withMetadata(): SubscriberTransformer {
    return new (class extends SubscriberTransformer {
      render() {
        return { type: 'WITH_METADATA' };
      }
    })();
  }

  /** A JSONata expression's output, the expression enclosed in `{% %}` (at most 8192 characters). */
  static jsonata(expression: string): SubscriberTransformer {
    return new (class extends SubscriberTransformer {
      render(subscriber: IConstruct) {
        if (!Token.isUnresolved(expression) && (expression.length > 8192 || !JSONATA.test(expression))) {
          invalidProp(
            subscriber,
            `transformer's JSONata expression must be enclosed in {% %} and at most 8192 characters (got ${JSON.stringify(expression.length > 80 ? `${expression.slice(0, 80)}...` : expression)})`,
          );
        }
        return { type: 'JSONATA', jsonataConfiguration: { expression } };
      }
    })();
  }

  /** The template's Transformer. */
  abstract render(subscriber: IConstruct): eventsv2.CfnSubscriber.TransformerProperty;
}

/** A subscriber takes 1 to 50 filters, each pattern at most 4096 characters (the API's model). */
const MAX_FILTERS = 50;
const MAX_PATTERN_CHARS = 4096;

/**
 * The DATA pattern matching the events of `contracts` as the kit's PutEvents publishes them:
 * each contract's `source` with its `detail-type` (a PutEvents event's data is the EventBridge
 * envelope). One source lists its detail-types; several are an `$or` of one per source, so
 * that no source matches another source's detail-type.
 */
export function contractsPattern(contracts: readonly AnyEventContract[]): Record<string, unknown> {
  const bySource = new Map<string, string[]>();
  for (const { source, detailType } of contracts) {
    const types = bySource.get(source) ?? [];
    if (!types.includes(detailType)) types.push(detailType);
    bySource.set(source, types);
  }
  const patterns = [...bySource].map(([source, types]) => ({ source: [source], 'detail-type': types }));
  return patterns.length === 1 ? (patterns[0] as Record<string, unknown>) : { $or: patterns };
}

/**
 * The subscriber's filters, checked: at most 50, each pattern a non-empty object of at most
 * 4096 characters, no `wildcard` (subscriber filters do not support it), and METADATA patterns
 * of exact values only, as AWS's guide says of each scope.
 */
export function renderFilters(
  subscriber: IConstruct,
  filters: readonly SubscriberFilter[],
): eventsv2.CfnSubscriber.FilterProperty[] | undefined {
  if (filters.length === 0) return undefined;
  if (filters.length > MAX_FILTERS)
    invalidProp(subscriber, `filters must be at most ${MAX_FILTERS}, contracts' included (got ${filters.length})`);
  return filters.map(({ scope, pattern }, i) => {
    const where = `filters[${i}] (${scope})`;
    if (!['DATA', 'METADATA', 'SYSTEM_METADATA'].includes(scope)) {
      invalidProp(subscriber, `filters[${i}].scope must be DATA, METADATA or SYSTEM_METADATA (got ${JSON.stringify(scope)})`);
    }
    if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern) || Object.keys(pattern).length === 0) {
      invalidProp(subscriber, `${where} pattern must be a non-empty object (got ${JSON.stringify(pattern)})`);
    }
    if (usesWildcard(pattern)) invalidProp(subscriber, `${where} pattern uses wildcard, which subscriber filters do not support`);
    if (scope === 'METADATA') checkExactValues(subscriber, where, pattern);
    const text = JSON.stringify(pattern);
    if (text.length > MAX_PATTERN_CHARS) {
      invalidProp(subscriber, `${where} pattern must be at most ${MAX_PATTERN_CHARS} characters as JSON (got ${text.length})`);
    }
    return { scope, pattern: text };
  });
}

function usesWildcard(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesWildcard);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, inner]) => key === 'wildcard' || usesWildcard(inner));
}

/** METADATA matches exact values only: each key an array of strings, numbers or booleans (no operators, no `$or`). */
function checkExactValues(subscriber: IConstruct, where: string, pattern: Readonly<Record<string, unknown>>): void {
  for (const [key, values] of Object.entries(pattern)) {
    const exact = Array.isArray(values) && values.length > 0 && values.every((v) => ['string', 'number', 'boolean'].includes(typeof v));
    if (key === '$or' || !exact) {
      invalidProp(
        subscriber,
        `${where} pattern must list exact values for each metadata key, such as { "tenant": ["acme"] }: METADATA takes no operators or $or (got ${JSON.stringify({ [key]: values })})`,
      );
    }
  }
}

/** A bus's or subscriber's description, as the API's model takes it: at most 512 characters, no control characters or line separators. */
export function checkDescription(subject: IConstruct, description: string | undefined): void {
  if (description === undefined || Token.isUnresolved(description)) return;
  const control = [...description].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
  });
  if (description.length > 512 || control) {
    invalidProp(
      subject,
      `description must be at most 512 characters without control characters or line separators (got ${JSON.stringify(description.length > 80 ? `${description.slice(0, 80)}...` : description)})`,
    );
  }
}
