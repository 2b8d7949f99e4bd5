import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type FlowControlSettings, parseKeyPath } from '../../../contracts/flow-control.js';
import { ENV } from '../../../contracts/wiring.js';
import { requireEnv } from '../config.js';
import { ConfigError } from '../errors.js';
import { instrumentClient } from '../tracing/aws-calls.js';
import { checkPrioritySettings } from './priority.js';
import type { FlowControlStore } from './store.js';

/** What a consumer's flow control runs with: its settings and the table. */
export interface FlowControlConfig {
  readonly settings: FlowControlSettings;
  readonly store: FlowControlStore;
}

/**
 * The flow control QueueConsumer configured in the environment (`ENV.flowControl`, and the
 * table in `ENV.flowControlTable`), or undefined if it configured none. Call it at module
 * load: malformed settings throw ConfigError, so the function fails at its cold start.
 */
export function flowControlFromEnv(env: NodeJS.ProcessEnv = process.env, client?: DynamoDBClient): FlowControlConfig | undefined {
  const raw = env[ENV.flowControl];
  if (raw === undefined || raw.trim() === '') return undefined;
  const settings = parseFlowControlSettings(raw);
  return {
    settings,
    store: { client: client ?? instrumentClient(new DynamoDBClient({})), tableName: requireEnv(ENV.flowControlTable, env) },
  };
}

/** Checks the JSON of FlowControlSettings; throws ConfigError naming the first thing wrong. */
export function parseFlowControlSettings(raw: string): FlowControlSettings {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (thrown) {
    throw new ConfigError(`environment variable ${ENV.flowControl} is not JSON`, { cause: thrown });
  }
  const bad = (what: string): never => {
    throw new ConfigError(`environment variable ${ENV.flowControl}: ${what} (got ${raw.slice(0, 500)})`);
  };
  if (typeof value !== 'object' || value === null) return bad('expected an object');
  const v = value as Record<string, Record<string, unknown> | undefined> & { flow?: unknown };
  if (typeof v.flow !== 'string' || v.flow === '') bad('flow must be a non-empty string');
  const key = v.key;
  if (typeof key?.path === 'string') {
    if (parseKeyPath(key.path) === undefined) bad(`key.path ${JSON.stringify(key.path)} is not a path like $.detail.tenantId`);
  } else if (typeof key?.constant !== 'string' || key.constant === '') bad('key must be { path } or { constant }');
  const positive = (section: string, field: string, integer: boolean) => {
    const x = v[section]?.[field];
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || (integer && !Number.isInteger(x))) {
      bad(`${section}.${field} must be a positive ${integer ? 'integer' : 'number'}`);
    }
  };
  if (v.concurrency !== undefined) {
    positive('concurrency', 'limit', true);
    positive('concurrency', 'leaseMarginSeconds', false);
  }
  if (v.rateLimit !== undefined) {
    positive('rateLimit', 'limit', true);
    positive('rateLimit', 'periodSeconds', false);
  }
  if (v.debounce !== undefined) {
    for (const field of ['periodSeconds', 'maxWaitSeconds', 'keepSeconds']) positive('debounce', field, false);
  }
  if (v.pauseOnThrottle !== undefined) {
    positive('pauseOnThrottle', 'defaultSeconds', false);
    positive('pauseOnThrottle', 'maxSeconds', false);
  }
  if (v.circuitBreaker !== undefined) {
    positive('circuitBreaker', 'failureThreshold', true);
    for (const field of ['windowSeconds', 'openSeconds', 'maxOpenSeconds']) positive('circuitBreaker', field, false);
  }
  if (v.priority !== undefined) checkPrioritySettings(v.priority, bad);
  if (v.retentionSeconds !== undefined) {
    const r = v.retentionSeconds as unknown;
    if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0) bad('retentionSeconds must be a positive number');
  }
  return value as FlowControlSettings;
}
