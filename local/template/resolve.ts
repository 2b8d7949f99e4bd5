import { createHash } from 'node:crypto';
import type { Template } from './cloud-assembly.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** What `{ "Ref": "AWS::NoValue" }` resolves to: the property (or list element) holding it disappears. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
export type Resolved = Json | typeof NO_VALUE;

/** The template is wrong in a way CloudFormation would reject too: loading stops. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly reason: string,
    /** Where in the app the error is (`Stack/LogicalId.Properties.X`); unset until a caller knows. */
    readonly where?: string,
  ) {
    super(where === undefined ? reason : `${where}: ${reason}`);
  }
}

/** The template is valid but asks for something the local runtime cannot do: the value is dropped with a warning. */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
  constructor(
    message: string,
    /**
     * Set when the value is a custom resource's answer (local/template/custom-resource-references.ts):
     * `pending` until it has answered, else it failed or lacks the attribute. Its resource is
     * held back rather than run without it, where the runtime can start it later.
     */
    readonly held?: { readonly pending: boolean },
  ) {
    super(message);
  }
}

export interface ResolverOptions {
  readonly template: Template;
  readonly stackName: string;
  readonly accountId: string;
  readonly region: string;
  /** Values for template parameters, in place of their defaults. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** What `Ref` returns for a resource of the template. */
  readonly ref: (logicalId: string) => Json;
  /** What `Fn::GetAtt` returns for an attribute of a resource of the template. */
  readonly getAtt: (logicalId: string, attribute: string) => Json;
  /** The value another stack exports under this name; throws `UnsupportedError` if none does. Unset: imports are not resolved. */
  readonly importValue?: (exportName: string) => Json;
  /** The value of an SSM parameter, for template parameters of type `AWS::SSM::Parameter::Value<...>`; undefined if unknown. */
  readonly ssmParameter?: (name: string) => string | undefined;
}

/** The functions CloudFormation only evaluates in a template's `Rules`, which the local runtime skips. */
const RULE_FUNCTIONS = new Set(['Fn::Contains', 'Fn::EachMemberEquals', 'Fn::EachMemberIn', 'Fn::RefAll', 'Fn::ValueOf', 'Fn::ValueOfAll']);
/** CDK's `BootstrapVersion` parameter reads an SSM parameter only the bootstrap `Rules` check. */
const CDK_BOOTSTRAP_PARAMETER = 'BootstrapVersion';

/**
 * Resolves CloudFormation intrinsic functions into local values. Resources are reached
 * through the `ref`/`getAtt` callbacks, so whoever owns the resources decides the order
 * they are created in; conditions are evaluated on first use and remembered.
 */
export class Resolver {
  readonly partition: string;
  readonly urlSuffix: string;
  readonly stackId: string;
  private readonly conditions = new Map<string, boolean>();
  private readonly evaluating: string[] = [];

  constructor(private readonly options: ResolverOptions) {
    this.partition = partitionOf(options.region);
    this.urlSuffix = this.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    this.stackId = `arn:${this.partition}:cloudformation:${options.region}:${options.accountId}:stack/${options.stackName}/${stableUuid(options.stackName)}`;
  }

  /**
   * Resolves a value, dropping only the parts that cannot be resolved locally: each is
   * reported once, with the path of the property that held it, and left out.
   */
  resolveTolerant(value: unknown, where: string, report: (where: string, message: string, error: UnsupportedError) => void): Resolved {
    if (Array.isArray(value)) {
      return value.flatMap((item, i) => {
        const resolved = this.resolveTolerant(item, `${where}[${i}]`, report);
        return resolved === NO_VALUE ? [] : [resolved];
      });
    }
    if (isObject(value) && !isIntrinsic(value)) {
      const result: Record<string, Json> = {};
      for (const [key, item] of Object.entries(value)) {
        const resolved = this.resolveTolerant(item, `${where}.${key}`, report);
        if (resolved !== NO_VALUE) result[key] = resolved;
      }
      return result;
    }
    try {
      return this.resolve(value);
    } catch (error) {
      if (error instanceof UnsupportedError) {
        report(where, error.message, error);
        return NO_VALUE;
      }
      if (error instanceof TemplateError && error.where === undefined) throw new TemplateError(error.reason, where);
      throw error;
    }
  }

