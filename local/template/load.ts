import { existsSync } from 'node:fs';
import { assetPathOf, readCloudAssembly, readJson, type StackArtifact, type Template, type TemplateResource } from './cloud-assembly.js';
import {
  type CustomResourceOutcomes,
  CustomResourceReferences,
  FULFILLED_BY_LOADER,
  type HeldResource,
} from './custom-resource-references.js';
import { deployTimeOnly, notRun, runLocally, unresolvedAttribute } from './not-run.js';
import { type Json, NO_VALUE, Resolver, TemplateError, UnsupportedError } from './resolve.js';
import { resourceAssetPath } from './resource-assets.js';
import type { TemplateTypes } from './resource-spec.js';
import { generatedName, identify, isCustomResourceType, isKnownResourceType } from './resources.js';
import { sharedNameWarnings } from './shared-names.js';
import { describeStack, type StackDescription } from './stack-description.js';
import { AssemblyExports } from './stack-exports.js';
import { deploymentOrder } from './stack-order.js';
import { stackOutputs } from './stack-outputs.js';
import { literalSsmParameters, parametersOf } from './stack-parameters.js';
import { unsetValueWarnings } from './unset-values.js';

export type { StackDescription, StackOutput, StackParameter } from './stack-description.js';

export interface LoadAppOptions {
  /** The cloud assembly folder `cdk synth` wrote. */
  readonly cdkOut: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Where the local endpoint listens (`http://localhost:4566`); queue URLs point at it. */
  readonly baseUrl: string;
  /** The resource types the modules declare (how each is named, which are run); any other type in a template is reported. */
  readonly types: TemplateTypes;
  /**
   * Values for template parameters, in place of their defaults, as `cdk deploy --parameters`
   * takes them: `Name` for every stack that has it, `Stack:Name` for one stack (which wins).
   */
  readonly parameters?: Readonly<Record<string, string>>;
  /**
   * The local SSM store's value of a parameter, for template parameters of type
   * `AWS::SSM::Parameter::Value<...>` that no stack of the app declares.
   */
  readonly ssmParameter?: (name: string) => string | undefined;
  /**
   * The answers of the custom resources the runtime runs: their Ref and attributes resolve from
   * them, and what references one that has not answered is held back (`LoadedStack.heldBack`).
   * Unset: they resolve to a generated id and no attributes.
   */
  readonly customResourceOutcomes?: CustomResourceOutcomes;
}

export interface LoadedResource {
  /** The stack that declares the resource. */
  readonly stackName: string;
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
  /** The region and account the stack was synthesized for, when its environment names them (the runtime loads it in its own all the same). */
  readonly stackRegion?: string;
  readonly stackAccount?: string;
  /** Where the resource's asset was staged: a Lambda function's bundle folder, a state machine's definition file. */
  readonly assetPath?: string;
  /**
   * A resource that only backs custom resources (the provider functions of CDK's log
   * retention, bucket deployment, ..., their layers, the provider framework's waiter state
   * machine): it runs only while CloudFormation deploys, so not locally.
   */
  readonly customResourceProvider?: boolean;
}

export interface LoadedStack {
  readonly stackName: string;
  /** In an order CloudFormation could create them in: every resource after the ones it references or depends on. */
  readonly resources: readonly LoadedResource[];
  /** The template's outputs, resolved. */
  readonly outputs: Readonly<Record<string, string>>;
  /** The outputs' `Export` names and values: what other stacks' `Fn::ImportValue` resolve to. */
  readonly exports: Readonly<Record<string, string>>;
  /** What CloudFormation's read API (DescribeStacks) says of the stack. */
  readonly description: StackDescription;
  /** The cloud assembly's file assets of the stack, by their S3 object key: what a deployment would upload (a bucket deployment's sources). */
  readonly assets?: ReadonlyMap<string, string>;
  /**
   * The template as the assembly wrote it (intrinsics unresolved): what the runtime runs, for a
   * reader that finds the app's parts by their references (the console's pauses), when the
   * assembly's folder has since changed or been emptied by a synthesis that failed.
   */
  readonly template: Template;
  /**
   * The resources held back, not in `resources`: each references a custom resource's answer
   * that is not there (LoadAppOptions.customResourceOutcomes), or a resource held back itself.
   */
  readonly heldBack?: readonly HeldResource[];
  /** The outputs (`Outputs.<key>`) waiting for a custom resource's answer, left out until it comes. */
  readonly pendingOutputs?: readonly string[];
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
  const shared = sharedState();
  // In deployment order, so every export and SSM parameter exists before a stack reads it.
  const artifacts = deploymentOrder(readCloudAssembly(options.cdkOut).stacks);
  for (const stack of artifacts) shared.stacks.push(new StackLoader(stack, options, warnings, shared).load());
  const local = { account: options.accountId ?? DEFAULT_ACCOUNT, region: options.region ?? DEFAULT_REGION };
  warnings.push(...sharedNameWarnings(shared.stacks, artifacts, local), ...unsetValueWarnings(shared.stacks));
  return { stacks: shared.stacks, warnings };
}

