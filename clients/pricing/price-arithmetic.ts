/**
 * The cost arithmetic: usage quantities times the price table. Pure (no I/O), so it can be
 * checked against a hand-computed case. `switchyard cost` and the runtime's GenAI spans
 * (local/traces/model-call-prices.ts) price with it, from the one table below.
 */

/** The dated on-demand price table (each price with its source page), beside this file wherever it ships. */
export const PRICE_TABLE_FILE = new URL('./prices-us-east-1.json', import.meta.url);

export interface Price {
  readonly usd: number;
  /** How many units `usd` buys (1,000,000 for "per million"). */
  readonly per: number;
  readonly unit: string;
  readonly source: string;
  /** The public copies of the price it was cross-checked against (semicolon-separated). */
  readonly checked?: string;
  /** When it was retrieved, where that is later than the table's `retrieved`. */
  readonly retrieved?: string;
}

export interface PriceTable {
  readonly region: string;
  readonly retrieved: string;
  readonly prices: Readonly<Record<string, Price>>;
}

export type Service = 'EventBridge' | 'SQS' | 'Lambda' | 'Step Functions' | 'DynamoDB' | 'CloudWatch Logs' | 'Bedrock';

/** A monthly quantity of one billed unit, for one component of the app. */
export interface Usage {
  readonly service: Service;
  /** The resource it belongs to (a bus, a queue, a function, a state machine, a table, a log group). */
  readonly component: string;
  /** A key of the price table. */
  readonly price: string;
  readonly quantity: number;
}

export interface CostLine extends Usage {
  readonly unit: string;
  readonly usd: number;
}

export interface Estimate {
  readonly lines: readonly CostLine[];
  readonly byService: readonly { service: Service; usd: number }[];
  readonly byComponent: readonly { service: Service; component: string; usd: number }[];
  readonly totalUsd: number;
}

export function priceUsage(usage: readonly Usage[], table: PriceTable): Estimate {
  const lines = usage.map((u) => {
    const price = table.prices[u.price];
    if (price === undefined) throw new Error(`the price table has no "${u.price}"`);
    return { ...u, unit: price.unit, usd: (u.quantity / price.per) * price.usd };
  });
  const sum = <K extends string>(key: (l: CostLine) => K) => {
    const totals = new Map<K, { line: CostLine; usd: number }>();
    for (const line of lines) {
      const k = key(line);
      const t = totals.get(k) ?? { line, usd: 0 };
      t.usd += line.usd;
      totals.set(k, t);
    }
    return [...totals.values()].sort((a, b) => b.usd - a.usd);
  };
  return {
    lines,
    byService: sum((l) => l.service).map(({ line, usd }) => ({ service: line.service, usd })),
    byComponent: sum((l) => `${l.service}\u0000${l.component}`).map(({ line, usd }) => ({
      service: line.service,
      component: line.component,
      usd,
    })),
    totalUsd: lines.reduce((s, l) => s + l.usd, 0),
  };
}

/** Lambda GB-seconds: memory in GB times the billed duration (1 ms granularity). */
export function lambdaGbSeconds(invocations: number, memoryMb: number, durationMs: number): number {
  return invocations * (memoryMb / 1024) * (Math.ceil(durationMs) / 1000);
}

/** Express GB-seconds: duration rounded up to 100 ms, memory in 64 MB chunks. */
export function expressGbSeconds(executions: number, memoryMb: number, durationMs: number): number {
  const billedMs = Math.ceil(durationMs / 100) * 100;
  const billedMb = Math.ceil(memoryMb / 64) * 64;
  return executions * (billedMb / 1024) * (billedMs / 1000);
}

/** Billed units of a payload metered in 64 KB chunks (EventBridge events, SQS requests). */
export function chunks64k(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / (64 * 1024)));
}
