import { readFileSync } from 'node:fs';
import { count, table, time, usd } from '../../clients/format.js';
import { priceModelCalls } from '../../clients/pricing/model-call-costs.js';
import { modelFamilies } from '../../clients/pricing/model-families.js';
import { type Estimate, PRICE_TABLE_FILE, type PriceTable, priceUsage } from '../../clients/pricing/price-arithmetic.js';
import { type ModelCallSummary, type ModelCallsPage, READ_API_PATHS, readAllPages } from '../../clients/read-api-contract.js';
import { defaultCdkOut, readAssembly } from '../../inspect/assembly.js';
import type { TargetOptions } from '../../inspect/aws.js';
import { usageError } from '../../inspect/errors.js';
import { getReadApi } from '../../inspect/read-api.js';
import { GLOBAL_HELP, integerOption, numberOption, parseCommand } from '../args.js';
import { type AppUsage, appUsage, type CostAssumptions, DEFAULT_ASSUMPTIONS } from '../cost/usage.js';
import type { Command, CommandIo } from './command.js';

export const HELP = `Usage: switchyard cost [--events-per-month <n>] [--entry <detail-type,...>] [--escalation-rate <r>] [--function-ms <ms>] [--items-per-map <n>] [--durable-operations <n>] [--model-calls <n>] [--input-tokens <n>] [--output-tokens <n>] [--model-tier on-demand|batch] [--cdk-out <dir>]

Estimates the app's monthly AWS cost per service from the synthesized template (no AWS
calls): which rules, queues, functions, state machines and tables each entry event goes
through, priced from the dated table in clients/pricing/prices-us-east-1.json. Names the most
expensive component and flags Standard workflows started for every event. Model tokens
are priced per model: a function whose environment names a Bedrock model (BedrockModel.connect,
an agent graph's model) makes --model-calls calls per record, a bedrock:invokeModel state one
per visit, each of --input-tokens in and --output-tokens out.

  --events-per-month <n>  entry events a month, of each entry event followed (default ${count(DEFAULT_ASSUMPTIONS.eventsPerMonth)})
  --entry <types>         follow only these entry events (comma-separated detail-types; default every
                          detail-type a rule listens for that nothing in the app declares it emits:
                          a Workflow's events:putEvents state, EventHub.connectPublisher)
  --escalation-rate <r>   share (0 to 1) of executions that take the escalating branch
                          (default ${DEFAULT_ASSUMPTIONS.escalationRate})
  --function-ms <ms>      billed duration of one Lambda invocation (default ${DEFAULT_ASSUMPTIONS.functionMs})
  --items-per-map <n>     items each Map state iterates over (default ${DEFAULT_ASSUMPTIONS.itemsPerMap})
  --durable-operations <n>
                          operations (steps, waits, callbacks) one durable execution checkpoints
                          (default ${DEFAULT_ASSUMPTIONS.durableOperations})
  --model-calls <n>       model calls per record of a function that calls a model (default ${DEFAULT_ASSUMPTIONS.modelCallsPerRecord})
  --input-tokens <n>      prompt tokens of one model call (default ${count(DEFAULT_ASSUMPTIONS.inputTokensPerCall)})
  --output-tokens <n>     tokens one model call generates (default ${DEFAULT_ASSUMPTIONS.outputTokensPerCall})
  --model-tier <tier>     on-demand or batch (batch inference, half price) (default ${DEFAULT_ASSUMPTIONS.modelTier})
  --local                 instead: the model calls the local runtime answered (the newest 10,000, kept
                          across restarts), their tokens and images per model and what they would
                          cost on Bedrock (on-demand)
  --cdk-out <dir>         the cloud assembly (default ./cdk.out)
  --json                  the estimate, usage and assumptions as JSON`;

