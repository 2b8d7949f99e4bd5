/**
 * The template's Application Load Balancers as the local front door serves them: each
 * listener's rules in priority order with their conditions and actions, and the target
 * groups they forward to. What is not run (a network or gateway load balancer, targets that
 * are instances or IP addresses, authentication actions) is warned of, naming the resource.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html
 */
import type { LoadedApp, LoadedResource } from '../template/load.js';

type Props = Record<string, unknown>;
const obj = (value: unknown): Props => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Props) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === 'string');

/** One condition of a rule; a request matches the rule when it matches every condition. */
export type RuleCondition =
  | { readonly field: 'path-pattern' | 'host-header' | 'http-request-method' | 'source-ip'; readonly values: readonly string[] }
  | { readonly field: 'http-header'; readonly name: string; readonly values: readonly string[] }
  | { readonly field: 'query-string'; readonly pairs: readonly { readonly key?: string; readonly value: string }[] };

/** What a listener or rule does with a request it takes. */
export type ListenerAction =
  | { readonly type: 'forward'; readonly targetGroups: readonly { readonly arn: string; readonly weight: number }[] }
  | { readonly type: 'fixed-response'; readonly statusCode: number; readonly contentType?: string; readonly body?: string }
  | {
      readonly type: 'redirect';
      readonly statusCode: 301 | 302;
      readonly protocol: string;
      readonly host: string;
      readonly port: string;
      readonly path: string;
      readonly query: string;
    }
  | { readonly type: 'not-run'; readonly what: string };

export interface ListenerRule {
  readonly resource: string;
  readonly priority: number;
  readonly conditions: readonly RuleCondition[];
  readonly action: ListenerAction;
}

export interface ListenerDefinition {
  readonly resource: string;
  readonly arn: string;
  readonly port: number;
  /** `HTTP` or `HTTPS`: what `x-forwarded-proto` says (the local endpoint itself speaks HTTP). */
  readonly protocol: string;
  /** Its rules, lowest priority first; the default action takes what none matches. */
  readonly rules: readonly ListenerRule[];
  readonly defaultAction: ListenerAction;
}

export interface LoadBalancerDefinition {
  readonly resource: string;
  readonly name: string;
  readonly arn: string;
  /** The DNS name on AWS (`Fn::GetAtt DNSName`), which the app may print as its URL. */
  readonly dnsName: string;
  readonly listeners: readonly ListenerDefinition[];
}

export interface TargetGroupDefinition {
  readonly resource: string;
  readonly arn: string;
  readonly name: string;
  /** The functions it invokes (a Lambda target group holds one); empty for a group whose targets are not run. */
  readonly functions: readonly string[];
  /** Why its targets are not run locally (instances, IP addresses, another load balancer), if they are not. */
  readonly notRun?: string;
  /** `lambda.multi_value_headers.enabled`: the event and answer carry every value of a header and query parameter. */
  readonly multiValueHeaders: boolean;
}

export interface Elbv2Definitions {
  readonly loadBalancers: readonly LoadBalancerDefinition[];
  readonly targetGroups: readonly TargetGroupDefinition[];
  readonly warnings: readonly string[];
}

const where = (r: LoadedResource) => `${r.stackName}/${r.logicalId} (${r.type})`;

/** The app's Application Load Balancers, their listeners and rules, and their target groups. */
export function elbv2Definitions(app: LoadedApp): Elbv2Definitions {
  return elbv2DefinitionsOf(app.stacks.flatMap((stack) => stack.resources));
}

/** The same, from the app's resources of every stack. */
export function elbv2DefinitionsOf(resources: readonly LoadedResource[]): Elbv2Definitions {
  const byType = (type: string) => resources.filter((r) => r.type === `AWS::ElasticLoadBalancingV2::${type}`);
  const warnings: string[] = [];
  const targetGroups = byType('TargetGroup').map((r) => targetGroupOf(r, warnings));
  const rules = byType('ListenerRule');
  const listeners = byType('Listener');
  const loadBalancers: LoadBalancerDefinition[] = [];
  for (const r of byType('LoadBalancer')) {
    if (r.properties.Type === 'network' || r.properties.Type === 'gateway') {
      warnings.push(`${where(r)}: a ${String(r.properties.Type)} load balancer is not run locally (only Application Load Balancers are)`);
      continue;
    }
    const own = listeners.filter((l) => l.properties.LoadBalancerArn === r.ref);
    loadBalancers.push({
      resource: `${r.stackName}/${r.logicalId}`,
      name: r.attributes.LoadBalancerName ?? r.physicalName,
      arn: r.ref,
      dnsName: r.attributes.DNSName ?? '',
      listeners: own.map((l) => listenerOf(l, rules, warnings)),
    });
  }
  return { loadBalancers, targetGroups, warnings };
}

function listenerOf(r: LoadedResource, rules: readonly LoadedResource[], warnings: string[]): ListenerDefinition {
  const p = r.properties as Props;
  const protocol = typeof p.Protocol === 'string' ? p.Protocol : p.Certificates === undefined ? 'HTTP' : 'HTTPS';
  const port = Number(p.Port ?? (protocol === 'HTTPS' ? 443 : 80));
  const own = rules
    .filter((rule) => rule.properties.ListenerArn === r.ref)
    .map((rule) => ({
      resource: `${rule.stackName}/${rule.logicalId}`,
      priority: Number(rule.properties.Priority),
      conditions: list(rule.properties.Conditions).map((c) => conditionOf(obj(c))),
      action: actionOf(rule, list(rule.properties.Actions), warnings),
    }))
    .sort((a, b) => a.priority - b.priority);
  return {
    resource: `${r.stackName}/${r.logicalId}`,
    arn: r.ref,
    port,
    protocol,
    rules: own,
    defaultAction: actionOf(r, list(p.DefaultActions), warnings),
  };
}

