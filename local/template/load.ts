import { existsSync, statSync } from 'node:fs';
import { assetPathOf, readCloudAssembly, type StackArtifact, type Template, type TemplateResource } from './cloud-assembly.js';
import { type Json, NO_VALUE, Resolver, TemplateError, UnsupportedError } from './resolve.js';
import { generatedName, identify, isKnownResourceType, KNOWN_RESOURCE_TYPES } from './resources.js';

export { KNOWN_RESOURCE_TYPES };

export interface LoadAppOptions {
  /** The cloud assembly folder `cdk synth` wrote. */
  readonly cdkOut: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Where the local endpoint listens (`http://localhost:4566`); queue URLs point at it. */
  readonly baseUrl: string;
  /** The resource types the local services run; any other type in a template is reported. */
  readonly supportedTypes: ReadonlySet<string>;
  /** Values for template parameters, in place of their defaults. */
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface LoadedResource {
  readonly logicalId: string;
  readonly type: string;
  /** The properties with every intrinsic resolved; what could not be resolved is left out (and warned about). */
  readonly properties: Record<string, Json>;
  readonly physicalName: string;
  /** What `Ref` returns for the resource. */
  readonly ref: string;
  /** What `Fn::GetAtt` returns, by attribute name. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The folder the resource's code asset was staged in (a Lambda function's bundle). */
  readonly assetPath?: string;
}

export interface LoadedStack {
  readonly stackName: string;
  /** In an order CloudFormation could create them in: every resource after the ones it references or depends on. */
  readonly resources: readonly LoadedResource[];
  /** The template's outputs, resolved. */
  readonly outputs: Readonly<Record<string, string>>;
}

export interface LoadedApp {
  readonly stacks: readonly LoadedStack[];
  /** One line for each thing the local runtime leaves out: a resource type, an intrinsic, a property value. */
  readonly warnings: readonly string[];
}

const DEFAULT_ACCOUNT = '000000000000';
const DEFAULT_REGION = 'us-east-1';

/** Transforms the loader can do without: it resolves the language extensions' functions itself. */
const HANDLED_TRANSFORMS = new Set(['AWS::LanguageExtensions']);

/**
 * Loads every stack of the cloud assembly: resolves each resource's properties and gives
 * it a local physical name, `Ref` and attributes. Whatever the runtime cannot do is left
 * out with one warning; only a template CloudFormation would reject stops the load.
 */
export function loadApp(options: LoadAppOptions): LoadedApp {
  const warnings: string[] = [];
  const stacks = readCloudAssembly(options.cdkOut).stacks.map((stack) => loadStack(stack, options, warnings));
  return { stacks, warnings };
}

export interface LoadStackOptions extends Omit<LoadAppOptions, 'cdkOut'> {}

/** Loads one stack; warnings are appended to `warnings`. */
export function loadStack(stack: StackArtifact, options: LoadStackOptions, warnings: string[]): LoadedStack {
  return new StackLoader(stack, options, warnings).load();
}

class StackLoader {
  private readonly accountId: string;
  private readonly region: string;
  private readonly resolver: Resolver;
  private readonly definitions: Record<string, TemplateResource>;
  private readonly loaded = new Map<string, LoadedResource>();
  /** The resources being loaded, innermost last: a resource met again here is a cycle. */
  private readonly loading: string[] = [];
  private readonly order: LoadedResource[] = [];

  constructor(
    private readonly stack: StackArtifact,
    private readonly options: LoadStackOptions,
    private readonly warnings: string[],
  ) {
    this.accountId = options.accountId ?? DEFAULT_ACCOUNT;
    this.region = options.region ?? DEFAULT_REGION;
    this.definitions = checkResources(stack.template, stack.stackName);
    this.resolver = new Resolver({
      template: stack.template,
      stackName: stack.stackName,
      accountId: this.accountId,
      region: this.region,
      ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
      ref: (logicalId) => this.returnValues(logicalId, 'Ref').ref,
      getAtt: (logicalId, attribute) => {
        const value = this.returnValues(logicalId, `Fn::GetAtt ${logicalId}.${attribute}`).attributes[attribute];
        if (value === undefined) {
          const type = this.definitions[logicalId]?.Type;
          throw new UnsupportedError(`Fn::GetAtt ${logicalId}.${attribute}: ${type} has no attribute ${attribute} locally`);
        }
        return value;
      },
    });
  }

