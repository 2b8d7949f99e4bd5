import { paginateFilterLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import { z } from 'zod';
import { oneThingNamed } from '../../clients/assembly/app-names.js';
import { describeApp } from '../../inspect/app-description.js';
import { defaultCdkOut, readAssembly } from '../../inspect/assembly.js';
import { contractsInAssembly } from '../../inspect/assembly-contracts.js';
import { pages } from '../../inspect/aws.js';
import { queryTable } from '../../inspect/table-query.js';
import { cost } from '../commands/cost.js';
import { functionLogGroups } from '../replay-reports.js';
import { timeOption } from '../times.js';
import { record, tool } from './tool.js';

const MAX_LOG_LINES = 500;

const named = z.object({ name: z.string(), stack: z.string() }).passthrough();

/** Tools over the app itself (its description, logs, tables, model calls): no command answers these as a whole. */
export const APP_TOOLS = [
  tool({
    name: 'describe_app',
    title: 'Describe the app',
    description:
      "The app: stacks, buses (the classic ones in buses; Custom Event Buses in customBuses, each with its subscribers: name, target, ordering, dead-letter queue), rules with their targets (and each target's dead-letter queue), queues with their dead-letter queue and depth now, functions (durable or not), state machines, tables with their keys and indexes, topics, and the event contracts with the JSON Schema of their detail.",
    input: {},
    output: {
      stacks: z.array(z.string()),
      buses: z.array(z.string()),
      customBuses: z.array(
        z.object({
          name: z.string(),
          stack: z.string(),
          subscribers: z.array(z.object({ name: z.string(), target: z.string() }).passthrough()),
        }),
      ),
      rules: z.array(z.object({ name: z.string(), bus: z.string(), targets: z.array(record) }).passthrough()),
      queues: z.array(named),
      functions: z.array(named),
      stateMachines: z.array(named),
      tables: z.array(named),
      topics: z.array(named),
      contracts: z.array(z.object({ detailType: z.string(), source: z.string(), schema: record }).passthrough()),
    },
    async run(_args, ctx) {
      const assembly = readAssembly(defaultCdkOut(ctx.cdkOut));
      const contracts = contractsInAssembly(assembly).map(({ detailType, source, description, schema }) => ({
        detailType,
        source,
        ...(description ? { description } : {}),
        schema,
      }));
      return { ...(await describeApp(ctx.clients(), assembly)), contracts };
    },
  }),
  tool({
    name: 'get_logs',
    title: "A function's log lines",
    description:
      "A function's log lines (FilterLogEvents on its log group), oldest first: since a time, and only those holding a request id or correlation id (or any text) when given.",
    input: {
      function: z
        .string()
        .min(1)
        .describe('the function: its name in the app (describe_app lists them), logical id, deployed name, ARN or construct path'),
      since: z.string().min(1).optional().describe('30m, 2h, 7d (ago) or an ISO-8601 time (default 1h)'),
      requestId: z.string().min(1).optional(),
      correlationId: z.string().min(1).optional(),
      text: z.string().min(1).optional().describe('only lines holding this text'),
      limit: z
        .number()
        .int()
        .min(1)
        .max(MAX_LOG_LINES)
        .optional()
        .describe(`at most this many lines (default 100, at most ${MAX_LOG_LINES})`),
    },
    output: {
      function: z.string(),
      logGroup: z.string(),
      lines: z.array(z.object({ time: z.string(), message: z.string() })),
      more: z.boolean(),
    },
    async run(args, ctx) {
      const clients = ctx.clients();
      const groups = await functionLogGroups(clients, readAssembly(defaultCdkOut(ctx.cdkOut)));
      // One name resolver for every tool and command that takes a function (inspect/app-names.ts).
      const things = groups.map((g) => ({
        kind: 'function',
        shown: g.function,
        ...g.definition,
        deployed: [g.functionName, g.logGroup],
        group: g,
      }));
      const { group } = oneThingNamed(things, args.function, 'function');
      const terms = [args.requestId, args.correlationId, args.text].filter((t) => t !== undefined);
      const limit = args.limit ?? 100;
      const lines: { time: string; message: string }[] = [];
      const startTime = timeOption('since', args.since ?? '1h').getTime();
      const filterPattern = terms.map((t) => JSON.stringify(t)).join(' ') || undefined;
      const paginator = paginateFilterLogEvents({ client: clients.logs }, { logGroupName: group.logGroup, startTime, filterPattern });
      for await (const page of pages(clients.target, paginator)) {
        for (const event of page.events ?? [])
          lines.push({ time: new Date(event.timestamp ?? 0).toISOString(), message: (event.message ?? '').trimEnd() });
        if (lines.length > limit) break;
      }
      return { function: group.function, logGroup: group.logGroup, lines: lines.slice(0, limit), more: lines.length > limit };
    },
  }),
  tool({
    name: 'query_table',
    title: 'Read a DynamoDB table by key',
    description:
      'Reads a table of the app: one item by its whole primary key (GetItem), or the items of a partition key, of the table or of one of its indexes (Query). describe_app lists the tables with their keys and indexes.',
    input: {
      table: z.string().min(1).describe('the table, by its name in the app or as deployed'),
      key: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
        .describe('the partition key, and the sort key if given, as attribute: value'),
      index: z.string().min(1).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    },
    output: { table: z.string(), index: z.string().optional(), items: z.array(record), more: z.boolean() },
    async run(args, ctx) {
      const answer = await queryTable(ctx.clients(), readAssembly(defaultCdkOut(ctx.cdkOut)), args);
      return { ...answer };
    },
  }),
  tool({
    name: 'model_usage',
    title: 'Model calls: tokens and cost by model',
    description:
      'The model calls the local runtime answered, per model: calls, tokens in and out, and what they would cost on Bedrock on demand (switchyard cost --local). Local runtime only.',
    input: {},
    output: { models: z.array(record), totalUsd: z.number(), prices: record },
    async run(_args, ctx) {
      const { json } = await ctx.command(cost, ['--local']);
      return json as Record<string, unknown>;
    },
  }),
];
