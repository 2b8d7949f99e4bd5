import type { DatabaseSync } from 'node:sqlite';
import type { OperationAuthorizer } from '../endpoint/protocols.js';
import type { ServiceIam } from '../iam/authorizations.js';
import type { ResourcePolicySource } from '../iam/resource-policies.js';
import { startMark } from '../startup/start-marks.js';
import type { LoadedApp } from '../template/load.js';
import { type TemplateTypes, templateTypes } from '../template/resource-spec.js';
import { warmUpSteps } from '../time/clock.js';
import { BegunWork } from './begun-work.js';
import { checkedMounts, combineMounts, ServiceOrderError } from './mounts.js';
import { type ServiceDefinitions, sharedDefinitions } from './service-definitions.js';
import type {
  BeginSettings,
  Contribution,
  ContributionName,
  Contributions,
  RegisteredModule,
  RunningService,
  RuntimeSettings,
  ServedApi,
  ServiceContext,
  ServiceLookup,
  ServiceReload,
  ServiceReport,
  ServiceTypes,
  TemplateChange,
} from './service-module.js';
import { restated, warnOnce } from './start-warnings.js';

// Declared beside the mounts, which refuse with it too; exported here, where the registry's callers look for it.
export { ServiceOrderError } from './mounts.js';

/** A service or database asked for that the asking module did not declare, or that does not exist yet. */
export class ServiceLookupError extends Error {
  override readonly name = 'ServiceLookupError';
}

/** Stopping or closing some services failed; the others were stopped and closed all the same. */
class ServiceShutdownError extends Error {
  override readonly name = 'ServiceShutdownError';
  constructor(
    message: string,
    readonly errors: readonly unknown[],
  ) {
    super(message, { cause: errors[0] });
  }
}

/** Where the registry finds the modules' databases and folders (the runtime's DataFolder). */
export interface DataStores {
  database(name: string): DatabaseSync;
  /** Whether the database `name` is in the data folder (without opening or creating it). */
  hasDatabase(name: string): boolean;
  folder(name: string): string;
}

/** What the registry mounts the services on, and stops between stopping the services and closing them. */
export interface ServiceEndpoint {
  mount(mounts: ReturnType<typeof combineMounts>): void;
  stop(): Promise<void>;
}

interface Entry {
  readonly module: RegisteredModule;
  /** Undefined while (or if) its creation had not finished. */
  running?: RunningService<unknown>;
  /** The databases it holds a use of (released when it closes). */
  readonly databases: string[];
  /** Its warm-up begun before the services started (RuntimeOptions.warm, `warmsEarly`), until the first `warm` takes it over. */
  warming?: Promise<void>;
}

/**
 * Runs the local runtime's services from their modules: creates them in dependency order
 * (a module's `needs` first), opening the databases each declares; mounts them on the
 * endpoint; starts them in the same order. Stopping runs in reverse: every service stops
 * (a service before the ones it needs), then the endpoint, then every service closes and
 * the registry closes its databases. A failure while starting stops and closes what was
 * created, so nothing is left open.
 */
export class ServiceRegistry {
  /** The modules in dependency order. */
  readonly modules: readonly RegisteredModule[];
  readonly #data: DataStores;
  readonly #endpoint: ServiceEndpoint;
  readonly #entries: Entry[] = [];
  readonly #begun = new BegunWork();
  readonly #databases = new Map<string, { db: DatabaseSync; users: number }>();
  #stopping?: Promise<void>;
  /** What the modules warned of (their definitions' warnings among them) while they were created and started, in that order. */
  warnings: readonly string[] = [];

  constructor(modules: readonly RegisteredModule[], options: { readonly data: DataStores; readonly endpoint: ServiceEndpoint }) {
    this.modules = dependencyOrder(modules);
    this.#data = options.data;
    this.#endpoint = options.endpoint;
  }