  load(): LoadedStack {
    this.warnAboutEnvironment();
    const transforms = [this.stack.template.Transform ?? []].flat().filter((t) => typeof t !== 'string' || !HANDLED_TRANSFORMS.has(t));
    for (const transform of transforms) {
      this.warn(`${this.stack.stackName}: Transform ${JSON.stringify(transform)} is not applied locally; the template is read as written`);
    }

    for (const logicalId of Object.keys(this.definitions)) {
      if (this.created(logicalId)) this.resource(logicalId);
    }
    return { stackName: this.stack.stackName, resources: this.order, outputs: this.outputs() };
  }

  /** Whether CloudFormation would create the resource: its `Condition`, if any, holds. */
  private created(logicalId: string): boolean {
    const condition = this.definitions[logicalId]?.Condition;
    if (condition === undefined) return true;
    try {
      return this.resolver.condition(condition);
    } catch (error) {
      if (error instanceof TemplateError && error.where === undefined) throw new TemplateError(error.reason, this.where(logicalId));
      throw error;
    }
  }

  /** The resource's Ref and attributes, for another resource that references it. */
  private returnValues(logicalId: string, use: string): LoadedResource {
    const definition = this.definitions[logicalId];
    if (definition === undefined) throw new TemplateError(`${use} names no resource of the template`);
    if (!this.created(logicalId)) {
      throw new TemplateError(`${use}: ${logicalId} is not created (condition ${definition.Condition} is false)`);
    }
    if (!isKnownResourceType(definition.Type)) {
      throw new UnsupportedError(`${use}: the return values of ${definition.Type} are not known locally`);
    }
    return this.resource(logicalId);
  }

  /** Loads a resource after everything it references or depends on, once. */
  private resource(logicalId: string): LoadedResource {
    const done = this.loaded.get(logicalId);
    if (done !== undefined) return done;
    if (this.loading.includes(logicalId)) {
      const cycle = [...this.loading.slice(this.loading.indexOf(logicalId)), logicalId];
      throw new TemplateError(`circular dependency between resources: ${cycle.join(' -> ')}`, this.stack.stackName);
    }
    const definition = this.definitions[logicalId];
    if (definition === undefined) throw new TemplateError(`no resource ${logicalId}`, this.stack.stackName);

    this.loading.push(logicalId);
    try {
      for (const dependency of [definition.DependsOn ?? []].flat()) {
        if (this.definitions[dependency] === undefined) {
          throw new TemplateError(`DependsOn names no resource: ${dependency}`, this.where(logicalId));
        }
        if (this.created(dependency)) this.resource(dependency);
      }
      const resource = this.build(logicalId, definition);
      this.loaded.set(logicalId, resource);
      this.order.push(resource);
      return resource;
    } finally {
      this.loading.pop();
    }
  }

  private build(logicalId: string, definition: TemplateResource): LoadedResource {
    const { Type: type } = definition;
    const supported = this.options.supportedTypes.has(type);
    if (type === 'AWS::CloudFormation::Stack') {
      this.warn(`${this.where(logicalId)} (${type}): nested stacks are not supported locally; none of its resources run`);
    } else if (!supported) {
      this.warn(
        isKnownResourceType(type)
          ? `${this.where(logicalId)} (${type}): resource type not supported locally; its Ref and attributes resolve, but nothing runs it`
          : `${this.where(logicalId)} (${type}): resource type not supported locally; it does not run, and Ref or Fn::GetAtt to it cannot resolve`,
      );
    }

    // An unsupported resource is already reported whole; the values it drops would only repeat that.
    const report = supported
      ? (path: string, message: string) => this.warn(`${this.where(logicalId)} (${type}): ${path}: ${message}`)
      : () => {};
    const resolved = this.located(logicalId, () => this.resolver.resolveTolerant(definition.Properties ?? {}, 'Properties', report));
    const properties =
      resolved !== NO_VALUE && typeof resolved === 'object' && resolved !== null && !Array.isArray(resolved) ? resolved : {};

    const identity = identify(type, {
      stackName: this.stack.stackName,
      logicalId,
      accountId: this.accountId,
      region: this.region,
      partition: this.resolver.partition,
      baseUrl: this.options.baseUrl,
      properties,
    });
    const physicalName = identity?.physicalName ?? generatedName(this.stack.stackName, logicalId, 255, /[^A-Za-z0-9_-]/g);
    const metadata = definition.Metadata ?? {};
    const assetPath = this.assetPath(logicalId, type, metadata, properties, supported);

    return {
      logicalId,
      type,
      properties,
      physicalName,
      ref: identity?.ref ?? physicalName,
      attributes: identity?.attributes ?? {},
      metadata,
      ...(assetPath === undefined ? {} : { assetPath }),
    };
  }