export interface LoadStackOptions extends Omit<LoadAppOptions, 'cdkOut'> {}

/** Loads one stack, and the nested stacks it holds; warnings are appended to `warnings`. */
export function loadStack(stack: StackArtifact, options: LoadStackOptions, warnings: string[]): LoadedStack {
  return new StackLoader(stack, options, warnings, sharedState()).load();
}

/** What the stacks of one app see of each other, as CloudFormation shares it within an account and region. */
interface SharedState {
  readonly exports: AssemblyExports;
  /** SSM parameters the stacks loaded so far declare: name -> value. */
  readonly ssmParameters: Map<string, string>;
  /** The stacks loaded so far, nested stacks before the stack that holds them. */
  readonly stacks: LoadedStack[];
}

function sharedState(): SharedState {
  return { exports: new AssemblyExports(), ssmParameters: new Map(), stacks: [] };
}

const NESTED_STACK = 'AWS::CloudFormation::Stack';

class StackLoader {
  private readonly accountId: string;
  private readonly region: string;
  readonly resolver: Resolver;
  private readonly definitions: Record<string, TemplateResource>;
  private readonly loaded = new Map<string, LoadedResource>();
  /** The resources being loaded, innermost last: a resource met again here is a cycle. */
  private readonly loading: string[] = [];
  private readonly order: LoadedResource[] = [];
  /** The resources held back (a custom resource's answer they reference is not there), by logical id. */
  private readonly held = new Map<string, HeldResource>();
  private readonly references: CustomResourceReferences;
  /** What only backs custom resources: left out quietly. */
  private readonly deployTimeOnly: ReadonlySet<string>;
  /** The values given for the template's parameters (CDK v1's asset parameters valued from the assembly). */
  private readonly parameterValues: Readonly<Record<string, string>>;