  /**
   * How IAM authorizes each service's requests, by action prefix: what the modules declare.
   * Modules serving APIs under one prefix (Bedrock's and Bedrock Data Automation's) share its one declaration.
   */
  static iamServices(modules: readonly RegisteredModule[]): Map<string, ServiceIam> {
    const services = new Map<string, ServiceIam>();
    for (const { name, iam } of modules) {
      if (iam === undefined) continue;
      const declared = services.get(iam.prefix);
      if (declared === iam) continue;
      if (declared !== undefined) throw new ServiceOrderError(`${name} declares IAM prefix ${iam.prefix}, which another module declares`);
      services.set(iam.prefix, iam);
    }
    return services;
  }

  /**
   * The resource types a reload applies in place, each with whether its removal is applied
   * too: what the modules' `reloads` declare, each type by one module.
   */
  static reloadedTypes(modules: readonly RegisteredModule[]): Map<string, { readonly removals: boolean }> {
    const types = new Map<string, { readonly removals: boolean }>();
    const policyOnly = [...ServiceRegistry.resourcePolicies(modules)].flatMap(([type, source]) => (source.policyOnly ? [type] : []));
    for (const { name, reloads } of modules) {
      for (const type of [...(reloads?.types ?? []), ...(reloads?.resourcePolicies ? policyOnly : [])]) {
        if (types.has(type)) throw new ServiceOrderError(`${name} reloads ${type}, which another module reloads`);
        types.set(type, { removals: reloads?.removals ?? false });
      }
    }
    return types;
  }

  /** How each resource type sets resource policies, by type: what the modules declare, each type by one module. */
  static resourcePolicies(modules: readonly RegisteredModule[]): Map<string, ResourcePolicySource> {
    const sources = new Map<string, ResourcePolicySource>();
    for (const { name, resourcePolicies } of modules) {
      for (const [type, source] of Object.entries(resourcePolicies ?? {})) {
        if (sources.has(type))
          throw new ServiceOrderError(`${name} declares the resource policies of ${type}, which another module declares`);
        sources.set(type, source);
      }
    }
    return sources;
  }

  /** The AWS APIs the modules serve, each with its operations; an API two modules declare is refused. */
  static servedApis(modules: readonly RegisteredModule[]): readonly ServedApi[] {
    const byModel = new Map<string, string>();
    for (const { name, apis } of modules) {
      for (const api of apis ?? []) {
        const other = byModel.get(api.model);
        if (other !== undefined) throw new ServiceOrderError(`${other} and ${name} both serve the API ${api.model}`);
        byModel.set(api.model, name);
      }
    }
    return modules.flatMap((module) => module.apis ?? []);
  }

  /** What the modules contribute to `name`, each with its module's name and IAM declaration, in the order of the modules given. */
  static contributions<K extends ContributionName>(modules: readonly RegisteredModule[], name: K): Contribution<K>[] {
    return modules.flatMap((module) => {
      const value = contributionOf(module, name);
      return value === undefined ? [] : [{ name: module.name, iam: module.iam, value }];
    });
  }

  /** The resource types the modules declare, as the template loader takes them; a type two modules declare is refused. */
  static templateTypes(modules: readonly RegisteredModule[]): TemplateTypes {
    return templateTypes(modules);
  }

  /** What the services were started with (start). */
  #settings?: RuntimeSettings;

  /** A created service, looked up when it is used (how services that need each other reach one another). */
  readonly services: ServiceLookup = {
    get: <N extends keyof ServiceTypes & string>(name: N): ServiceTypes[N] => this.#service(name) as ServiceTypes[N],
  };

