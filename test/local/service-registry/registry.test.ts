import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { EndpointGuard } from '../../../local/endpoint/guard.js';
import type { ModelService } from '../../../local/endpoint/validation/model.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { SERVICE_MODULES } from '../../../local/service-registry/modules.js';
import { type ServiceEndpoint, ServiceLookupError, ServiceOrderError, ServiceRegistry } from '../../../local/service-registry/registry.js';
import type { EndpointMounts, RegisteredModule, RuntimeSettings, ServiceContext } from '../../../local/service-registry/service-module.js';
import { DataFolder } from '../../../local/store/data-folder.js';
import { DataFolderLock } from '../../../local/store/data-folder-lock.js';
import { systemClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { tempDataDir } from '../helpers.js';

const settings: RuntimeSettings = {
  options: { cdkOut: 'unused', dataDir: 'unused' },
  url: 'http://127.0.0.1:1',
  accountId: '000000000000',
  region: 'us-east-1',
  clock: systemClock,
  log: () => {},
  guard: new EndpointGuard({}),
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

/** A runtime's worth of fake services that write down each step of their lifecycle, with what their databases were then. */
class Recorder {
  readonly steps: string[] = [];
  readonly databases = new Map<string, DatabaseSync>();

  module(name: string, options: { needs?: string[]; databases?: string[]; failOn?: 'create' | 'start' } = {}): RegisteredModule {
    return {
      name,
      needs: options.needs ?? [],
      databases: options.databases ?? [],
      create: (context: ServiceContext) => {
        this.steps.push(`create ${name}`);
        for (const db of options.databases ?? []) this.databases.set(db, context.database(db));
        if (options.failOn === 'create') throw new Error(`${name} does not create`);
        const openNow = () => (options.databases ?? []).every((db) => this.databases.get(db)?.isOpen);
        return {
          service: { name },
          start: () => {
            this.steps.push(`start ${name}`);
            if (options.failOn === 'start') throw new Error(`${name} does not start`);
          },
          stop: () => {
            this.steps.push(`stop ${name}${openNow() ? '' : ' (its databases closed)'}`);
          },
          close: () => {
            this.steps.push(`close ${name}${openNow() ? '' : ' (its databases closed)'}`);
          },
        };
      },
    };
  }

  endpoint(): ServiceEndpoint {
    return {
      mount: () => this.steps.push('mount'),
      stop: async () => {
        this.steps.push('stop endpoint');
      },
    };
  }
}

function registryOf(recorder: Recorder, modules: RegisteredModule[]): ServiceRegistry {
  return new ServiceRegistry(modules, { data: new DataFolder(tempDataDir()), endpoint: recorder.endpoint() });
}

describe('ServiceRegistry', () => {
  it('creates and starts each service after the ones it needs, and stops it before them, whatever the order of the list', async () => {
    const recorder = new Recorder();
    const registry = registryOf(recorder, [
      recorder.module('pipes', { needs: ['states', 'queues'] }),
      recorder.module('states', { needs: ['queues'] }),
      recorder.module('queues'),
    ]);
    await registry.start(settings);
    await registry.stop();
    expect(recorder.steps).toEqual([
      'create queues',
      'create states',
      'create pipes',
      'mount',
      'start queues',
      'start states',
      'start pipes',
      'stop pipes',
      'stop states',
      'stop queues',
      'stop endpoint',
      'close pipes',
      'close states',
      'close queues',
    ]);
  });

  it('closes each database once every service that declared it has stopped and closed, and not before', async () => {
    const recorder = new Recorder();
    const registry = registryOf(recorder, [
      recorder.module('records', { databases: ['records', 'bus'] }),
      recorder.module('bus', { needs: ['records'], databases: ['bus'] }),
    ]);
    await registry.start(settings);
    // Two modules that declare one database share one connection.
    expect(recorder.databases.get('bus')).toBeDefined();
    await registry.stop();
    expect(recorder.steps.filter((step) => step.startsWith('stop') || step.startsWith('close'))).toEqual([
      'stop bus',
      'stop records',
      'stop endpoint',
      'close bus',
      'close records',
    ]);
    expect([...recorder.databases.values()].map((db) => db.isOpen)).toEqual([false, false]);
  });

  it('fails if a service fails to start, having stopped and closed the services created and their databases', async () => {
    const recorder = new Recorder();
    const registry = registryOf(recorder, [
      recorder.module('queues', { databases: ['queues'] }),
      recorder.module('functions', { needs: ['queues'], databases: ['functions'] }),
      recorder.module('buses', { needs: ['functions'], failOn: 'start' }),
    ]);
    await expect(registry.start(settings)).rejects.toThrow('buses does not start');
    expect(recorder.steps.slice(recorder.steps.indexOf('start buses'))).toEqual([
      'start buses',
      'stop buses',
      'stop functions',
      'stop queues',
      'stop endpoint',
      'close buses',
      'close functions',
      'close queues',
    ]);
    expect([...recorder.databases.values()].map((db) => db.isOpen)).toEqual([false, false]);
  });

  it('fails if a service fails to be created, having closed the databases opened for it and the services created before it', async () => {
    const recorder = new Recorder();
    const registry = registryOf(recorder, [
      recorder.module('queues', { databases: ['queues'] }),
      recorder.module('functions', { needs: ['queues'], databases: ['functions'], failOn: 'create' }),
    ]);
    await expect(registry.start(settings)).rejects.toThrow('functions does not create');
    expect(recorder.steps).toEqual(['create queues', 'create functions', 'stop queues', 'stop endpoint', 'close queues']);
    expect([...recorder.databases.values()].map((db) => db.isOpen)).toEqual([false, false]);
  });

  it('fails if services need each other, naming the circle', () => {
    const recorder = new Recorder();
    expect(() =>
      registryOf(recorder, [recorder.module('events', { needs: ['states'] }), recorder.module('states', { needs: ['events'] })]),
    ).toThrow(new ServiceOrderError('services need each other: events -> states -> events (look one up when it is used instead)'));
  });

  it('creates the module that runs Step Functions integrations after each module that declares some, and stops it before them', async () => {
    const recorder = new Recorder();
    const declaring = (name: string) => ({ sdk: { [name]: { name, wireCase: 'pascal' } } }) as const;
    let given: string[] = [];
    const states = recorder.module('states');
    const registry = registryOf(recorder, [
      {
        ...states,
        collects: 'stepFunctions',
        stepFunctions: declaring('sfn'),
        create: (context) => {
          given = context.contributions('stepFunctions').map((declared) => declared.name);
          return states.create(context, undefined);
        },
      },
      { ...recorder.module('queues'), stepFunctions: declaring('queues') },
      recorder.module('topics'),
    ]);
    await registry.start(settings);
    await registry.stop();
    expect(recorder.steps.filter((step) => step.startsWith('create'))).toEqual(['create queues', 'create states', 'create topics']);
    expect(recorder.steps.filter((step) => step.startsWith('stop '))).toEqual([
      'stop topics',
      'stop states',
      'stop queues',
      'stop endpoint',
    ]);
    expect(given).toEqual(['queues', 'states']);
  });

  it('fails if two modules collect the same contributions (Step Functions integrations), naming them', () => {
    const recorder = new Recorder();
    expect(() =>
      registryOf(recorder, [
        { ...recorder.module('states'), collects: 'stepFunctions' },
        { ...recorder.module('workflows'), collects: 'stepFunctions' },
      ]),
    ).toThrow(new ServiceOrderError('two modules collect stepFunctions: states, workflows'));
  });

  it('fails if a module needs a service no module provides', () => {
    const recorder = new Recorder();
    expect(() => registryOf(recorder, [recorder.module('events', { needs: ['states'] })])).toThrow(ServiceOrderError);
  });

  it('fails if a module looks up while it is created a service it does not declare, and finds it once all are created', async () => {
    const recorder = new Recorder();
    let later: (() => unknown) | undefined;
    const undeclared: RegisteredModule = {
      name: 'events',
      create: (context) => {
        later = () => context.services.get('states' as never);
        expect(later).toThrow(ServiceLookupError);
        return { service: {} };
      },
    };
    // States is created first, yet Events may not count on that without declaring it.
    const registry = registryOf(recorder, [recorder.module('states'), undeclared]);
    await registry.start(settings);
    expect(later?.()).toEqual({ name: 'states' });
    await registry.stop();
  });
  it("reads a module's definitions from the loaded template after the template, giving them to create and their warnings to the start-up report", async () => {
    const recorder = new Recorder();
    const app = { stacks: [] };
    const template: RegisteredModule = { name: 'template', create: () => ({ service: { app } }) };
    let given: unknown;
    const reader: RegisteredModule = {
      name: 'topics',
      definitions: (loaded) => ({ topics: [loaded], warnings: ['a topic policy is not enforced'] }),
      create: (context, definitions) => {
        context.warn(['the service itself warns']);
        given = definitions;
        return { service: {} };
      },
    };
    // Listed before the template, created after it.
    const registry = registryOf(recorder, [reader, template]);
    await registry.start(settings);
    expect(given).toEqual({ topics: [app], warnings: ['a topic policy is not enforced'] });
    expect(registry.warnings).toEqual(['a topic policy is not enforced', 'the service itself warns']);
    await registry.stop();
  });

  it("says each warning of a start once, and a restated one in its last form where the first stood (a template loaded again with custom resources' answers)", async () => {
    const recorder = new Recorder();
    const template: RegisteredModule = { name: 'template', create: () => ({ service: { app: { stacks: [] } } }) };
    const first = ['alarms are not evaluated', 'functions A (nodejs22.x) declare another runtime'];
    const settling: RegisteredModule = {
      name: 'customresources',
      create: (context) => {
        context.warn(first);
        context.warn(['the policy is not enforced', 'alarms are not evaluated']);
        return {
          service: {},
          start: () => {
            context.warn(['the policy is not enforced']);
            context.restate(first, [
              'alarms are not evaluated',
              'functions A (nodejs22.x), B (nodejs22.x) declare another runtime',
              'B waits',
            ]);
          },
        };
      },
    };
    const registry = registryOf(recorder, [template, settling]);
    await registry.start(settings);
    expect(registry.warnings).toEqual([
      'alarms are not evaluated',
      'functions A (nodejs22.x), B (nodejs22.x) declare another runtime',
      'B waits',
      'the policy is not enforced',
    ]);
    await registry.stop();
  });
});

describe('ServiceRegistry.warm', () => {
  /** A module whose warm-up writes down when it begins, and whether it may begin early. */
  function warming(recorder: Recorder, name: string, warmsEarly: boolean): RegisteredModule {
    const plain = recorder.module(name);
    return {
      ...plain,
      create: (...args: Parameters<RegisteredModule['create']>) => ({
        ...(plain.create(...args) as object as ReturnType<RegisteredModule['create']>),
        warmsEarly,
        warm: () => {
          recorder.steps.push(`warm ${name}`);
        },
      }),
    } as RegisteredModule;
  }

  it("begins an interactive runtime's early warm-ups as the endpoint serves, before the services start, and not again at warm", async () => {
    const recorder = new Recorder();
    const registry = registryOf(recorder, [warming(recorder, 'functions', true), warming(recorder, 'machines', false)]);
    await registry.start({ ...settings, options: { ...settings.options, warm: true } });
    await registry.warm();
    await registry.stop();
    expect(recorder.steps.slice(0, 7)).toEqual([
      'create functions',
      'create machines',
      'mount',
      'warm functions',
      'start functions',
      'start machines',
      'warm machines',
    ]);
    // The early warm-up was the first warm's: a later one (after a reload) warms every service again.
    expect(recorder.steps.filter((step) => step === 'warm functions')).toHaveLength(1);
  });

  it('warms nothing before the services start when the runtime is not interactive (a test)', async () => {
    const recorder = new Recorder();
    const registry = registryOf(recorder, [warming(recorder, 'functions', true)]);
    await registry.start(settings);
    expect(recorder.steps).toEqual(['create functions', 'mount', 'start functions']);
    await registry.stop();
  });
});

describe('ServiceRegistry.reload', () => {
  const reloading = (name: string, steps: string[], needs: string[] = []): RegisteredModule => ({
    name,
    needs,
    create: () => ({
      service: {},
      reload: (change) => {
        steps.push(name);
        return { reloaded: [`${name} took ${String((change.app as { version?: number }).version)}`], notApplied: [`${name} left one`] };
      },
    }),
  });

  it('hands a new template to each service that reloads, after the services it needs, and gathers what each did', async () => {
    const steps: string[] = [];
    const plain: RegisteredModule = { name: 'plain', create: () => ({ service: {} }) };
    const registry = registryOf(new Recorder(), [reloading('lambda', steps, ['sqs']), plain, reloading('sqs', steps)]);
    await registry.start(settings);
    const app = { version: 2, stacks: [] } as never;
    const result = await registry.reload({ app, definitions: {} as never, before: { app, definitions: {} as never } });
    expect(steps).toEqual(['sqs', 'lambda']);
    expect(result).toEqual({ reloaded: ['sqs took 2', 'lambda took 2'], notApplied: ['sqs left one', 'lambda left one'] });
    await registry.stop();
  });

  it('fails if two modules reload the same resource type, naming it', () => {
    const reloads = (name: string): RegisteredModule => ({
      name,
      reloads: { types: ['AWS::SQS::Queue'] },
      create: () => ({ service: {} }),
    });
    expect(() => ServiceRegistry.reloadedTypes([reloads('sqs'), reloads('queues')])).toThrow(
      /queues reloads AWS::SQS::Queue, which another module reloads/,
    );
  });

  it('fails if two modules declare the same resource type, naming both', () => {
    const declares = (name: string): RegisteredModule => ({
      name,
      resourceTypes: { 'AWS::SQS::Queue': {} },
      create: () => ({ service: {} }),
    });
    expect(() => ServiceRegistry.templateTypes([declares('sqs'), declares('queues')])).toThrow(
      /queues declares resource type AWS::SQS::Queue, which sqs declares/,
    );
  });

  it('fails if two modules declare the same IAM action prefix, naming it', () => {
    const iam = () => ({ prefix: 'sqs', operations: {}, accessDenied: { code: 'AccessDenied', status: 403 } });
    const declares = (name: string): RegisteredModule => ({ name, iam: iam(), create: () => ({ service: {} }) });
    expect(() => ServiceRegistry.iamServices([declares('sqs'), declares('queues')])).toThrow(/queues declares IAM prefix sqs/);
  });

  it('lets modules serving APIs under one prefix share its one declaration', () => {
    const iam = { prefix: 'bedrock', operations: {}, accessDenied: { code: 'AccessDeniedException', status: 403 } };
    const declares = (name: string): RegisteredModule => ({ name, iam, create: () => ({ service: {} }) });
    expect(ServiceRegistry.iamServices([declares('bedrock'), declares('data-automation')]).get('bedrock')).toBe(iam);
  });

  it('gives the APIs the modules serve, with their operations, in the order of the modules', () => {
    const serves = (name: string, model: ModelService, operations: string[]): RegisteredModule => ({
      name,
      apis: [{ model, operations }],
      create: () => ({ service: {} }),
    });
    expect(ServiceRegistry.servedApis([serves('sqs', 'sqs', ['SendMessage']), serves('sns', 'sns', ['Publish'])])).toEqual([
      { model: 'sqs', operations: ['SendMessage'] },
      { model: 'sns', operations: ['Publish'] },
    ]);
  });

  it('serves, across the runtime modules, exactly the APIs whose models the endpoint keeps', () => {
    const models = new URL('../../../local/endpoint/aws-models/', import.meta.url);
    const files = readdirSync(models).flatMap((file) => (file.endsWith('.json') ? [file.slice(0, -'.json'.length)] : []));
    const served = ServiceRegistry.servedApis(SERVICE_MODULES).map((api) => api.model);
    expect([...served].sort()).toEqual(files.sort());
  });

  it('fails if two modules serve the same API, naming both', () => {
    const serves = (name: string): RegisteredModule => ({
      name,
      apis: [{ model: 'sqs', operations: ['SendMessage'] }],
      create: () => ({ service: {} }),
    });
    expect(() => ServiceRegistry.servedApis([serves('sqs'), serves('queues')])).toThrow(/sqs and queues both serve the API sqs/);
  });
});

describe('ServiceRegistry: IAM on every mount', () => {
  const widgetsIam = { prefix: 'widgets', operations: {}, accessDenied: { code: 'AccessDenied', status: 403 } };
  /** A module that checks the others' operations, as IAM's does: it writes down each check and refuses `Forbidden`. */
  const checker = (checks: string[]): RegisteredModule => ({
    name: 'checker',
    create: () => ({ service: { checks } }),
    checkOperation: async (service, iam, operation, input) => {
      (service as { checks: string[] }).checks.push(`${iam.prefix}:${operation} ${JSON.stringify(input)}`);
      if (operation === 'Forbidden') throw new Error(`${iam.prefix}:${operation} refused`);
    },
  });
  const mounting = (mounts: EndpointMounts) =>
    ({ name: 'widgets', iam: widgetsIam, create: () => ({ service: {}, mounts }) }) as RegisteredModule;

  async function mounted(modules: RegisteredModule[]) {
    let given: Parameters<ServiceEndpoint['mount']>[0] | undefined;
    const registry = new ServiceRegistry(modules, {
      data: new DataFolder(tempDataDir()),
      endpoint: {
        mount: (mounts) => {
          given = mounts;
        },
        stop: async () => {},
      },
    });
    await registry.start(settings);
    return { registry, mounts: given };
  }

  it("checks each operation of a protocol a module mounts against the module's declared IAM, without the module passing a check", async () => {
    const checks: string[] = [];
    const protocol = {
      authorize: undefined as undefined | ((operation: string, input: unknown) => Promise<void>),
      handles: () => true,
      authorizeWith(authorize: (operation: string, input: unknown) => Promise<void>) {
        this.authorize = authorize;
      },
      async handle() {
        await this.authorize?.('Forbidden', { Name: 'w1' });
        return { status: 200 };
      },
    };
    const json = { targetPrefix: 'Widgets', jsonVersion: '1.0' as const, operations: {} };
    const { registry, mounts } = await mounted([checker(checks), mounting({ query: [protocol], json: [json] })]);
    await expect(protocol.handle()).rejects.toThrow('widgets:Forbidden refused');
    await mounts?.json[0]?.authorize?.('GetWidget', { Name: 'w2' });
    expect(checks).toEqual(['widgets:Forbidden {"Name":"w1"}', 'widgets:GetWidget {"Name":"w2"}']);
    await registry.stop();
  });

  it('fails if a module that declares IAM mounts a protocol that cannot take the check, naming the module', async () => {
    const protocol = { handles: () => true, handle: async () => ({ status: 200 }) };
    await expect(mounted([checker([]), mounting({ query: [protocol] })])).rejects.toThrow(
      /widgets declares IAM authorizations, but a protocol it mounts cannot take IAM's check/,
    );
  });
});

describe("the runtime's modules", () => {
  it('stop pipes first (their batch in flight still reaches its target), Step Functions before Lambda, every service before the read API', () => {
    const registry = new ServiceRegistry(SERVICE_MODULES, { data: new DataFolder(tempDataDir()), endpoint: new Recorder().endpoint() });
    const stopOrder = [...registry.modules].reverse().map((module) => module.name);
    const stopsBefore = (first: string, then: string) => stopOrder.indexOf(first) < stopOrder.indexOf(then);
    for (const target of ['states', 'lambda', 'events', 'sqs', 'dynamodb']) expect(stopsBefore('pipes', target)).toBe(true);
    expect(stopsBefore('states', 'lambda')).toBe(true);
    expect(stopsBefore('scheduler', 'states')).toBe(true);
    for (const name of ['events', 'sqs', 'lambda', 'states', 'sns']) expect(stopsBefore(name, 'readApi')).toBe(true);
    // SSM is there before the template loads: its parameters are read while loading.
    expect(stopOrder.slice(-2)).toEqual(['template', 'ssm']);
  });

  it('reload each resource type in one module, and apply the removal only of policies and metadata', () => {
    const types = ServiceRegistry.reloadedTypes(SERVICE_MODULES);
    expect(types.get('AWS::Lambda::Function')).toEqual({ removals: false });
    expect(types.get('AWS::SQS::QueuePolicy')).toEqual({ removals: true });
    expect(types.get('AWS::SNS::Topic')).toBeUndefined();
    // Only what a module runs or accepts can be reloaded.
    const { supported } = ServiceRegistry.templateTypes(SERVICE_MODULES);
    expect([...types.keys()].filter((type) => !supported.has(type))).toEqual([]);
  });
});

describe('LocalRuntime', () => {
  it('fails if its template does not load, having released the data folder and closed the databases it opened', async () => {
    const dataDir = tempDataDir();
    await expect(LocalRuntime.start({ cdkOut: path.join(dataDir, 'no-such-cdk-out'), dataDir, port: 0, log: () => {} })).rejects.toThrow();
    // SSM (whose store the template's parameters read) was opened before the template failed to load.
    expect(existsSync(path.join(dataDir, 'ssm.sqlite'))).toBe(true);
    // SQLite removes a WAL database's log when its last connection closes.
    expect(existsSync(path.join(dataDir, 'ssm.sqlite-wal'))).toBe(false);
    DataFolderLock.acquire(dataDir).release();
  });

  it('fails if a service is named as one of its own members, having stopped the services and released the data folder', async () => {
    const dataDir = tempDataDir();
    const cdkOut = assemblyOf({}, 'App');
    const named = (name: string): RegisteredModule => ({ name, create: () => ({ service: {} }) });
    const start = (name: string) =>
      LocalRuntime.start({ modules: [...SERVICE_MODULES, named(name)], cdkOut, dataDir, port: 0, log: () => {} });
    await expect(start('stop')).rejects.toThrow('a service cannot be named stop: the runtime has a member of that name');
    await expect(start('url')).rejects.toThrow('a service cannot be named url');
    DataFolderLock.acquire(dataDir).release();
    // Any other name is a property of its own.
    const runtime = await start('widgets');
    try {
      expect((runtime as unknown as Record<string, unknown>).widgets).toEqual({});
    } finally {
      await runtime.stop();
    }
  });
});
