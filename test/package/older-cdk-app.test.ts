import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { npmInstall, ok, run, start, waitFor } from './helpers.js';

const tarballs = inject('switchyardTarballs');
const work = inject('switchyardPackageWorkDir');
/**
 * An aws-cdk-lib 2.x older than switchyard-cdk's peer range, as six of nine public CDK apps
 * pinned (npm install --save-dev switchyard-cli stopped there with ERESOLVE while the command
 * depended on the library). A real release on the registry, with the constructs range it asks for.
 */
const OLDER_CDK = { 'aws-cdk-lib': '2.150.0', constructs: '^10.0.0' };
/** test/package's ports are 4740-4759; this suite's runtimes take 4743 and 4744. */
const PORTS = { older: 4743, assemblyOnly: 4744 };

/** Every version of `name` in the app's installed tree (npm ls --all), wherever it sits. */
function installedVersions(app: string, name: string): string[] {
  // npm ls exits 1 when nothing matches; its JSON is the (empty) tree all the same.
  const tree = JSON.parse(run('npm', ['ls', name, '--all', '--json'], app).stdout) as Tree;
  const versions: string[] = [];
  const visit = (node: Tree) => {
    for (const [dependency, child] of Object.entries(node.dependencies ?? {})) {
      if (dependency === name && child.version !== undefined) versions.push(child.version);
      visit(child);
    }
  };
  visit(tree);
  return [...new Set(versions)];
}
interface Tree {
  readonly version?: string;
  readonly dependencies?: Record<string, Tree>;
}

/** The app under switchyard dev (its own synth, or its assembly as it is); resolves once its queue is there. */
async function dev(app: string, port: number) {
  const endpoint = `http://127.0.0.1:${port}`;
  const aws = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const running = start('npx', ['switchyard', 'dev', '--port', String(port), '--no-watch'], app);
  const sqs = new SQSClient(aws);
  const queueUrl = await waitFor(
    `switchyard dev to run ${path.basename(app)} on ${endpoint}`,
    async () => {
      // An exit ends the wait at once (waitFor retries what throws).
      if (running.exited()) return null;
      return (await sqs.send(new GetQueueUrlCommand({ QueueName: 'shop-orders' }))).QueueUrl;
    },
    180_000,
  ).catch(async (error: Error) => {
    await running.stop();
    throw new Error(`${error.message}\n--- switchyard dev output\n${running.output()}`);
  });
  if (queueUrl === null) throw new Error(`switchyard dev exited:\n${running.output()}`);
  return { running, sqs, events: new EventBridgeClient(aws), queueUrl };
}

/** Puts an OrderPlaced on the app's bus and returns the body its rule delivered to the queue. */
async function delivered({ sqs, events, queueUrl }: Awaited<ReturnType<typeof dev>>, orderId: string): Promise<string> {
  const put = await events.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: 'shop-bus', Source: 'shop.checkout', DetailType: 'OrderPlaced', Detail: JSON.stringify({ orderId }) }],
    }),
  );
  expect(put.FailedEntryCount).toBe(0);
  return waitFor(`${orderId} in the queue`, async () => {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    return Messages.find((m) => m.Body?.includes(orderId))?.Body;
  });
}

describe(`switchyard-cli in an app on an older aws-cdk-lib (fixtures/older-cdk-app: aws-cdk-lib ${OLDER_CDK['aws-cdk-lib']})`, () => {
  const app = path.join(work, 'older-cdk-app');
  let running: Awaited<ReturnType<typeof dev>> | undefined;
  afterAll(async () => {
    await running?.running.stop();
  });

  it("installs with a plain npm install beside the app's own aws-cdk-lib, bringing no other and not the library", () => {
    cpSync(path.join(import.meta.dirname, 'fixtures', 'older-cdk-app'), app, { recursive: true });
    const manifest = {
      name: 'older-cdk-app',
      private: true,
      dependencies: OLDER_CDK,
      devDependencies: { 'switchyard-cli': `file:${tarballs.command}` },
      // switchyard-cdk is on no registry here: were the command to depend on it again, npm would
      // find it in the tarball (as it would on the registry) and the tree below, not a 404, would
      // say what went wrong. Unused otherwise.
      overrides: { 'switchyard-cdk': `file:${tarballs.library}` },
    };
    writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // No --legacy-peer-deps, no --force: what a team runs.
    npmInstall(app);
    expect(installedVersions(app, 'aws-cdk-lib')).toEqual([OLDER_CDK['aws-cdk-lib']]);
    expect(installedVersions(app, 'switchyard-cdk')).toEqual([]);
    expect(ok('npx', ['switchyard', '--help'], app)).toContain('Usage: switchyard <command>');
  });

  it('runs the app under switchyard dev, synthesized with its own aws-cdk-lib: an event put on its bus reaches its queue', async () => {
    running = await dev(app, PORTS.older);
    expect(JSON.parse(await delivered(running, 'O-OLD-1'))).toMatchObject({ 'detail-type': 'OrderPlaced', detail: { orderId: 'O-OLD-1' } });
    // The assembly the app's own aws-cdk-lib wrote (its tree names the library version that made it).
    const tree = readFileSync(path.join(app, '.switchyard', 'cdk.out', 'tree.json'), 'utf8');
    expect([...new Set(tree.match(/"version":\s*"2\.[^"]+"/g))]).toEqual([`"version": "${OLDER_CDK['aws-cdk-lib']}"`]);
    await running.running.stop();
    running = undefined;
  }, 300_000);
});

describe('switchyard-cli in an app that has only its cloud assembly (no aws-cdk-lib at all)', () => {
  const app = path.join(work, 'assembly-only-app');
  let running: Awaited<ReturnType<typeof dev>> | undefined;
  afterAll(async () => {
    await running?.running.stop();
  });

  it('installs alone with a plain npm install, bringing no CDK', () => {
    mkdirSync(app, { recursive: true });
    // The assembly the older app's synth wrote, as an app without its CDK sources would have it.
    cpSync(path.join(work, 'older-cdk-app', '.switchyard', 'cdk.out'), path.join(app, 'cdk.out'), { recursive: true });
    writeFileSync(path.join(app, 'cdk.json'), `${JSON.stringify({ app: 'cdk.out' }, null, 2)}\n`);
    const manifest = {
      name: 'assembly-only-app',
      private: true,
      devDependencies: { 'switchyard-cli': `file:${tarballs.command}` },
      // As in the older app above: unused unless the command depends on the library again.
      overrides: { 'switchyard-cdk': `file:${tarballs.library}` },
    };
    writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    npmInstall(app);
    for (const name of ['aws-cdk-lib', 'constructs', 'switchyard-cdk']) expect(installedVersions(app, name), name).toEqual([]);
  });

  it('runs the assembly under switchyard dev: an event put on its bus reaches its queue', async () => {
    running = await dev(app, PORTS.assemblyOnly);
    expect(JSON.parse(await delivered(running, 'O-ASSEMBLY-1'))).toMatchObject({ detail: { orderId: 'O-ASSEMBLY-1' } });
  }, 300_000);
});