  private assetPath(
    logicalId: string,
    type: string,
    metadata: Record<string, unknown>,
    properties: Record<string, Json>,
    supported: boolean,
  ): string | undefined {
    // A function's code is `Code`, a layer's is `Content`.
    const code = properties.Code ?? properties.Content;
    const objectKey = typeof code === 'object' && code !== null && !Array.isArray(code) ? code.S3Key : undefined;
    const assetPath = assetPathOf(this.stack, metadata, objectKey);
    const where = `${this.where(logicalId)} (${type})`;
    if (assetPath === undefined) {
      if (supported && typeof objectKey === 'string') {
        this.warn(`${where}: code s3 object ${objectKey} is not an asset of this cloud assembly`);
      }
      return undefined;
    }
    if (!existsSync(assetPath)) {
      if (supported) this.warn(`${where}: asset ${assetPath} is missing; run \`npx cdk synth\` again`);
      return undefined;
    }
    if (supported && !statSync(assetPath).isDirectory()) {
      this.warn(`${where}: asset ${assetPath} is an archive; the local runtime runs code from unpacked folders`);
    }
    return assetPath;
  }

  private outputs(): Record<string, string> {
    const outputs: Record<string, string> = {};
    for (const [name, output] of Object.entries(this.stack.template.Outputs ?? {})) {
      const value = this.located(undefined, () => {
        if (output.Condition !== undefined && !this.resolver.condition(output.Condition)) return NO_VALUE;
        return this.resolver.resolveTolerant(output.Value, `Outputs.${name}`, (path, message) =>
          this.warn(`${this.stack.stackName} ${path}: ${message}`),
        );
      });
      if (value === NO_VALUE) continue;
      outputs[name] = typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : JSON.stringify(value);
    }
    return outputs;
  }

  /** Names the stack's own region and account, when a template spells them out, if they differ from the local ones. */
  private warnAboutEnvironment(): void {
    const { account, region } = this.stack.environment;
    if (region !== undefined && region !== this.region) {
      this.warn(
        `${this.stack.stackName}: synthesized for region ${region} but loaded as ${this.region}; ARNs the template spells out keep ${region}`,
      );
    }
    if (account !== undefined && account !== this.accountId) {
      this.warn(
        `${this.stack.stackName}: synthesized for account ${account} but loaded as ${this.accountId}; ARNs the template spells out keep ${account}`,
      );
    }
  }

  /** Puts the stack and logical id in front of an error's property path (`Properties.X`, `Outputs.Y`). */
  private located<T>(logicalId: string | undefined, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof TemplateError && (error.where === undefined || /^(Properties|Outputs)\b/.test(error.where))) {
        const prefix = logicalId === undefined ? this.stack.stackName : this.where(logicalId);
        throw new TemplateError(
          error.reason,
          error.where === undefined ? prefix : `${prefix}${logicalId === undefined ? ' ' : '.'}${error.where}`,
        );
      }
      throw error;
    }
  }

  private where(logicalId: string): string {
    return `${this.stack.stackName}/${logicalId}`;
  }

  private warn(message: string): void {
    this.warnings.push(message);
  }
}

function checkResources(template: Template, stackName: string): Record<string, TemplateResource> {
  const resources = template.Resources ?? {};
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) {
    throw new TemplateError('Resources is not an object', stackName);
  }
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (typeof resource?.Type !== 'string') throw new TemplateError('resource has no Type', `${stackName}/${logicalId}`);
  }
  return resources;
}
