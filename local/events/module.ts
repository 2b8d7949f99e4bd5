import type { BusEventRecord } from '../../clients/read-api-contract.js';
import { ruleMatchSegment, segmentOf } from '../endpoint/trace-header.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { resourceNameIn } from '../names/arn.js';
import type { ReadRecorder } from '../read-api/read-api.js';
import type { ReadRecording } from '../read-api/read-notes.js';
import { scheduleLine } from '../service-registry/report-lines.js';
import type { ServiceLookup, ServiceModule } from '../service-registry/service-module.js';
import { ApiDestinationCaller } from './api-destination-call.js';
import { type ApiDestinations, ApiDestinationTargets, apiDestinationTargetWarnings } from './api-destination-target.js';
import { apiDestinationEndpointWarnings, apiDestinations } from './api-destinations.js';
import type { TemplateBusPolicy } from './bus-settings.js';
import {
  type ArchiveDefinition,
  type BusDefinition,
  type EventSchemaDefinition,
  eventDefinitions,
  type RuleDefinition,
  ruleTargetsOutsideApp,
  templateBusPolicies,
} from './definitions.js';
import { type AcceptedEventNote, EVENTS_OPERATIONS, EventsService, type EventsServiceOptions } from './events-service.js';
import { eventsIam } from './iam-authorizations.js';
import { EVENTS_RESOURCE_POLICIES } from './resource-policies.js';
import { EVENTS_TYPE_SPECS } from './resource-types.js';
import { LocalTargetDelivery } from './rule-targets.js';
import { rulesMatchingElsewhere } from './rules-elsewhere.js';
import { eventsStepFunctions } from './step-functions.js';
import type { DeliveryNote } from './target-outbox.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    events: EventsService;
  }
}

/** Its notes to the read API (local/read-api/read-notes.ts). */
declare module '../read-api/read-notes.js' {
  interface ReadNotes {
    /** A bus accepted an event (or a replay sent one): told inside the bus's transaction on the events database, so the record commits with the acceptance or not at all. */
    eventRecorded: AcceptedEventNote;
    /** A bus committed an event it accepted: the live feed hears of it. */
    eventAccepted: AcceptedEventNote;
    /** A delivery to a rule target ended or will be retried. */
    delivery: DeliveryNote;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    events: 'events';
  }
}

declare module '../service-registry/service-definitions.js' {
  interface ServiceDefinitions {
    readonly buses: readonly BusDefinition[];
    readonly rules: readonly RuleDefinition[];
    readonly archives: readonly ArchiveDefinition[];
    /** The event schemas the app publishes (its contracts): the start-up report's example event is built from them. */
    readonly eventSchemas?: readonly EventSchemaDefinition[];
  }
}

