import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EndpointGuard } from '../../../local/endpoint/guard.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { ServiceRegistry } from '../../../local/service-registry/registry.js';
import type { BeginSettings, RegisteredModule } from '../../../local/service-registry/service-module.js';
import { DataFolder } from '../../../local/store/data-folder.js';
import { DataFolderLock } from '../../../local/store/data-folder-lock.js';
import { systemClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { tempDataDir } from '../helpers.js';

const begin: BeginSettings = {
  options: { dataDir: 'unused' },
  url: 'http://127.0.0.1:1',
  accountId: '000000000000',
  region: 'us-east-1',
  clock: systemClock,
  log: () => {},
  guard: new EndpointGuard({}),
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};
const settings = { ...begin, options: { ...begin.options, cdkOut: 'unused' } };

/** Modules that write down what they begin, are created with and abandon. */
function recorded(steps: string[]) {
  const module = (name: string, options: { begins?: boolean; beginFails?: boolean; createFails?: boolean } = {}): RegisteredModule => ({
    name,
    folders: ['work'],
    ...(options.begins || options.beginFails
      ? {
          begin: async ({ folder }) => {
            steps.push(`begin ${name} in ${path.basename(folder('work'))}`);
            if (options.beginFails) throw new Error(`${name} does not begin`);
            return { value: `${name}'s thread`, abandon: () => void steps.push(`abandon ${name}`) };
          },
        }
      : {}),
    create: (_context, _definitions, begun) => {
      steps.push(`create ${name} with ${String(begun)}`);
      if (options.createFails) throw new Error(`${name} does not create`);
      return { service: {}, close: () => void steps.push(`close ${name}`) };
    },
  });
  const registry = (modules: RegisteredModule[]) =>
    new ServiceRegistry(modules, {
      data: new DataFolder(tempDataDir()),
      endpoint: { mount: () => {}, stop: async () => void steps.push('stop endpoint') },
    });
  return { module, registry };
}

describe('ServiceRegistry.begin', () => {
  it("begins a module's work before any service is created, and gives what it began to the module's create", async () => {
    const steps: string[] = [];
    const { module, registry } = recorded(steps);
    const services = registry([module('queues'), module('tables', { begins: true })]);
    services.begin(begin);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(steps).toEqual(['begin tables in work']);
    await services.start(settings);
    expect(steps).toEqual(['begin tables in work', 'create queues with undefined', "create tables with tables's thread"]);
    await services.stop();
    // Its service owns it now: nothing is abandoned.
    expect(steps.slice(3)).toEqual(['stop endpoint', 'close tables', 'close queues']);
  });

  it('abandons what was begun when the start ends before its service is created (the assembly failed, or a service before it)', async () => {
    const steps: string[] = [];
    const { module, registry } = recorded(steps);
    const never = registry([module('tables', { begins: true })]);
    never.begin(begin);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await never.stop();
    expect(steps).toEqual(['begin tables in work', 'stop endpoint', 'abandon tables']);

    steps.length = 0;
    const failing = registry([module('queues', { createFails: true }), module('tables', { begins: true })]);
    await expect(failing.start(settings)).rejects.toThrow('queues does not create');
    expect(steps).toEqual(['begin tables in work', 'create queues with undefined', 'stop endpoint', 'abandon tables']);
  });

  it("fails if a module's begin fails, as its create would, having stopped the services created before it", async () => {
    const steps: string[] = [];
    const { module, registry } = recorded(steps);
    const services = registry([module('queues'), module('tables', { beginFails: true })]);
    await expect(services.start(settings)).rejects.toThrow('tables does not begin');
    expect(steps).toEqual(['begin tables in work', 'create queues with undefined', 'stop endpoint', 'close queues']);
  });
});

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** An assembly the test hands over when it chooses (a synthesis under way). */
function deferred() {
  let resolve: (cdkOut: string) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(done()).toBe(true);
}

describe('LocalRuntime.start with its assembly under way', () => {
  it('answers that it is still starting and starts the DynamoDB engine meanwhile, then runs the app once the assembly is there', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const assembly = deferred();
    const starting = LocalRuntime.start({ cdkOut: assembly.promise, dataDir, port, log: () => {} });
    // The engine's thread opens its database before the template is known.
    await until(() => existsSync(path.join(dataDir, 'dynamodb', 'tables.sqlite')));
    const early = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(early.status).toBe(503);
    expect(await early.text()).toContain('the local runtime is still starting');
    assembly.resolve(assemblyOf({ Orders: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders' } } }, 'App'));
    const runtime = await starting;
    try {
      const queues = await fetch(`${runtime.url}/`, {
        method: 'POST',
        headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' },
        body: '{}',
      });
      expect(await queues.text()).toContain('/orders');
    } finally {
      await runtime.stop();
    }
  });

  it("fails with its assembly's own error, having stopped the engine it began, the endpoint and released the data folder", async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const assembly = deferred();
    const starting = LocalRuntime.start({ cdkOut: assembly.promise, dataDir, port, log: () => {} });
    await until(() => existsSync(path.join(dataDir, 'dynamodb', 'tables.sqlite')));
    const failure = new Error('the app (cdk.json "app") failed (exit 3): fix the app and run switchyard dev again');
    assembly.reject(failure);
    await expect(starting).rejects.toBe(failure);
    // SQLite removes a WAL database's log when its last connection (the engine's) closes.
    expect(existsSync(path.join(dataDir, 'dynamodb', 'tables.sqlite-wal'))).toBe(false);
    DataFolderLock.acquire(dataDir).release();
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => again.close(resolve));
  });
});