  /**
   * Begins the modules' work that needs no template (their `begin`), before the assembly is
   * there: once the endpoint listens (its URL is in the settings). `start` begins it if not yet.
   */
  begin(settings: BeginSettings): void {
    this.#begun.begin(this.modules, settings, (module, name) => {
      if (!(module.folders ?? []).includes(name)) throw new ServiceLookupError(`${module.name} uses folder ${name} without declaring it`);
      return this.#data.folder(name);
    });
  }

  /** Creates, mounts and starts every service; on a failure, stops and closes those created and rethrows it. */
  async start(settings: RuntimeSettings): Promise<void> {
    this.#settings = settings;
    this.begin(settings);
    const moduleDeclared = {
      templateTypes: ServiceRegistry.templateTypes(this.modules),
      hostedClients: this.modules.flatMap((m) => m.sdkClients ?? []),
      iamServices: ServiceRegistry.iamServices(this.modules),
      resourcePolicies: ServiceRegistry.resourcePolicies(this.modules),
      contributions: <K extends ContributionName>(name: K) => ServiceRegistry.contributions(this.modules, name),
      readRecords: this.modules.flatMap((m) => (m.records === undefined ? [] : [m.records])),
      sharedDefinitions: (app: LoadedApp) => sharedDefinitions(this.modules, app),
    };
    const warnings: string[] = [];
    try {
      for (const module of this.modules) {
        await this.#create(module, settings, moduleDeclared, warnings);
        startMark(`${module.name} created`);
      }
      this.#endpoint.mount(this.#mounts());
      // The endpoint answers from here: a warm-up off the runtime's thread begins before the starts, for the first event.
      const early = settings.options.warm === true ? this.#entries.filter((entry) => entry.running?.warmsEarly === true) : [];
      for (const entry of early) entry.warming = this.#warmOne(entry, warmUpSteps(settings.clock, false));
      for (const entry of this.#entries) {
        await entry.running?.start?.();
        if (entry.running?.start) startMark(`${entry.module.name} started`);
      }
    } catch (error) {
      await this.stop().catch((shutdown: unknown) => {
        throw new ServiceShutdownError(`a service failed to start, and stopping the others failed too: ${String(shutdown)}`, [
          error,
          shutdown,
        ]);
      });
      throw error;
    }
    this.warnings = warnings;
  }

  /**
   * Hands a newer template to every running service that reloads, in dependency order (a
   * queue exists before the mapping that polls it): what they reloaded, and what they left.
   */
  async reload(change: TemplateChange): Promise<Required<ServiceReload>> {
    const reloaded: string[] = [];
    const notApplied: string[] = [];
    for (const entry of this.#entries) {
      const result = await entry.running?.reload?.(change);
      reloaded.push(...(result?.reloaded ?? []));
      notApplied.push(...(result?.notApplied ?? []));
    }
    return { reloaded, notApplied };
  }

  /** Every running service's `warm`, side by side (a function's init runs on its own thread); a failure is logged, the others go on. */
  async warm(): Promise<void> {
    // A warm-up begun early (RuntimeOptions.warm) is this one: it is not begun twice.
    const warming = this.#entries.map((entry) => entry.warming ?? this.#warmOne(entry, warmUpSteps(this.#settings?.clock, true)));
    for (const entry of this.#entries) entry.warming = undefined;
    await Promise.all(warming);
  }

  /** One service's `warm`; a failure is logged (its first request does that work instead), never thrown. */
  async #warmOne({ module, running }: Entry, idle: () => Promise<void>): Promise<void> {
    try {
      await running?.warm?.(idle);
    } catch (error) {
      this.#settings?.log(
        `[${module.name}] warming up failed (its first request does that work instead): ${(error as Error).stack ?? String(error)}`,
      );
    }
  }

  /** What each service says of itself in the start-up report (its module's `report`), in dependency order. */
  async reports(definitions: ServiceDefinitions): Promise<ServiceReport[]> {
    const settings = this.#settings;
    if (settings === undefined) throw new ServiceOrderError('the services report once they have started');
    const context = { url: settings.url, accountId: settings.accountId, definitions };
    const reports: ServiceReport[] = [];
    for (const { module, running } of this.#entries) {
      if (running !== undefined && module.report !== undefined) reports.push(await module.report(running.service, context));
    }
    return reports;
  }

  /** Stops every service (dependents first), then the endpoint, then closes every service and its databases. Runs once. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const errors: unknown[] = [];
    const reversed = [...this.#entries].reverse();
    for (const entry of reversed) {
      await attempt(errors, () => entry.running?.stop?.());
    }
    await attempt(errors, () => this.#endpoint.stop());
    for (const entry of reversed) {
      await attempt(errors, () => entry.running?.close?.());
      for (const name of entry.databases) await attempt(errors, () => this.#release(name));
    }
    // What was begun for a service never created (the start ended before it).
    await attempt(errors, () => this.#begun.abandon());
    if (errors.length > 0) {
      throw new ServiceShutdownError(`${errors.length} service(s) failed to stop or close: ${errors.map(String).join('; ')}`, errors);
    }
  }

  async #create(
    module: RegisteredModule,
    settings: RuntimeSettings,
    moduleDeclared: Pick<
      ServiceContext,
      'templateTypes' | 'hostedClients' | 'iamServices' | 'resourcePolicies' | 'contributions' | 'readRecords' | 'sharedDefinitions'
    >,
    warnings: string[],
  ) {
    const entry: Entry = { module, databases: [] };
    this.#entries.push(entry);
    const needs = new Set(needsOf(module, this.modules));
    const declared = new Set(module.databases ?? []);
    const folders = new Set(module.folders ?? []);
    let creating = true;
    const context: ServiceContext = {
      settings,
      ...moduleDeclared,
      services: {
        get: <N extends keyof ServiceTypes & string>(name: N): ServiceTypes[N] => {
          // While it is created, a module reaches only what it declares: the order depends on it.
          if (creating && !needs.has(name)) {
            throw new ServiceLookupError(`${module.name} looks up ${name} while it is created without declaring it in needs`);
          }
          return this.#service(name) as ServiceTypes[N];
        },
      },
      // Opened at the module's first call, so that a service with nothing to keep (an app without custom resources) creates no file.
      database: (name) => {
        if (!declared.has(name)) throw new ServiceLookupError(`${module.name} opens database ${name} without declaring it`);
        if (this.#stopping !== undefined)
          throw new ServiceLookupError(`${module.name} opens database ${name} once the runtime is stopping`);
        if (!entry.databases.includes(name)) {
          this.#open(name);
          entry.databases.push(name);
        }
        return (this.#databases.get(name) as { db: DatabaseSync }).db;
      },
      hasDatabase: (name) => {
        if (!declared.has(name)) throw new ServiceLookupError(`${module.name} looks for database ${name} without declaring it`);
        return this.#databases.has(name) || this.#data.hasDatabase(name);
      },
      folder: (name) => {
        if (!folders.has(name)) throw new ServiceLookupError(`${module.name} uses folder ${name} without declaring it`);
        return this.#data.folder(name);
      },
      warn: (lines) => warnOnce(warnings, lines),
      restate: (before, now) => restated(warnings, before, now),
      reloadServices: (change) => this.reload(change),
    };
    try {
      const definitions = module.definitions?.(this.#app(), settings);
      const read = (definitions as { warnings?: unknown } | undefined)?.warnings;
      if (Array.isArray(read)) warnOnce(warnings, read);
      entry.running = await module.create(context, definitions, await this.#begun.take(module));
    } finally {
      creating = false;
    }
  }

  /** The loaded app, which the template module provides (a module that reads definitions needs it: see dependencyOrder). */
  #app(): LoadedApp {
    return (this.#service(TEMPLATE) as { readonly app: LoadedApp }).app;
  }

  #service(name: string): unknown {
    const entry = this.#entries.find((e) => e.module.name === name);
    if (entry?.running === undefined) throw new ServiceLookupError(`service ${name} ${entry ? 'is not created yet' : 'is not running'}`);
    return entry.running.service;
  }

  #open(name: string): void {
    const open = this.#databases.get(name);
    if (open) open.users++;
    else this.#databases.set(name, { db: this.#data.database(name), users: 1 });
  }

  #release(name: string): void {
    const open = this.#databases.get(name);
    if (open === undefined) return;
    open.users--;
    if (open.users > 0) return;
    this.#databases.delete(name);
    open.db.close();
  }

  /** Every module's mounts together, in dependency order, each protocol with its module's IAM check. */
  #mounts(): ReturnType<typeof combineMounts> {
    return combineMounts(
      this.#entries.flatMap(({ module, running }) => {
        if (running?.mounts === undefined) return [];
        const authorize = this.#operationCheck(module);
        return [authorize === undefined ? running.mounts : checkedMounts(module.name, running.mounts, authorize)];
      }),
    );
  }

  /**
   * The check of a module's operations against the IAM authorizations it declares, by the
   * module that checks operations (IAM's), looked up at each call; none for a module that
   * declares none, or when no module checks.
   */
  #operationCheck(module: RegisteredModule): OperationAuthorizer | undefined {
    const { iam } = module;
    const checkers = this.modules.filter((m) => m.checkOperation !== undefined);
    if (checkers.length > 1) throw new ServiceOrderError(`two modules check operations: ${checkers.map((m) => m.name).join(', ')}`);
    const [checker] = checkers;
    if (iam === undefined || checker === undefined) return undefined;
    let service: unknown;
    return (operation, input) => {
      service ??= this.#service(checker.name);
      return checker.checkOperation?.(service, iam, operation, input) ?? Promise.resolve();
    };
  }
}

