import { createHash } from 'node:crypto';
import type { LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import type { ThrottleLimits } from './http-api-access-definitions.js';
import { TokenBucket } from './http-api-throttle.js';
import type { HttpResponse } from './payload.js';
import { restError } from './proxy-event-v1.js';

/** An `AWS::ApiGateway::ApiKey`: its `Value`, or a stable one the start-up report prints. */
export interface ApiKeyDefinition {
  readonly id: string;
  readonly value: string;
  readonly enabled: boolean;
}

/** An `AWS::ApiGateway::UsagePlan` as it applies to one API: its stages, limits and keys. */
export interface UsagePlanDefinition {
  readonly id: string;
  readonly stages: ReadonlyMap<string, { readonly methodThrottles: ReadonlyMap<string, ThrottleLimits> }>;
  readonly throttle?: ThrottleLimits;
  readonly quota?: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' };
  readonly keyIds: readonly string[];
}

/** What one REST API needs to check `ApiKeyRequired` methods: the keys by value, the plans that name the API. */
export interface RestApiKeys {
  readonly keys: ReadonlyMap<string, ApiKeyDefinition>;
  readonly plans: readonly UsagePlanDefinition[];
}

type Props = Record<string, unknown>;

/**
 * A key's stable value when the template gives none: AWS generates a random 40-character
 * one; here it is derived from the stack and logical id, so it survives restarts and the
 * caller can keep using the one printed at start-up.
 */
export function generatedKeyValue(stackName: string, logicalId: string): string {
  return createHash('sha256').update(`switchyard api key ${stackName}/${logicalId}`).digest('hex').slice(0, 40);
}

/**
 * The keys and usage plans of the app that concern the API `apiId`. `warnings` gets what is
 * not applied and the generated key values (a notice, so the start-up report shows them).
 */
export function restApiKeysOf(resources: readonly LoadedResource[], apiId: string, warnings: string[]): RestApiKeys {
  const where = whereOf;
  const byType = (type: string) => resources.filter((r) => r.type === type);
  const keys = new Map<string, ApiKeyDefinition>();
  const keyIds = new Set<string>();
  const planKeys = new Map<string, string[]>();
  for (const link of byType('AWS::ApiGateway::UsagePlanKey')) {
    const planId = String(link.properties.UsagePlanId);
    planKeys.set(planId, [...(planKeys.get(planId) ?? []), String(link.properties.KeyId)]);
  }
  const plans: UsagePlanDefinition[] = [];
  for (const plan of byType('AWS::ApiGateway::UsagePlan')) {
    const p = plan.properties as Props;
    const stages = new Map<string, { methodThrottles: Map<string, ThrottleLimits> }>();
    for (const s of (Array.isArray(p.ApiStages) ? p.ApiStages : []) as Props[]) {
      if (String(s.ApiId) !== apiId) continue;
      const methodThrottles = new Map<string, ThrottleLimits>();
      for (const [path, limits] of Object.entries((s.Throttle ?? {}) as Props)) {
        const parsed = limitsOf(limits as Props);
        if (parsed) methodThrottles.set(path, parsed);
      }
      stages.set(String(s.Stage), { methodThrottles });
    }
    if (stages.size === 0) continue;
    const quota = p.Quota as Props | undefined;
    if (quota?.Offset !== undefined && Number(quota.Offset) !== 0) {
      warnings.push(`${where(plan)}: the quota's Offset is not applied locally: each period starts at 0 requests`);
    }
    const throttle = limitsOf((p.Throttle ?? {}) as Props);
    const ids = planKeys.get(plan.ref) ?? [];
    for (const id of ids) keyIds.add(id);
    plans.push({
      id: plan.ref,
      stages,
      ...(throttle ? { throttle } : {}),
      ...(typeof quota?.Limit === 'number' ? { quota: { limit: quota.Limit, period: periodOf(quota.Period) } } : {}),
      keyIds: ids,
    });
  }
  for (const key of byType('AWS::ApiGateway::ApiKey')) {
    const p = key.properties as Props;
    if (!keyIds.has(key.ref)) continue;
    const generated = typeof p.Value !== 'string';
    const value = generated ? generatedKeyValue(key.stackName, key.logicalId) : String(p.Value);
    // CloudFormation's default is a disabled key; CDK's ApiKey sets Enabled: true.
    const enabled = p.Enabled === true;
    keys.set(value, { id: key.ref, value, enabled });
    if (generated && enabled) {
      warnings.push(`${where(key)}: it has no Value; locally its value is ${value} (send it as x-api-key)`);
    }
  }
  return { keys, plans };
}

function limitsOf(p: Props): ThrottleLimits | undefined {
  if (p.RateLimit === undefined && p.BurstLimit === undefined) return undefined;
  // A limit left out is the account default (10,000 a second, burst 5,000), as for stages.
  return { rate: Number(p.RateLimit ?? 10_000), burst: Number(p.BurstLimit ?? 5_000) };
}

const periodOf = (period: unknown) => (period === 'WEEK' || period === 'MONTH' ? period : 'DAY');

/** The start of the quota period `now` falls in, in UTC (a week starts on Sunday). */
function periodStart(period: 'DAY' | 'WEEK' | 'MONTH', now: number): number {
  const d = new Date(now);
  if (period === 'MONTH') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return period === 'WEEK' ? day - d.getUTCDay() * 86_400_000 : day;
}

const forbidden = () => restError(403, 'Forbidden', 'ForbiddenException');

/**
 * The API key check of methods with `ApiKeyRequired`, and the usage plans' throttles and
 * quotas per key. Buckets and quota counts are held in memory: a restart starts them afresh.
 */
export class UsagePlanMeter {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #counts = new Map<string, { start: number; count: number }>();

  /**
   * Undefined when the request may go on; else API Gateway's answer: 403 Forbidden for a
   * missing, unknown or disabled key or one in no plan of this stage; 429 Too Many Requests
   * over the plan's throttle; 429 Limit Exceeded over its quota.
   */
  check(
    keys: RestApiKeys,
    request: { stage: string; apiKey: string | undefined; resourcePath: string; httpMethod: string },
    now: number,
  ): { response: HttpResponse; reason: string } | undefined {
    const key = request.apiKey === undefined ? undefined : keys.keys.get(request.apiKey);
    if (key === undefined || !key.enabled) {
      return { response: forbidden(), reason: request.apiKey === undefined ? 'no API key' : 'an unknown or disabled API key' };
    }
    const plan = keys.plans.find((p) => p.stages.has(request.stage) && p.keyIds.includes(key.id));
    if (plan === undefined) return { response: forbidden(), reason: 'an API key in no usage plan of this stage' };
    const methodKey = `${request.resourcePath}/${request.httpMethod}`;
    const methodLimits = plan.stages.get(request.stage)?.methodThrottles.get(methodKey);
    const limits = methodLimits ?? plan.throttle;
    if (limits !== undefined) {
      const bucketKey = JSON.stringify([plan.id, key.id, request.stage, methodLimits ? methodKey : '*']);
      let bucket = this.#buckets.get(bucketKey);
      if (bucket === undefined) {
        bucket = new TokenBucket(limits, now);
        this.#buckets.set(bucketKey, bucket);
      }
      if (!bucket.take(now)) {
        return { response: restError(429, 'Too Many Requests', 'TooManyRequestsException'), reason: 'the usage plan throttle' };
      }
    }
    if (plan.quota !== undefined) {
      const countKey = JSON.stringify([plan.id, key.id]);
      const start = periodStart(plan.quota.period, now);
      const counted = this.#counts.get(countKey);
      const count = counted?.start === start ? counted.count : 0;
      if (count >= plan.quota.limit) {
        return { response: restError(429, 'Limit Exceeded', 'LimitExceededException'), reason: 'the usage plan quota' };
      }
      this.#counts.set(countKey, { start, count: count + 1 });
    }
    return undefined;
  }
}