/** A rule's condition, from its `<Field>Config` or the older `Values` list (path, host). */
function conditionOf(c: Props): RuleCondition {
  const field = String(c.Field);
  const legacy = strings(c.Values);
  switch (field) {
    case 'http-header': {
      const config = obj(c.HttpHeaderConfig);
      return { field, name: String(config.HttpHeaderName ?? '').toLowerCase(), values: strings(config.Values) };
    }
    case 'query-string':
      return {
        field,
        pairs: list(obj(c.QueryStringConfig).Values).map((v) => {
          const pair = obj(v);
          return { ...(typeof pair.Key === 'string' ? { key: pair.Key } : {}), value: String(pair.Value ?? '') };
        }),
      };
    case 'path-pattern':
      return { field, values: legacy.length > 0 ? legacy : strings(obj(c.PathPatternConfig).Values) };
    case 'host-header':
      return { field, values: legacy.length > 0 ? legacy : strings(obj(c.HostHeaderConfig).Values) };
    case 'http-request-method':
      return { field, values: strings(obj(c.HttpRequestMethodConfig).Values) };
    default:
      return { field: 'source-ip', values: strings(obj(c.SourceIpConfig).Values) };
  }
}

/**
 * The action that answers a request (the last of a listener's or rule's actions, after any
 * authentication): forward, a fixed response or a redirect. An authentication action is not
 * run locally, so a request it would guard is refused rather than let through unauthenticated.
 */
function actionOf(r: LoadedResource, actions: readonly unknown[], warnings: string[]): ListenerAction {
  const sorted = actions.map(obj).sort((a, b) => Number(a.Order ?? 0) - Number(b.Order ?? 0));
  const auth = sorted.find((a) => String(a.Type).startsWith('authenticate-'));
  if (auth !== undefined) {
    const what = `its ${String(auth.Type)} action`;
    warnings.push(`${where(r)}: ${what} is not run locally: the requests it takes are answered 501 rather than let in unauthenticated`);
    return { type: 'not-run', what };
  }
  const action = sorted.at(-1) ?? {};
  switch (action.Type) {
    case 'forward': {
      const weighted = list(obj(action.ForwardConfig).TargetGroups).map(obj);
      const targetGroups =
        weighted.length > 0
          ? weighted.map((g) => ({ arn: String(g.TargetGroupArn), weight: Number(g.Weight ?? 1) }))
          : [{ arn: String(action.TargetGroupArn), weight: 1 }];
      return { type: 'forward', targetGroups };
    }
    case 'fixed-response': {
      const config = obj(action.FixedResponseConfig);
      return {
        type: 'fixed-response',
        statusCode: Number(config.StatusCode),
        ...(typeof config.ContentType === 'string' ? { contentType: config.ContentType } : {}),
        ...(typeof config.MessageBody === 'string' ? { body: config.MessageBody } : {}),
      };
    }
    case 'redirect': {
      const config = obj(action.RedirectConfig);
      const text = (key: string, fallback: string) => (typeof config[key] === 'string' ? (config[key] as string) : fallback);
      return {
        type: 'redirect',
        statusCode: config.StatusCode === 'HTTP_301' ? 301 : 302,
        protocol: text('Protocol', '#{protocol}'),
        host: text('Host', '#{host}'),
        port: text('Port', '#{port}'),
        path: text('Path', '/#{path}'),
        query: text('Query', '#{query}'),
      };
    }
    default: {
      const what = `its ${String(action.Type ?? 'missing')} action`;
      warnings.push(`${where(r)}: ${what} is not run locally: the requests it takes are answered 501`);
      return { type: 'not-run', what };
    }
  }
}

function targetGroupOf(r: LoadedResource, warnings: string[]): TargetGroupDefinition {
  const p = r.properties as Props;
  const targetType = typeof p.TargetType === 'string' ? p.TargetType : 'instance';
  const attributes = new Map(list(p.TargetGroupAttributes).map((a) => [String(obj(a).Key), String(obj(a).Value)] as const));
  const base = {
    resource: `${r.stackName}/${r.logicalId}`,
    arn: r.ref,
    name: r.attributes.TargetGroupName ?? r.physicalName,
    multiValueHeaders: attributes.get('lambda.multi_value_headers.enabled') === 'true',
  };
  if (targetType !== 'lambda') {
    const notRun = `its ${targetType} targets are not run locally (no EC2 instances or containers): requests forwarded to it are answered 503, as AWS answers a group with no healthy target`;
    warnings.push(`${where(r)}: ${notRun}`);
    return { ...base, functions: [], notRun };
  }
  const functions = list(p.Targets)
    .map((t) => obj(t).Id)
    .filter((id): id is string => typeof id === 'string');
  if (functions.length === 0) {
    warnings.push(`${where(r)}: it has no Lambda function registered: requests forwarded to it are answered 503, as on AWS`);
  }
  if (p.HealthCheckEnabled === true || p.HealthCheckEnabled === 'true') {
    warnings.push(`${where(r)}: health checks are not sent locally: its function is taken as healthy and never invoked by one`);
  }
  return { ...base, functions };
}