/** The module that loads the template; a module that reads its own definitions from it needs it. */
const TEMPLATE = 'template';

/** What `module` contributes to `name`: its field of that name (the collecting module adds it to RegisteredModule). */
function contributionOf<K extends ContributionName>(module: RegisteredModule, name: K): Contributions[K] | undefined {
  return (module as RegisteredModule & Partial<Contributions>)[name] as Contributions[K] | undefined;
}

/**
 * What a module needs: what it declares, the template if it reads definitions from it, and,
 * for a module that collects contributions (Step Functions' integrations), every other module that contributes some.
 */
function needsOf(module: RegisteredModule, modules: readonly RegisteredModule[]): readonly string[] {
  const declared = module.needs ?? [];
  const { collects } = module;
  const contributing =
    collects === undefined
      ? []
      : modules.filter((other) => other !== module && contributionOf(other, collects) !== undefined).map((other) => other.name);
  const needs = [...new Set([...declared, ...contributing])];
  return module.definitions === undefined || needs.includes(TEMPLATE) ? needs : [...needs, TEMPLATE];
}

/** Runs one step of a shutdown, keeping its error for the end so that the other steps still run. */
async function attempt(errors: unknown[], step: () => unknown): Promise<void> {
  try {
    await step();
  } catch (error) {
    errors.push(error);
  }
}