  constructor(
    private readonly stack: StackArtifact,
    private readonly options: LoadStackOptions,
    private readonly warnings: string[],
    private readonly shared: SharedState,
    private readonly parentStackId?: string,
  ) {
    this.accountId = options.accountId ?? DEFAULT_ACCOUNT;
    this.region = options.region ?? DEFAULT_REGION;
    this.definitions = checkResources(stack.template, stack.stackName);
    this.deployTimeOnly = deployTimeOnly(this.definitions, options.types.supported);
    this.parameterValues = {
      ...stack.assetParameters,
      ...(options.parameters === undefined ? {} : parametersOf(stack.stackName, options.parameters)),
    };
    const declaredHere = literalSsmParameters(this.definitions);
    this.references = new CustomResourceReferences({
      stackName: stack.stackName,
      definitions: this.definitions,
      supported: options.types.supported,
      deployTimeOnly: this.deployTimeOnly,
      ...(options.customResourceOutcomes === undefined ? {} : { outcomes: options.customResourceOutcomes }),
      ...(options.types.reloaded === undefined ? {} : { reloaded: options.types.reloaded }),
    });
    this.resolver = new Resolver({
      template: stack.template,
      stackName: stack.stackName,
      accountId: this.accountId,
      region: this.region,
      parameters: this.parameterValues,
      // A custom resource the runtime runs answers its own Ref and attributes (after it is loaded: it may be held back itself).
      ref: (logicalId) => {
        const { ref } = this.returnValues(logicalId, 'Ref');
        return this.references.answers(logicalId) ? this.references.value(logicalId, undefined, this.loading.at(-1)) : ref;
      },
      getAtt: (logicalId, attribute) => {
        const loaded = this.returnValues(logicalId, `Fn::GetAtt ${logicalId}.${attribute}`);
        if (this.references.answers(logicalId)) return this.references.value(logicalId, attribute, this.loading.at(-1));
        const value = loaded.attributes[attribute];
        if (value === undefined) {
          const type = this.definitions[logicalId]?.Type;
          throw new UnsupportedError(`Fn::GetAtt ${logicalId}.${attribute}: ${unresolvedAttribute(type, attribute)}`);
        }
        return value;
      },
      importValue: (exportName) => this.shared.exports.importValue(exportName),
      ssmParameter: (name) => this.shared.ssmParameters.get(name) ?? declaredHere.get(name) ?? options.ssmParameter?.(name),
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
    const { outputs, exports, exportNames, pending } = stackOutputs({
      stackName: this.stack.stackName,
      template: this.stack.template,
      resolver: this.resolver,
      exports: this.shared.exports,
      located: (run) => this.located(undefined, run),
      warn: (message) => this.warn(message),
    });
    for (const warning of this.shared.exports.add(this.stack.stackName, exports)) this.warn(warning);
    const description = describeStack({
      template: this.stack.template,
      resolver: this.resolver,
      parameterValues: this.parameterValues,
      outputs,
      exportNames,
      ...(this.parentStackId === undefined ? {} : { parentStackId: this.parentStackId }),
    });
    const { stackName, assets, template } = this.stack;
    const heldBack = [...this.held.values()];
    const held = { ...(heldBack.length ? { heldBack } : {}), ...(pending.length ? { pendingOutputs: pending } : {}) };
    return { stackName, resources: this.order, outputs, exports, description, assets, template, ...held };
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
    if (!isKnownResourceType(this.options.types.specs, definition.Type) && definition.Type !== NESTED_STACK) {
      throw new UnsupportedError(`${use}: the return values of ${definition.Type} are not known locally`);
    }
    const resource = this.resource(logicalId);
    const held = this.held.get(logicalId);
    const referrer = this.loading.at(-1);
    // CloudFormation creates a resource after those it references: one that can wait for a held one does.
    if (held !== undefined && referrer !== undefined && this.references.canWait(referrer)) {
      throw new UnsupportedError(`${use}: ${logicalId} is held back: ${held.reason}`, { pending: held.pending });
    }
    return resource;
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
      const dependency = [definition.DependsOn ?? []].flat().find((d) => this.held.has(d));
      const waits = dependency === undefined ? undefined : (this.held.get(dependency) as HeldResource);
      if (waits !== undefined && !this.held.has(logicalId) && this.references.canWait(logicalId)) {
        this.held.set(logicalId, {
          resource,
          reason: `DependsOn ${dependency}, which is held back: ${waits.reason}`,
          pending: waits.pending,
        });
      }
      if (!this.held.has(logicalId)) this.order.push(resource);
      return resource;
    } finally {
      this.loading.pop();
    }
  }

  private build(logicalId: string, definition: TemplateResource): LoadedResource {
    const { Type: type } = definition;
    if (type === NESTED_STACK) return this.nestedStack(logicalId, definition);
    const provider = this.deployTimeOnly.has(logicalId);
    // A custom resource the runtime runs (local/custom-resources/) counts as supported: the values it drops are reported.
    const supported = runLocally(this.definitions, logicalId, this.options.types.supported) && !provider;
    if (!supported && !provider) this.warnNotRun(logicalId, type);

    // An unsupported resource is already reported whole; the values it drops would only repeat that.
    // One that waits for a custom resource's answer is held back rather than run without it (said once it has answered, or failed).
    const waiting: { reason: string; pending: boolean }[] = [];
    const report = (path: string, message: string, error: UnsupportedError) => {
      if (error.held !== undefined && this.references.canWait(logicalId)) waiting.push({ reason: `${path}: ${message}`, ...error.held });
      else if (supported) this.warn(`${this.where(logicalId)} (${type}): ${path}: ${message}`);
    };
    const resolved = this.located(logicalId, () => this.resolver.resolveTolerant(definition.Properties ?? {}, 'Properties', report));
    const properties =
      resolved !== NO_VALUE && typeof resolved === 'object' && resolved !== null && !Array.isArray(resolved) ? resolved : {};

    const identity = identify(this.options.types.specs, type, {
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
    const owner = { where: `${this.where(logicalId)} (${type})`, metadata, properties, supported };
    const assetPath = resourceAssetPath(this.stack, owner, (message) => this.warn(message));

    if (type === 'AWS::SSM::Parameter' && identity !== undefined && !this.shared.ssmParameters.has(physicalName)) {
      this.shared.ssmParameters.set(physicalName, identity.attributes.Value ?? '');
    }
    // CDK's cross-region references write each exported value to an SSM parameter.
    if (type === 'Custom::CrossRegionExportWriter') {
      const exported = (properties.WriterProps as { exports?: Record<string, Json> } | undefined)?.exports ?? {};
      for (const [name, value] of Object.entries(exported)) if (typeof value === 'string') this.shared.ssmParameters.set(name, value);
    }
    const loaded: LoadedResource = {
      stackName: this.stack.stackName,
      logicalId,
      type,
      properties,
      physicalName,
      ref: identity?.ref ?? physicalName,
      attributes: identity?.attributes ?? {},
      metadata,
      ...(this.stack.environment.region === undefined ? {} : { stackRegion: this.stack.environment.region }),
      ...(this.stack.environment.account === undefined ? {} : { stackAccount: this.stack.environment.account }),
      ...(assetPath === undefined ? {} : { assetPath }),
      ...(provider ? { customResourceProvider: true } : {}),
    };
    // Failed first: an answer that never comes outweighs one still to come.
    const why = waiting.find((w) => !w.pending) ?? waiting[0];
    if (why !== undefined) this.held.set(logicalId, { resource: loaded, ...why });
    return loaded;
  }

  /** One warning for a resource no local service runs, saying what does not happen. */
  private warnNotRun(logicalId: string, type: string): void {
    if (FULFILLED_BY_LOADER.has(type)) return;
    const where = `${this.where(logicalId)} (${type})`;
    const what = notRun(type);
    if ('partOf' in what) return;
    if (what.note !== undefined) this.warn(`${where}: ${what.note}`);
    else if (isCustomResourceType(type)) {
      this.warn(`${where}: custom resource not run locally: its provider does not run, so attributes it would return do not resolve`);
    } else if (isKnownResourceType(this.options.types.specs, type)) {
      this.warn(`${where}: resource type not supported locally; its Ref and attributes resolve, but nothing runs it`);
    } else {
      this.warn(`${where}: resource type not supported locally; it does not run, and Ref or Fn::GetAtt to it cannot resolve`);
    }
  }

  /**
   * A nested stack (CDK's NestedStack): its template is a file of the assembly, loaded as a
   * stack of its own with the parameters the parent passes; `Outputs.<name>` reads its outputs.
   */
  private nestedStack(logicalId: string, definition: TemplateResource): LoadedResource {
    const where = `${this.where(logicalId)} (${NESTED_STACK})`;
    const resolved = this.located(logicalId, () =>
      this.resolver.resolveTolerant(definition.Properties ?? {}, 'Properties', (path, message) =>
        this.warn(`${where}: ${path}: ${message}`),
      ),
    );
    const properties =
      resolved !== NO_VALUE && typeof resolved === 'object' && resolved !== null && !Array.isArray(resolved) ? resolved : {};
    const metadata = definition.Metadata ?? {};
    const templateUrl = typeof properties.TemplateURL === 'string' ? properties.TemplateURL : undefined;
    const templateFile = assetPathOf(this.stack, metadata, templateUrl?.slice(templateUrl.lastIndexOf('/') + 1));
    const stackName = generatedName(this.stack.stackName, logicalId, 128, /[^A-Za-z0-9-]/g);
    const base = { stackName: this.stack.stackName, logicalId, type: NESTED_STACK, properties, physicalName: stackName, metadata };
    if (templateFile === undefined || !existsSync(templateFile)) {
      this.warn(`${where}: its template is not a file of the cloud assembly; none of its resources run`);
      return { ...base, ref: stackName, attributes: {} };
    }

    const parameters: Record<string, string> = {};
    const given = properties.Parameters;
    if (typeof given === 'object' && given !== null && !Array.isArray(given)) {
      for (const [name, value] of Object.entries(given)) {
        parameters[name] = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : JSON.stringify(value);
      }
    }
    const child: StackArtifact = {
      ...this.stack,
      artifactId: `${this.stack.artifactId}/${logicalId}`,
      stackName,
      templateFile,
      template: readJson(templateFile) as Template,
      nestedStacks: [],
      dependencies: [],
    };
    const { parameters: _appParameters, ...options } = this.options;
    const loader = new StackLoader(child, { ...options, parameters }, this.warnings, this.shared, this.resolver.stackId);
    const loaded = loader.load();
    this.shared.stacks.push(loaded);
    const attributes = Object.fromEntries(Object.entries(loaded.outputs).map(([name, value]) => [`Outputs.${name}`, value]));
    return { ...base, ref: loader.resolver.stackId, attributes };
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