export const cost: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(
    argv,
    {
      'events-per-month': { type: 'string' },
      entry: { type: 'string' },
      'escalation-rate': { type: 'string' },
      'function-ms': { type: 'string' },
      'items-per-map': { type: 'string' },
      'durable-operations': { type: 'string' },
      'model-calls': { type: 'string' },
      'input-tokens': { type: 'string' },
      'output-tokens': { type: 'string' },
      'model-tier': { type: 'string' },
      local: { type: 'boolean' },
    },
    false,
  );
  if (values.help) return io.out(`${HELP}\n\n${GLOBAL_HELP}`);
  if (positionals.length > 0) throw usageError(`cost takes no arguments (got "${positionals[0]}")`);
  if (values.local) return localRunCost(io, values);
  const assumptions: CostAssumptions = {
    ...DEFAULT_ASSUMPTIONS,
    eventsPerMonth: integerOption('events-per-month', values['events-per-month'], DEFAULT_ASSUMPTIONS.eventsPerMonth, 0, 1e12),
    escalationRate: numberOption('escalation-rate', values['escalation-rate'], DEFAULT_ASSUMPTIONS.escalationRate, 0, 1),
    functionMs: integerOption('function-ms', values['function-ms'], DEFAULT_ASSUMPTIONS.functionMs, 1, 900_000),
    itemsPerMap: integerOption('items-per-map', values['items-per-map'], DEFAULT_ASSUMPTIONS.itemsPerMap, 0, 10_000),
    durableOperations: integerOption('durable-operations', values['durable-operations'], DEFAULT_ASSUMPTIONS.durableOperations, 0, 100_000),
    modelCallsPerRecord: numberOption('model-calls', values['model-calls'], DEFAULT_ASSUMPTIONS.modelCallsPerRecord, 0, 1000),
    inputTokensPerCall: integerOption('input-tokens', values['input-tokens'], DEFAULT_ASSUMPTIONS.inputTokensPerCall, 0, 10_000_000),
    outputTokensPerCall: integerOption('output-tokens', values['output-tokens'], DEFAULT_ASSUMPTIONS.outputTokensPerCall, 0, 10_000_000),
    modelTier: modelTierOption(values['model-tier']),
  };
  const entry = values.entry === undefined ? undefined : values.entry.split(',').map((t) => t.trim());
  if (entry?.some((t) => t === '')) throw usageError(`--entry is "${values.entry}": give detail-types separated by commas`);
  const prices = JSON.parse(readFileSync(PRICE_TABLE_FILE, 'utf8')) as PriceTable;
  // Batch inference is priced only for the families the table has batch prices for: another model is named as not priced.
  const families = modelFamilies(Object.keys(prices.prices), assumptions.modelTier === 'batch' ? 'batchInput' : 'input');
  const modelPriced = { ...assumptions, modelFamilies: families };
  const usage = appUsage(readAssembly(defaultCdkOut(values['cdk-out'])), { ...modelPriced, ...(entry ? { entries: entry } : {}) });
  const unknown = entry?.filter((t) => !usage.entries.includes(t)) ?? [];
  if (unknown.length > 0)
    throw usageError(
      `--entry names no entry event of the app: ${unknown.join(', ')} (the app's entry events: ${appUsage(readAssembly(defaultCdkOut(values['cdk-out'])), assumptions).entries.join(', ')})`,
    );
  const estimate = priceUsage(usage.usage, prices);
  const statements = assumptionLines(assumptions, usage);
  const warnings = usage.hotStandard.map(
    (h) =>
      `Standard workflow ${h.flow} is started for every entry event (${count(h.executions)} executions, ~${count(h.transitionsEach)} transitions each): ` +
      `billed per transition, it costs more than an Express workflow on a hot path; keep Standard for the executions that wait`,
  );
  const top = estimate.byComponent[0];
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          prices: { region: prices.region, retrieved: prices.retrieved },
          assumptions,
          entries: usage.entries,
          ...estimate,
          mostExpensive: top,
          warnings,
          statements,
          notModelled: usage.notModelled,
        },
        null,
        2,
      ),
    );
    return;
  }
  render(io.out, estimate, prices, assumptions, usage, statements, warnings);
};

