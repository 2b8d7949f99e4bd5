import { tryParseArn } from '../names/arn.js';
import { declaredResources, isCustomBusArn, outsideApp, reachable } from '../targets/reachable.js';
import type { LoadedApp, LoadedResource } from '../template/load.js';
import type { PolicyStatement, TemplateBusPolicy } from './bus-settings.js';

/** An event bus as the template (or the default bus) defines it. */
export interface BusDefinition {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
}

export interface TargetDefinition {
  readonly id: string;
  readonly arn: string;
  /** The role EventBridge assumes to deliver to the target: IAM authorizes the delivery as it (else as events.amazonaws.com). */
  readonly roleArn?: string;
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate: string };
  /** @default AWS's: 185 attempts within 24 hours */
  readonly retryPolicy?: { readonly maximumRetryAttempts?: number; readonly maximumEventAgeInSeconds?: number };
  /** Queue ARN that receives events this target could not take. */
  readonly deadLetterArn?: string;
  /**
   * `SqsParameters.MessageGroupId`: required for a FIFO queue, a fair queue's tenant on a
   * standard one; a dynamic path parameter (`$.detail.customerId`) is resolved per event.
   */
  readonly messageGroupId?: string;
  /** `KinesisParameters.PartitionKeyPath`: the path in the event whose value is a stream target's partition key (else the event's id). */
  readonly partitionKeyPath?: string;
  /** `HttpParameters` of an API destination target: its path parameter values, headers and query string. */
  readonly httpParameters?: TargetHttpParameters;
}

/** A rule target's HttpParameters, each value as given (one starting `$.` is read from the event). */
export interface TargetHttpParameters {
  readonly pathParameterValues?: readonly string[];
  readonly headerParameters?: Readonly<Record<string, string>>;
  readonly queryStringParameters?: Readonly<Record<string, string>>;
}

/** HttpParameters as the template or PutTargets gives them; undefined when there are none. */
export function httpParametersOf(value: unknown): TargetHttpParameters | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const p = value as Record<string, unknown>;
  const map = (entries: unknown) =>
    entries !== null && typeof entries === 'object'
      ? Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, String(v)]))
      : undefined;
  const headers = map(p.HeaderParameters);
  const query = map(p.QueryStringParameters);
  return {
    ...(Array.isArray(p.PathParameterValues) ? { pathParameterValues: p.PathParameterValues.map(String) } : {}),
    ...(headers ? { headerParameters: headers } : {}),
    ...(query ? { queryStringParameters: query } : {}),
  };
}

export interface RuleDefinition {
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  readonly eventPattern?: unknown;
  /** cron(...) or rate(...) in UTC: the rule fires on the default bus (`scheduled-rules.ts`). */
  readonly scheduleExpression?: string;
  readonly state: 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
  readonly description?: string;
  readonly roleArn?: string;
  readonly targets: readonly TargetDefinition[];
}

export interface ArchiveDefinition {
  readonly name: string;
  readonly arn: string;
  /** ARN of the bus whose events are archived. */
  readonly sourceArn: string;
  readonly eventPattern?: unknown;
  readonly retentionDays: number;
  readonly description?: string;
  /** When it was created (ms): CreateArchive's time, or when the runtime first saw a template's archive. */
  readonly creationTime?: number;
}

/** An event as EventBridge delivers it to targets. */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
  readonly 'replay-name'?: string;
}

/** Why an event was dead-lettered: the message attributes EventBridge puts on it. */
export interface DeadLetterReason {
  readonly ruleArn: string;
  readonly targetArn: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  /** Retries made after the first attempt (RETRY_ATTEMPTS). */
  readonly retryAttempts?: number;
  /** The retry policy limit that ran out (EXHAUSTED_RETRY_CONDITION); absent when the error was not retried. */
  readonly exhaustedRetryCondition?: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';
}

/** Delivers a rendered target input to the service behind a target ARN. */
export interface TargetDelivery {
  /** Resolves when the target service accepted the input; rejects with the reason otherwise. */
  deliver(target: TargetDefinition, input: string, event: EventEnvelope, ruleArn?: string): Promise<void>;
  /** Sends an event this target could not take to its dead-letter queue; resolves with the message's id when known. */
  deadLetter(
    queueArn: string,
    event: EventEnvelope,
    reason: DeadLetterReason,
    // biome-ignore lint/suspicious/noConfusingVoidType: deliveries that cannot tell the message id (tests' fakes) resolve with nothing.
  ): Promise<void | { messageId?: string }>;
}

