import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type DeclaredFlow,
  type FairQueueState,
  type FlowControlItem,
  type FlowControlReport,
  flowControlReport,
  HELD_BACK_FILTER,
  heldBackByKey,
} from '../../clients/flow-control.js';
import { READ_API_PATHS } from '../../clients/read-api-contract.js';
import { AwsError } from '../endpoint/aws-error.js';
import { only, type ReadRoute, sendJson } from '../read-api/routes.js';
import type { SqsService } from '../sqs/sqs-service.js';

/**
 * The environment variables a Switchyard consumer is told its flow control by (ENV.flowControl
 * and ENV.flowControlTable in contracts/wiring.ts, which local/ does not import; a test holds
 * them equal).
 */
export const FLOW_CONTROL_VARIABLES = { settings: 'FLOW_CONTROL', table: 'FLOW_CONTROL_TABLE_NAME' } as const;

/** How long back held-back records are counted from the consumers' logs. */
const HELD_BACK_WINDOW_MS = 3600_000;

/** What the flow control report reads, from the runtime's services. */
export interface FlowControlSources {
  /** The app's functions as loaded now (a reload replaces them). */
  functions(): readonly { readonly name: string; readonly logGroupName: string; readonly environment: Readonly<Record<string, string>> }[];
  /** Every item of a table (Scan: flow control tables are small, one item per key and control). */
  scan(table: string): Promise<FlowControlItem[]>;
  /** The messages of a log group's events matching a filter pattern since `startTime`. */
  filterLogs(logGroup: string, filterPattern: string, startTime: number): Promise<string[]>;
  /**
   * The app's fair queues with their state: the standard queues a rule delivers to with a
   * MessageGroupId or that a message with one came to, no dead-letter queue among them.
   */
  fairQueues(): FairQueueState[];
  now(): number;
}

/** `/flow-control`: the app's flow control now, read when asked (the read API's FlowControlReport). */
export function flowControlRoute(sources: FlowControlSources): ReadRoute {
  return {
    path: READ_API_PATHS.flowControl,
    async handle({ query, res }) {
      only(query, []);
      sendJson(res, 200, await readFlowControl(sources));
    },
  };
}

/**
 * The flow control report of the running app: its functions that declare flow control (the
 * settings in their environment), the items of every flow control table they name, the
 * held-back records their logs of the last hour show, and the fair-queue metrics.
 */
export async function readFlowControl(sources: FlowControlSources): Promise<FlowControlReport> {
  const now = sources.now();
  const declared: (DeclaredFlow & { logGroup: string })[] = [];
  const tables = new Set<string>();
  for (const fn of sources.functions()) {
    const table = fn.environment[FLOW_CONTROL_VARIABLES.table];
    if (table === undefined || table === '') continue;
    tables.add(table);
    const settings = settingsIn(fn.environment[FLOW_CONTROL_VARIABLES.settings]);
    if (settings !== undefined) declared.push({ function: fn.name, table, settings, logGroup: fn.logGroupName });
  }
  const items = (await Promise.all([...tables].map((table) => sources.scan(table)))).flat();
  const since = now - HELD_BACK_WINDOW_MS;
  const byFlow = new Map<string, Map<string, number>>();
  for (const flow of declared) {
    const counts = heldBackByKey(await sources.filterLogs(flow.logGroup, HELD_BACK_FILTER, since));
    const merged = byFlow.get(flow.settings.flow) ?? new Map<string, number>();
    for (const [key, count] of counts) merged.set(key, (merged.get(key) ?? 0) + count);
    byFlow.set(flow.settings.flow, merged);
  }
  return flowControlReport({
    items,
    declared: declared.map(({ logGroup: _, ...flow }) => flow),
    now,
    heldBack: { since, byFlow },
    fairQueues: sources.fairQueues(),
  });
}

/** The settings of FLOW_CONTROL, or undefined when there are none; malformed ones are the kit's to refuse (at cold start). */
function settingsIn(raw: string | undefined): DeclaredFlow['settings'] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    const value = JSON.parse(raw) as DeclaredFlow['settings'];
    return typeof value?.flow === 'string' ? value : undefined;
  } catch {
    // Not JSON: the consumer fails at its cold start saying so; the report shows no flow for it.
    return undefined;
  }
}

/** Whether an error is CloudWatch Logs' answer for a group that does not exist (a function that never logged). */
function isMissingLogGroup(error: unknown): boolean {
  return error instanceof AwsError && error.code === 'ResourceNotFoundException';
}

/** The services the local runtime's report reads through. */
export interface LocalFlowControlServices {
  /** DynamoDB's API on its engine's thread (LocalDynamoDb.engine): the tables are scanned there, never through the endpoint. */
  readonly dynamodb: () => {
    send(operation: 'Scan', input: Record<string, unknown>): Promise<Record<string, unknown>>;
  };
  readonly functions: FlowControlSources['functions'];
  readonly queues: () => readonly { readonly name: string }[];
  readonly logs: () => {
    FilterLogEvents(input: Record<string, unknown>): Promise<{ events?: { message?: string }[]; nextToken?: string }>;
  };
  readonly sqs: () => Pick<SqsService, 'queueUrl' | 'queueArn' | 'isDeadLetterQueue' | 'isFairQueue' | 'fairQueueMetrics' | 'noisyGroups'>;
  /** The ARNs of the standard queues a rule delivers to with a MessageGroupId (a QueueConsumer's `fairBy`). */
  readonly fairTargets: () => readonly string[];
  readonly now: () => number;
}

/** The report's sources in the local runtime: Scan on DynamoDB's engine, FilterLogEvents and SQS in-process. */
export function localFlowControlSources(services: LocalFlowControlServices): FlowControlSources {
  return {
    functions: services.functions,
    now: services.now,
    async scan(table) {
      const items: FlowControlItem[] = [];
      let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
      do {
        const page = (await services.dynamodb().send('Scan', { TableName: table, ExclusiveStartKey })) as {
          Items?: Record<string, AttributeValue>[];
          LastEvaluatedKey?: Record<string, AttributeValue>;
        };
        for (const item of page.Items ?? []) items.push(unmarshall(item) as FlowControlItem);
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return items;
    },
    async filterLogs(logGroupName, filterPattern, startTime) {
      const messages: string[] = [];
      let nextToken: string | undefined;
      do {
        let page: Awaited<ReturnType<ReturnType<LocalFlowControlServices['logs']>['FilterLogEvents']>>;
        try {
          page = await services.logs().FilterLogEvents({ logGroupName, filterPattern, startTime, nextToken });
        } catch (error) {
          if (isMissingLogGroup(error)) return messages;
          throw error;
        }
        for (const event of page.events ?? []) if (event.message !== undefined) messages.push(event.message);
        nextToken = page.nextToken;
      } while (nextToken);
      return messages;
    },
    fairQueues() {
      const sqs = services.sqs();
      const declared = new Set(services.fairTargets());
      // A fair queue is one the app makes fair (a rule's MessageGroupId) or one a tenant's message came to; never a dead-letter queue.
      const fair = (arn: string, url: string) => !sqs.isDeadLetterQueue(arn) && (declared.has(arn) || sqs.isFairQueue(url));
      return services
        .queues()
        .filter((queue) => !queue.name.endsWith('.fifo') && fair(sqs.queueArn(queue.name), sqs.queueUrl(queue.name)))
        .map((queue) => {
          const url = sqs.queueUrl(queue.name);
          return { queue: queue.name, noisyGroups: sqs.noisyGroups(url), metrics: { ...sqs.fairQueueMetrics(url) } };
        });
    },
  };
}