  /** Resolves a value; throws `UnsupportedError` or `TemplateError` for any part that cannot be resolved. */
  resolve(value: unknown): Resolved {
    if (typeof value === 'string' && value.includes('{{resolve:')) return this.dynamicReferences(value);
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map((item) => this.resolve(item)).filter((item): item is Json => item !== NO_VALUE);
    if (!isObject(value)) throw new TemplateError(`not a template value: ${String(value)}`);
    if (isIntrinsic(value)) {
      const [name, args] = Object.entries(value)[0] as [string, unknown];
      return this.intrinsic(name, args);
    }
    const result: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = this.resolve(item);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  }

  /**
   * CloudFormation dynamic references in a string: `{{resolve:ssm:name}}` (and `ssm-secure`)
   * read the SSM parameter, from the app's templates or the local SSM store; others
   * (`secretsmanager`) are not read locally.
   */
  private dynamicReferences(text: string): string {
    return text.replace(/\{\{resolve:([a-z-]+):([^}]*)\}\}/g, (reference, service: string, target: string) => {
      if (service !== 'ssm' && service !== 'ssm-secure') {
        throw new UnsupportedError(`dynamic reference ${reference}: ${service} is not read locally`);
      }
      // `name:version` pins a version; the local store serves the current one.
      const name = target.replace(/:[0-9]+$/, '');
      const value = this.options.ssmParameter?.(name);
      if (value === undefined) {
        throw new UnsupportedError(
          `dynamic reference ${reference}: SSM parameter ${JSON.stringify(name)} is neither declared by a stack of the app nor in the local SSM store`,
        );
      }
      return value;
    });
  }

  /** Whether the named entry of the template's `Conditions` holds. */
  condition(name: string): boolean {
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    const definition = this.options.template.Conditions?.[name];
    if (definition === undefined) throw new TemplateError(`condition "${name}" is not defined in Conditions`);
    if (this.evaluating.includes(name)) {
      throw new TemplateError(`circular condition: ${[...this.evaluating.slice(this.evaluating.indexOf(name)), name].join(' -> ')}`);
    }
    this.evaluating.push(name);
    try {
      const holds = this.evaluate(definition);
      this.conditions.set(name, holds);
      return holds;
    } finally {
      this.evaluating.pop();
    }
  }

  /** Evaluates a condition function (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `{ Condition }`). */
  evaluate(value: unknown): boolean {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    if (isObject(value) && Object.keys(value).length === 1) {
      const [name, args] = Object.entries(value)[0] as [string, unknown];
      switch (name) {
        case 'Condition':
          if (typeof args !== 'string') throw new TemplateError('Condition takes the name of a condition');
          return this.condition(args);
        case 'Fn::Equals': {
          const [a, b] = this.args(name, args, 2);
          return sameValue(this.resolveValue(name, a), this.resolveValue(name, b));
        }
        case 'Fn::Not':
          return !this.evaluate(this.args(name, args, 1)[0]);
        case 'Fn::And':
          return this.conditionList(name, args).every((c) => this.evaluate(c));
        case 'Fn::Or':
          return this.conditionList(name, args).some((c) => this.evaluate(c));
      }
      if (RULE_FUNCTIONS.has(name)) throw new UnsupportedError(`${name} only works in a template's Rules, which are not checked locally`);
    }
    throw new TemplateError(`not a condition: ${JSON.stringify(value)}`);
  }

  private intrinsic(name: string, args: unknown): Resolved {
    switch (name) {
      case 'Ref':
        if (typeof args !== 'string') throw new TemplateError('Ref takes a logical id or parameter name');
        return this.ref(args);
      case 'Fn::GetAtt':
        return this.getAtt(args);
      case 'Fn::Join': {
        const [separator, list] = this.args(name, args, 2);
        if (typeof separator !== 'string') throw new TemplateError('Fn::Join takes a separator string first');
        return this.list(name, list)
          .map((item) => scalar(name, item))
          .join(separator);
      }
      case 'Fn::Sub':
        return this.sub(args);
      case 'Fn::Select': {
        const [index, list] = this.args(name, args, 2);
        const i = Number(scalar(name, this.resolveValue(name, index)));
        const items = this.list(name, list);
        const item = Number.isInteger(i) ? items[i] : undefined;
        if (item === undefined) throw new TemplateError(`Fn::Select index ${i} is outside the list of ${items.length}`);
        return item;
      }
      case 'Fn::Split': {
        const [separator, source] = this.args(name, args, 2);
        if (typeof separator !== 'string' || separator === '') throw new TemplateError('Fn::Split takes a separator string first');
        return scalar(name, this.resolveValue(name, source)).split(separator);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = this.args(name, args, 3);
        if (typeof condition !== 'string') throw new TemplateError('Fn::If takes the name of a condition first');
        return this.resolve(this.condition(condition) ? whenTrue : whenFalse);
      }
      case 'Fn::Equals':
      case 'Fn::Not':
      case 'Fn::And':
      case 'Fn::Or':
        return this.evaluate({ [name]: args });
      case 'Fn::FindInMap':
        return this.findInMap(args);
      case 'Fn::GetAZs': {
        const region = scalar(name, this.resolveValue(name, args)) || this.options.region;
        // Lambda, SQS and the rest run in no zone locally; three names keep Fn::Select working.
        return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
      }
      case 'Fn::Base64':
        return Buffer.from(scalar(name, this.resolveValue(name, args))).toString('base64');
      case 'Fn::ImportValue': {
        const exportName = this.resolveValue(name, args);
        if (typeof exportName !== 'string') throw new TemplateError('Fn::ImportValue takes the name of an export');
        if (this.options.importValue !== undefined) return this.options.importValue(exportName);
        throw new UnsupportedError(
          `Fn::ImportValue ${JSON.stringify(exportName)} reads another stack's export; stacks load on their own locally`,
        );
      }
      case 'Fn::Length':
        return this.list(name, args).length;
      case 'Fn::ToJsonString':
        return JSON.stringify(this.resolveValue(name, args));
    }
    if (RULE_FUNCTIONS.has(name)) throw new UnsupportedError(`${name} only works in a template's Rules, which are not checked locally`);
    throw new UnsupportedError(`${name} is not supported locally`);
  }

  private ref(name: string): Resolved {
    switch (name) {
      case 'AWS::AccountId':
        return this.options.accountId;
      case 'AWS::Region':
        return this.options.region;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return this.urlSuffix;
      case 'AWS::StackName':
        return this.options.stackName;
      case 'AWS::StackId':
        return this.stackId;
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::NoValue':
        return NO_VALUE;
    }
    if (this.options.template.Resources?.[name] !== undefined) return this.options.ref(name);
    if (this.options.template.Parameters?.[name] !== undefined) return this.parameter(name);
    throw new TemplateError(`Ref to "${name}", which is no resource, parameter or pseudo parameter of the template`);
  }

  private parameter(name: string): Json {
    const parameter = this.options.template.Parameters?.[name];
    if (parameter === undefined) throw new TemplateError(`no parameter "${name}"`);
    const given = this.options.parameters?.[name];
    const isSsm = parameter.Type.startsWith('AWS::SSM::Parameter::Value<');
    let value: unknown;
    if (given !== undefined) value = given;
    else if (isSsm && name !== CDK_BOOTSTRAP_PARAMETER) {
      const parameterName = typeof parameter.Default === 'string' ? parameter.Default : undefined;
      value = parameterName === undefined ? undefined : this.options.ssmParameter?.(parameterName);
      if (value === undefined) {
        throw new UnsupportedError(
          `parameter ${name} reads SSM parameter ${JSON.stringify(parameter.Default)}, which no stack of the app declares and the local SSM store does not have; put it (aws ssm put-parameter) and start again`,
        );
      }
    } else if (parameter.Default !== undefined) value = parameter.Default;
    else
      throw new UnsupportedError(
        `parameter ${name} has no default; pass a value for it: switchyard dev --parameters '${name}=<value>', as cdk deploy --parameters takes it`,
      );

    const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
    return /List<|CommaDelimitedList/.test(parameter.Type) ? text.split(',').map((item) => item.trim()) : text;
  }

  private getAtt(args: unknown): Json {
    let logicalId: unknown;
    let attribute: unknown;
    if (typeof args === 'string') {
      const dot = args.indexOf('.');
      if (dot <= 0) throw new TemplateError(`Fn::GetAtt "${args}" names no attribute`);
      [logicalId, attribute] = [args.slice(0, dot), args.slice(dot + 1)];
    } else {
      [logicalId, attribute] = this.args('Fn::GetAtt', args, 2);
      attribute = scalar('Fn::GetAtt', this.resolveValue('Fn::GetAtt', attribute));
    }
    if (typeof logicalId !== 'string' || typeof attribute !== 'string') {
      throw new TemplateError('Fn::GetAtt takes a logical id and an attribute name');
    }
    if (this.options.template.Resources?.[logicalId] === undefined) {
      throw new TemplateError(`Fn::GetAtt ${logicalId}.${attribute} names no resource of the template`);
    }
    return this.options.getAtt(logicalId, attribute);
  }

  private sub(args: unknown): string {
    let text: unknown = args;
    let variables: Record<string, unknown> = {};
    if (Array.isArray(args)) {
      const [first, second] = this.args('Fn::Sub', args, 2);
      if (!isObject(second)) throw new TemplateError('Fn::Sub takes a string and a map of variables');
      [text, variables] = [first, second];
    }
    if (typeof text !== 'string') throw new TemplateError('Fn::Sub takes a string');
    return text.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
      // `${!Literal}` writes `${Literal}` through unchanged.
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      if (Object.hasOwn(variables, name)) return scalar('Fn::Sub', this.resolveValue('Fn::Sub', variables[name]));
      const dot = name.indexOf('.');
      const value = dot > 0 && !name.startsWith('AWS::') ? this.getAtt(name) : this.resolveValue('Fn::Sub', { Ref: name });
      return scalar('Fn::Sub', value);
    });
  }

  private findInMap(args: unknown): Json {
    const [map, top, second] = this.args('Fn::FindInMap', args, 3).map((key) =>
      scalar('Fn::FindInMap', this.resolveValue('Fn::FindInMap', key)),
    );
    const value = this.options.template.Mappings?.[map ?? '']?.[top ?? '']?.[second ?? ''];
    if (value === undefined) throw new TemplateError(`Fn::FindInMap: Mappings has no ${map}.${top}.${second}`);
    return this.resolveValue('Fn::FindInMap', value);
  }

  /** Resolves a value that must exist: `AWS::NoValue` is not allowed where a function needs an argument. */
  private resolveValue(fn: string, value: unknown): Json {
    const resolved = this.resolve(value);
    if (resolved === NO_VALUE) throw new TemplateError(`${fn} cannot take AWS::NoValue`);
    return resolved;
  }

  private list(fn: string, value: unknown): Json[] {
    const resolved = this.resolveValue(fn, value);
    if (!Array.isArray(resolved)) throw new TemplateError(`${fn} takes a list, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  private conditionList(fn: string, args: unknown): unknown[] {
    if (!Array.isArray(args) || args.length < 2 || args.length > 10) throw new TemplateError(`${fn} takes 2 to 10 conditions`);
    return args;
  }

  private args(fn: string, args: unknown, count: number): unknown[] {
    if (!Array.isArray(args) || args.length !== count) throw new TemplateError(`${fn} takes a list of ${count} arguments`);
    return args;
  }
}

/** A function call: an object whose only key is `Ref` or `Fn::*`. */
function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0]?.startsWith('Fn::') ?? false));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Joins and substitutions work on strings; CloudFormation writes numbers and booleans as text. */
function scalar(fn: string, value: Json): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${fn} needs a string, got ${JSON.stringify(value)}`);
}

/** Fn::Equals compares values as CloudFormation does: `1` equals `"1"`. */
function sameValue(a: Json, b: Json): boolean {
  const structured = (value: Json) => typeof value === 'object' && value !== null;
  const text = (value: Json) => (structured(value) ? JSON.stringify(value) : String(value));
  return structured(a) === structured(b) && text(a) === text(b);
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** A UUID (version 4 in shape) derived from a seed, so ids stay the same from one start to the next. */
export function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