type Props = Record<string, unknown>;

/**
 * An event schema the template publishes to a schema registry (AWS::EventSchemas::Schema of
 * type JSONSchemaDraft4, as EventHub writes one per contract): the envelope's source and
 * detail-type (their `enum`s) and the JSON Schema of `detail`.
 */
export interface EventSchemaDefinition {
  readonly name: string;
  readonly sources: readonly string[];
  readonly detailTypes: readonly string[];
  readonly detail: unknown;
}

/**
 * Whether a rule target is delivered to locally: what the dispatcher `rule-targets.ts` sends
 * through reaches (an API destination's ARN is EventBridge's too, but only pipes call one
 * locally); others are reported and their deliveries fail.
 */
/** Whether a rule target's ARN is an API destination's (`arn:aws:events:...:api-destination/<name>/<id>`): called through its connection (api-destination-target.ts). */
export function isApiDestinationArn(arn: string): boolean {
  const parsed = tryParseArn(arn);
  return parsed?.service === 'events' && parsed.resourceType === 'api-destination';
}

export const ruleTargetRunsLocally = (arn: string): boolean => reachable(arn) || isApiDestinationArn(arn) || isCustomBusArn(arn);

/**
 * A warning for each rule target the app does not declare (a queue, function, bus ... imported by
 * name or ARN): on AWS it is in the account, locally only once created through the API; until
 * then EventBridge's delivery to it fails, as to any target that does not exist.
 */
export function ruleTargetsOutsideApp(app: LoadedApp): string[] {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const declared = declaredResources(resources);
  return resources
    .filter((r) => r.type === 'AWS::Events::Rule')
    .flatMap((rule) =>
      ((rule.properties.Targets as { Id?: unknown; Arn?: unknown }[] | undefined) ?? [])
        .filter((target) => outsideApp(String(target.Arn), declared))
        .map(
          (target) =>
            `${rule.stackName}/${rule.logicalId} (AWS::Events::Rule): target ${String(target.Id)} (${String(target.Arn)}) is not in the app (imported by name or ARN): its deliveries fail (the resource does not exist) and go to its dead-letter queue at once, as EventBridge sends an event whose target is gone, until it is created here through the API`,
        ),
    );
}

/** The template's buses, rules, archives and event schemas. */
export function eventDefinitions(byType: (type: string) => readonly LoadedResource[]): {
  buses: BusDefinition[];
  rules: RuleDefinition[];
  archives: ArchiveDefinition[];
  schemas: EventSchemaDefinition[];
  warnings: string[];
} {
  const warnings: string[] = [];
  const buses: BusDefinition[] = byType('AWS::Events::EventBus').map((r) => ({ name: r.physicalName, arn: r.attributes.Arn ?? '' }));
  const busName = (value: unknown) => {
    const text = value === undefined ? 'default' : String(value);
    if (!text.startsWith('arn:')) return text;
    const arn = tryParseArn(text);
    return arn?.resourceType === 'event-bus' ? arn.resourceId : 'default';
  };

  const rules: RuleDefinition[] = byType('AWS::Events::Rule').map((r) => {
    const p = r.properties as Props;
    if (p.ScheduleExpression !== undefined && busName(p.EventBusName) !== 'default') {
      warnings.push(
        `${r.stackName}/${r.logicalId} (AWS::Events::Rule): ScheduleExpression on event bus ${busName(p.EventBusName)} never fires: EventBridge runs schedules only on the default bus`,
      );
    }
    for (const t of (p.Targets as Props[] | undefined) ?? []) {
      if (ruleTargetRunsLocally(String(t.Arn))) continue;
      warnings.push(
        `${r.stackName}/${r.logicalId} (AWS::Events::Rule): target ${String(t.Id)} (${String(t.Arn)}) is not run locally: its deliveries fail and are retried under its retry policy, then go to its dead-letter queue`,
      );
    }
    return {
      name: r.physicalName,
      arn: r.attributes.Arn ?? '',
      busName: busName(p.EventBusName),
      eventPattern: p.EventPattern,
      scheduleExpression: p.ScheduleExpression === undefined ? undefined : String(p.ScheduleExpression),
      state: p.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      description: p.Description === undefined ? undefined : String(p.Description),
      targets: ((p.Targets as Props[] | undefined) ?? []).map(
        (t): TargetDefinition => ({
          id: String(t.Id),
          arn: String(t.Arn),
          input: t.Input === undefined ? undefined : String(t.Input),
          inputPath: t.InputPath === undefined ? undefined : String(t.InputPath),
          inputTransformer: t.InputTransformer as TargetDefinition['inputTransformer'],
          retryPolicy: t.RetryPolicy
            ? {
                maximumRetryAttempts: (t.RetryPolicy as Props).MaximumRetryAttempts as number | undefined,
                maximumEventAgeInSeconds: (t.RetryPolicy as Props).MaximumEventAgeInSeconds as number | undefined,
              }
            : undefined,
          deadLetterArn: (t.DeadLetterConfig as { Arn?: string } | undefined)?.Arn,
          ...(typeof t.RoleArn === 'string' ? { roleArn: t.RoleArn } : {}),
          messageGroupId: (t.SqsParameters as { MessageGroupId?: string } | undefined)?.MessageGroupId,
          partitionKeyPath: (t.KinesisParameters as { PartitionKeyPath?: string } | undefined)?.PartitionKeyPath,
          ...(t.HttpParameters === undefined ? {} : { httpParameters: httpParametersOf(t.HttpParameters) }),
        }),
      ),
    };
  });

  const archives: ArchiveDefinition[] = byType('AWS::Events::Archive').map((r) => {
    const p = r.properties as Props;
    return {
      name: r.physicalName,
      arn: r.attributes.Arn ?? '',
      sourceArn: String(p.SourceArn),
      eventPattern: p.EventPattern,
      retentionDays: Number(p.RetentionDays ?? 0),
      description: p.Description === undefined ? undefined : String(p.Description),
    };
  });

  return { buses, rules, archives, schemas: byType('AWS::EventSchemas::Schema').flatMap(eventSchema), warnings };
}