function assumptionLines(a: CostAssumptions, usage: AppUsage): string[] {
  return [
    `${count(a.eventsPerMonth)} entry events a month on each of: ${usage.entries.join(', ') || 'none found'} (detail-types a rule listens for that nothing in the app declares it emits); each under 64 KB${mayBeEmitted(usage)}`,
    `${a.escalationRate * 100}% of executions take the escalating branch of a Choice (a task token or a started workflow); the rest the other branches; no errors, retries or loops`,
    `each Lambda invocation bills ${a.functionMs} ms, plus the Express execution it starts and waits for; non-Lambda tasks take ${a.serviceTaskMs} ms in Express executions, which bill 64 MB`,
    `SQS: ${a.messagesPerBatch} message per Lambda batch (traffic that trickles in), so a ReceiveMessage and a DeleteMessageBatch per message; ${count(a.idleReceivesPerMapping)} idle long-poll receives a month per event source mapping (5 pollers, 20 s each)`,
    `DynamoDB: ${a.writesPerRecord} write units per record a function with a table handles (idempotency claim, then completion), items under 1 KB`,
    `each Map state iterates over ${count(a.itemsPerMap)} items; every state of an item counts (transitions, tasks, Lambda invocations)`,
    `Lambda durable functions: ${count(a.durableOperations)} durable operations per execution (steps, waits, callbacks), one invocation each`,
    `Step Functions Standard: one transition per state entered; status changes (2 per execution) forwarded to a custom bus are billed there as custom events`,
    `CloudWatch Logs: ${a.lambdaLogBytes} bytes per Lambda invocation; ${a.stateLogBytes} bytes per history event for state machines logging ALL`,
    `Bedrock: ${a.modelCallsPerRecord} model call per record of a function that calls a model, one per bedrock:invokeModel state; ${count(a.inputTokensPerCall)} tokens in and ${count(a.outputTokensPerCall)} out each, ${a.modelTier} prices, no prompt caching`,
    'list prices without free tiers',
  ];
}

function render(
  out: (line: string) => void,
  e: Estimate,
  prices: PriceTable,
  a: CostAssumptions,
  usage: AppUsage,
  statements: string[],
  warnings: string[],
) {
  out(
    `Estimated monthly cost for ${count(a.eventsPerMonth)} events a month (${prices.region} prices as of ${prices.retrieved}): ${usd(e.totalUsd)}`,
  );
  out('');
  out(
    table(
      ['SERVICE', 'COMPONENT', 'QUANTITY', 'UNIT', 'PER EVENT', 'MONTHLY'],
      e.lines.map((l) => [
        l.service,
        l.component,
        count(l.quantity),
        l.unit.replace(/ \(.*\)$/, ''),
        a.eventsPerMonth > 0 ? perEvent(l.quantity / a.eventsPerMonth) : '-',
        usd(l.usd),
      ]),
    ),
  );
  out('');
  out(
    table(
      ['SERVICE', 'MONTHLY', 'SHARE'],
      e.byService.map((s) => [s.service, usd(s.usd), e.totalUsd > 0 ? `${Math.round((100 * s.usd) / e.totalUsd)}%` : '-']),
    ),
  );
  const top = e.byComponent[0];
  if (top !== undefined && e.totalUsd > 0) {
    out('');
    out(
      `Most expensive: ${top.service} ${top.component}, ${usd(top.usd)} a month (${Math.round((100 * top.usd) / e.totalUsd)}% of the total)`,
    );
  }
  for (const w of warnings) out(`Warning: ${w}`);
  out('');
  out('Assumptions:');
  for (const s of statements) out(`  - ${s}`);
  out('Not in the estimate:');
  for (const n of usage.notModelled) out(`  - ${n}`);
  out(`Prices: ${PRICE_TABLE_FILE.pathname.replace(/^.*\/clients\/pricing\//, 'clients/pricing/')} (each with its source page)`);
}

function modelTierOption(value: string | undefined): CostAssumptions['modelTier'] {
  if (value === undefined) return DEFAULT_ASSUMPTIONS.modelTier;
  if (value === 'on-demand' || value === 'batch') return value;
  if (value === 'flex') throw usageError('--model-tier flex: the price table has no dated flex prices yet; use on-demand or batch');
  throw usageError(`--model-tier is "${value}": give on-demand or batch`);
}