/** EventBridge: the template's buses, rules and archives; rule targets are delivered to the local services. */
export const eventsModule: ServiceModule<'events', { busPolicies: TemplateBusPolicy[]; apiDestinations: ApiDestinations }> = {
  name: 'events',
  iam: eventsIam,
  stepFunctions: eventsStepFunctions,
  apis: [
    {
      model: 'events',
      operations: EVENTS_OPERATIONS,
    },
  ],
  sdkClients: [
    { package: '@aws-sdk/client-eventbridge', serviceId: 'EventBridge' },
    { package: '@aws-sdk/client-cloudwatch-events', serviceId: 'CloudWatch Events' },
  ],
  needs: ['template', 'iam', 'readApi', 'traces', 'sqs', 'sns', 'lambda', 'logs', 'kinesis'],
  databases: ['events'],
  resourceTypes: EVENTS_TYPE_SPECS,
  resourcePolicies: EVENTS_RESOURCE_POLICIES,
  // Rules take their new pattern and targets from the next event on (bus policies are IAM's to reload).
  reloads: { types: ['AWS::Events::EventBus', 'AWS::Events::Rule'] },
  shares: (byType) => {
    const { schemas, ...events } = eventDefinitions(byType);
    return { ...events, eventSchemas: schemas };
  },
  // The buses' policy statements: the other definitions are shared with the services that read them (service-definitions.ts).
  // Rule targets that are API destinations are called through their connections (api-destination-target.ts).
  definitions: (app, settings) => {
    const destinations = apiDestinations(app);
    return {
      ...templateBusPolicies(app),
      apiDestinations: destinations,
      warnings: [
        ...apiDestinationEndpointWarnings(app),
        ...apiDestinationTargetWarnings(app, destinations),
        ...ruleTargetsOutsideApp(app),
        ...rulesMatchingElsewhere(app, settings),
      ],
    };
  },
  records: eventRecords,
  create({ settings, database, services }, { busPolicies, apiDestinations: destinations }) {
    const { clock, accountId, region, log, options } = settings;
    const { definitions } = services.get('template');
    const delivery = new LocalTargetDelivery({
      sqs: services.get('sqs'),
      sns: services.get('sns'),
      lambda: services.get('lambda'),
      // Step Functions starts executions that put events, so it is created after EventBridge: looked up when a target is delivered, as the bus is.
      states: { StartExecution: (input) => services.get('states').StartExecution(input) },
      forwardToBus: (busArn, event) => services.get('events').forward(busArn, event),
      // A Custom Event Bus (AWS::EventsV2) needs EventBridge, so it is created after it: looked up when a target is delivered.
      customBuses: { forward: (busArn, events) => services.get('eventbridgev2').forward(busArn, events) },
      logs: {
        // Committed before the delivery counts as done, so a kill right after loses no log event.
        write: (group, stream, events) => {
          const logs = services.get('logs');
          logs.write(group, stream, events);
          logs.flush();
        },
      },
      // Looked up when a target is delivered, as Step Functions is.
      kinesis: { PutRecord: (input) => services.get('kinesis').api.PutRecord(input) },
      // Firehose writes its objects to S3, which puts events here, so it is created after EventBridge: looked up when a target is delivered.
      firehose: { PutRecord: (input) => services.get('firehose').PutRecord(input) },
      log: (line) => log(`[events] ${line}`),
      apiDestinations: new ApiDestinationTargets(destinations, new ApiDestinationCaller(clock)),
      // EventBridge sends as itself (the target's resource policy must allow it), or as the target's role when it has one.
      authorize: async (target, ruleArn) => {
        const from = target.roleArn
          ? ({ kind: 'role', roleArn: target.roleArn, sessionName: `events-${target.id}` } as const)
          : ({ kind: 'service', service: 'events.amazonaws.com' } as const);
        const refusal = await services
          .get('iam')
          .authorizeDelivery(from, target.arn, { arn: ruleArn, account: accountId }, `rule target ${target.id}`);
        return refusal?.message;
      },
    });
    const events = new EventsService({
      db: database('events'),
      clock,
      accountId,
      region,
      buses: definitions.buses,
      rules: definitions.rules,
      archives: definitions.archives,
      busPolicies,
      // A policy set through the API is the bus's policy for IAM too, as on AWS (the template's EventBusPolicy until then).
      onPolicyChange: (busArn, policy) => services.get('iam').setResourcePolicy(busArn, policy),
      delivery,
      log: (line) => log(`[events] ${line}`),
      onEvent: options.logEvents === false ? undefined : eventLogger(log, options.logEvents === 'summary'),
      ...eventObservers(services),
    });
    return {
      service: events,
      mounts: {
        json: [
          {
            targetPrefix: 'AWSEvents',
            jsonVersion: '1.1',
            operations: events.operations,
            validate: modelValidator('events'),
          },
        ],
      },
      start: () => {
        // Policies set through the API before a restart hold again.
        for (const { busArn, policy } of events.busPolicies()) services.get('iam').setResourcePolicy(busArn, policy);
        events.start();
      },
      reload: ({ definitions }) => {
        const rules = events.declareTemplate(definitions.buses, definitions.rules);
        return { reloaded: [...rules.changed.map((name) => `rule ${name}`), ...rules.added.map((name) => `rule ${name} (new)`)] };
      },
      stop: () => events.stop(),
    };
  },
  report: (events) => ({
    serves: events.scheduledRules().map((r) =>
      scheduleLine({
        label: `rule ${r.name}`,
        expression: r.expression,
        enabled: true,
        ...(r.next === undefined ? {} : { next: r.next }),
      }),
    ),
  }),
};

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length)}...`;
}

/** A value this short, not an object, is read first in a summary's detail. */
const SHORT_VALUE_CHARS = 64;

/**
 * The detail with its short plain members first: a summary cut at a line's width then shows
 * what tells events apart (a status change's `name` and `status`, an order's id and amount)
 * rather than the first long ARN or nested input.
 */
function shortFieldsFirst(detail: unknown): unknown {
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return detail;
  const entries = Object.entries(detail as Record<string, unknown>);
  const short = ([, value]: [string, unknown]) =>
    value === null || (typeof value !== 'object' && String(value).length <= SHORT_VALUE_CHARS);
  return Object.fromEntries([...entries.filter(short), ...entries.filter((entry) => !short(entry))]);
}

/** How much of an event's detail its line shows: whole (up to 4,000 characters), or what a terminal's line holds. */
const LOGGED_DETAIL_CHARS = { whole: 4000, summary: 160 };
/** How many event ids the summary remembers, to print a forwarded event once. */
const LOGGED_IDS = 1000;

/**
 * A line per event the app's buses accept. As a summary, an event a rule forwards to another
 * bus (it keeps its id there) is not printed again: a Workflow's status changes reach the hub
 * from `default`, and a terminal would show each twice.
 */
function eventLogger(log: (line: string) => void, summary: boolean): NonNullable<EventsServiceOptions['onEvent']> {
  const logged = new Set<string>();
  const unmatchedKinds = new Set<string>();
  return (bus, event, matched) => {
    if (summary) {
      if (logged.has(event.id)) return;
      logged.add(event.id);
      if (logged.size > LOGGED_IDS) logged.delete(logged.values().next().value as string);
    }
    const replay = event['replay-name'] ? ` (replay ${event['replay-name']})` : '';
    const detail = summary
      ? truncate(JSON.stringify(shortFieldsFirst(event.detail)), LOGGED_DETAIL_CHARS.summary)
      : truncate(JSON.stringify(event.detail), LOGGED_DETAIL_CHARS.whole);
    log(`[events] ${bus.name} <- ${event.source} ${event['detail-type']}${replay} ${detail}`);
    // An app's event no rule takes is most often a typo (a rule's detail-type, the event's source): said where it is
    // printed, on a line of its own (the event's line ends with its detail, which readers parse), once for each kind,
    // since an event published for whoever may listen is often taken by no one. AWS's own events (aws.states, aws.s3,
    // ...) are sent whether or not a rule wants them.
    const kind = `${bus.name}\0${event.source}\0${event['detail-type']}`;
    if (matched.length === 0 && !event.source.startsWith('aws.') && !unmatchedKinds.has(kind)) {
      unmatchedKinds.add(kind);
      log(
        `[events] ${bus.name}: no rule matched ${event.source} ${event['detail-type']}, so no target receives it (said once for each source and detail-type)`,
      );
    }
  };
}

/** Who hears what the bus accepts and delivers: the read API (its records and live feed) and the runtime's spans. */
function eventObservers(services: ServiceLookup): Pick<EventsServiceOptions, 'recordAccepted' | 'onAccepted' | 'onDelivery'> {
  const readApi = services.get('readApi');
  const { spans } = services.get('traces');
  return {
    recordAccepted: (note) => readApi.record('eventRecorded', note),
    onAccepted: (note) => {
      readApi.record('eventAccepted', note);
      spans.eventAccepted(note);
    },
    onDelivery: (note) => {
      readApi.record('delivery', note);
      spans.targetAttempt(note);
    },
  };
}

/** How the read API records what the buses tell it: their accepted events (and the live feed's messages of them) and deliveries. */
function eventRecords(recorder: ReadRecorder): ReadRecording {
  /** Records written when the bus accepted an event whose commit the read API has not heard of yet (gone with a rolled-back note). */
  const recorded = new WeakMap<AcceptedEventNote, BusEventRecord>();
  return {
    eventRecorded: (note) => {
      const record = busEventRecord(note);
      recorder.records.addEvent(record);
      // The same note comes back as eventAccepted once the bus commits: the feed sends this record.
      recorded.set(note, record);
    },
    eventAccepted: (note) => {
      const record = recorded.get(note);
      recorded.delete(note);
      // Nobody listening is the usual case: building a record only to drop it was half the accept path's cost.
      if (!recorder.listening) return;
      recorder.publish({ kind: 'event', event: record ?? busEventRecord(note) });
    },
    delivery: (note) => recordDelivery(recorder, note),
  };
}

/** Records in the read API a delivery to a rule target that ended or will be retried. */
function recordDelivery({ records, publish, now }: ReadRecorder, note: DeliveryNote): void {
  records.setOutcome(note);
  publish({
    kind: 'delivery',
    eventId: note.eventId,
    ...(note.replayName ? { replayName: note.replayName } : {}),
    rule: resourceNameIn(note.ruleArn),
    ruleArn: note.ruleArn,
    targetId: note.targetId,
    targetArn: note.targetArn,
    outcome: note.outcome,
    ...(note.reason ? { reason: note.reason } : {}),
  });
  if (note.outcome === 'dead-lettered' && note.deadLetterMessageId !== undefined) {
    // The message was recorded (as a dead-letter) when SQS took it; this adds why.
    records.setStatus('dead-letter', note.deadLetterMessageId, 'dead-lettered', note.reason);
  }
  if (note.outcome === 'failed') {
    records.putNode(
      {
        kind: 'dead-letter',
        id: `${note.eventId}:${note.ruleArn}:${note.targetId}`,
        segment: segmentOf('dropped', note.eventId, note.ruleArn, note.targetId),
        label: `dropped by ${note.targetArn} after ${note.attempts} attempts (no dead-letter queue)`,
        time: now(),
        status: 'dropped',
        ...(note.reason ? { reason: note.reason } : {}),
      },
      [ruleMatchSegment(note.eventId, note.replayName, note.ruleArn)],
    );
  }
}

function busEventRecord(note: AcceptedEventNote): BusEventRecord {
  const { event, bus } = note;
  return {
    id: event.id,
    bus: bus.name,
    source: event.source,
    detailType: event['detail-type'],
    time: event.time,
    acceptedAt: new Date(note.acceptedAt).toISOString(),
    ...(event['replay-name'] ? { replayName: event['replay-name'] } : {}),
    detail: event.detail,
    matched: note.matched.map((rule) => ({
      rule: rule.name,
      ruleArn: rule.arn,
      targets: rule.targets.map((target) => ({ id: target.id, arn: target.arn, outcome: 'pending' as const })),
    })),
    ...(note.traceHeader ? { traceHeader: note.traceHeader } : {}),
  };
}