/** The modules with each after the ones it needs, otherwise in the order given (a depth-first topological sort). */
function dependencyOrder(modules: readonly RegisteredModule[]): RegisteredModule[] {
  const collectors = new Map<string, string>();
  for (const { name, collects } of modules) {
    if (collects === undefined) continue;
    const other = collectors.get(collects);
    if (other !== undefined) throw new ServiceOrderError(`two modules collect ${collects}: ${other}, ${name}`);
    collectors.set(collects, name);
  }
  const byName = new Map<string, RegisteredModule>();
  for (const module of modules) {
    if (byName.has(module.name)) throw new ServiceOrderError(`two modules are named ${module.name}`);
    byName.set(module.name, module);
  }
  const ordered: RegisteredModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (module: RegisteredModule, path: readonly string[]) => {
    if (state.get(module.name) === 'done') return;
    if (state.get(module.name) === 'visiting') {
      throw new ServiceOrderError(
        `services need each other: ${[...path.slice(path.indexOf(module.name)), module.name].join(' -> ')} (look one up when it is used instead)`,
      );
    }
    state.set(module.name, 'visiting');
    for (const need of needsOf(module, modules)) {
      const needed = byName.get(need);
      if (needed === undefined) throw new ServiceOrderError(`${module.name} needs ${need}, which no module provides`);
      visit(needed, [...path, module.name]);
    }
    state.set(module.name, 'done');
    ordered.push(module);
  };
  for (const module of modules) visit(module, []);
  return ordered;
}