/** `--local`: the model calls the local runtime keeps, priced per model (its read API: AWS keeps no such list). */
async function localRunCost(io: CommandIo, values: TargetOptions & { json?: boolean }): Promise<void> {
  const target = io.clients(values).target;
  if (target.kind !== 'local') throw usageError('--local prices the calls a local runtime answered: leave out --aws and --profile');
  const prices = JSON.parse(readFileSync(PRICE_TABLE_FILE, 'utf8')) as PriceTable;
  // Every page: a long run has more calls than one page holds (the runtime keeps 10,000).
  const pages = await readAllPages((token) =>
    getReadApi<ModelCallsPage>(
      target,
      `${READ_API_PATHS.modelCalls}?limit=1000${token === undefined ? '' : `&nextToken=${encodeURIComponent(token)}`}`,
    ),
  );
  const calls = pages.flatMap((page) => page.calls);
  const rows = priceModelCalls(calls, prices, modelFamilies(Object.keys(prices.prices), 'inputOrImage'));
  const total = rows.reduce((sum, row) => sum + (row.usd ?? 0), 0);
  if (values.json)
    return io.out(
      JSON.stringify({ prices: { region: prices.region, retrieved: prices.retrieved }, models: rows, totalUsd: total }, null, 2),
    );
  if (rows.length === 0) return io.out(`no model calls kept by the local runtime at ${target.endpoint}`);
  io.out(
    `Model calls kept by the local runtime at ${target.endpoint} (${calls.length} call${calls.length === 1 ? '' : 's'}${since(calls)}; ${prices.region} on-demand prices as of ${prices.retrieved}): ${usd(total)}`,
  );
  io.out('');
  io.out(
    table(
      ['MODEL', 'CALLS', 'FAILED', 'TOKENS IN', 'CACHE READ', 'CACHE WRITE', 'TOKENS OUT', 'IMAGES', 'COST'],
      rows.map((r) => [
        r.model,
        count(r.calls),
        count(r.failed),
        count(r.inputTokens),
        count(r.cacheReadInputTokens),
        count(r.cacheWriteInputTokens),
        count(r.outputTokens),
        count(r.images),
        r.usd === undefined ? 'no price' : usd(r.usd),
      ]),
    ),
  );
  const asInput = rows.filter((r) => r.cachePricedAsInput).map((r) => r.model);
  io.out('Cache reads and writes are priced at their own prices (Claude: reads 0.1x, writes 1.25x the input price; Nova: reads 0.25x).');
  if (asInput.length > 0) io.out(`No cache price for ${asInput.join(', ')}: their cache tokens are priced as input tokens.`);
}

/**
 * Why an entry event may not enter the app at all: a function that puts events on a bus from
 * its own code and declares none may be what sends it, and is then counted twice.
 */
function mayBeEmitted(usage: AppUsage): string {
  if (usage.undeclaredPublishers.length === 0 || usage.entries.length < 2) return '';
  const who = usage.undeclaredPublishers.map((p) => `${p.function} on ${p.bus}`).join(', ');
  return `; a function may send some of them from its own code (${who}: it declares no events), and they are then counted again here: declare what it publishes with EventHub.connectPublisher(fn, [contracts]) to have them followed from it, or pass --entry with the true entry events`;
}

/** Since when the calls are kept: the oldest one's time (the read API answers newest first). */
function since(calls: readonly ModelCallSummary[]): string {
  const oldest = calls.at(-1);
  return oldest === undefined ? '' : ` since ${time(new Date(oldest.at))}`;
}

/** A per-event quantity with three significant digits, however small (GB of logs per event), never in exponent notation. */
export function perEvent(n: number): string {
  return n >= 1000 || n === 0 ? count(n) : n.toLocaleString('en-US', { maximumSignificantDigits: 3, maximumFractionDigits: 20 });
}