/** A registry schema's envelope; nothing for an OpenAPI schema or content that is not a JSON Schema of an event. */
function eventSchema(r: LoadedResource): EventSchemaDefinition[] {
  const p = r.properties as Props;
  if (p.Type !== 'JSONSchemaDraft4' || typeof p.Content !== 'string') return [];
  let content: unknown;
  try {
    content = JSON.parse(p.Content);
  } catch {
    // CloudFormation refuses such a schema; there is nothing to take an example from.
    return [];
  }
  const properties = (content as { properties?: Record<string, { enum?: unknown }> } | null)?.properties;
  if (typeof properties !== 'object' || properties === null) return [];
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  return [
    {
      name: String(p.SchemaName ?? r.logicalId),
      sources: strings(properties.source?.enum),
      detailTypes: strings(properties['detail-type']?.enum),
      detail: properties.detail,
    },
  ];
}

/**
 * The statements the template's AWS::Events::EventBusPolicy resources put into their buses'
 * policies (`Statement` as given, or the older `Action`/`Principal`/`Condition` form, each
 * with its `StatementId` as Sid): DescribeEventBus shows them, and IAM evaluates PutEvents
 * against them (local/iam/policy-store.ts reads the same resources).
 */
export function templateBusPolicies(app: LoadedApp): { busPolicies: TemplateBusPolicy[] } {
  const resources = app.stacks.flatMap((stack) => stack.resources).filter((r) => r.type === 'AWS::Events::EventBusPolicy');
  const busPolicies = resources.map((r) => {
    const p = r.properties as Props;
    const busName = p.EventBusName === undefined ? 'default' : String(p.EventBusName);
    const sid = String(p.StatementId ?? r.physicalName);
    const given = p.Statement as Props | undefined;
    const principal = p.Principal === '*' || p.Principal === undefined ? '*' : { AWS: `arn:aws:iam::${String(p.Principal)}:root` };
    const condition = p.Condition as { Type?: string; Key?: string; Value?: string } | undefined;
    const statement: PolicyStatement = given
      ? { ...given, Sid: sid }
      : {
          Sid: sid,
          Effect: 'Allow',
          Principal: principal,
          Action: String(p.Action ?? 'events:PutEvents'),
          ...(condition?.Type && condition.Key ? { Condition: { [condition.Type]: { [condition.Key]: condition.Value } } } : {}),
        };
    return { busName, statement };
  });
  return { busPolicies };
}

/** How an event is routed: to a replay's rules only, with the header its deliveries carry, as JSON made once for the archive and every delivery. */
export interface RouteOptions {
  readonly onlyRules?: ReadonlySet<string>;
  readonly traceHeader?: string;
  readonly eventText?: () => string;
}
