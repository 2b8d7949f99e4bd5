import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { appEnv, npmInstall, ok, run, start, timed, waitFor } from './helpers.js';

const tarballs = inject('switchyardTarballs');
const work = inject('switchyardPackageWorkDir');
const app = path.join(work, 'orders-app');
/** test/package's ports are 4740-4759; this suite's runtime takes 4741. */
const PORT = 4741;
const endpoint = `http://127.0.0.1:${PORT}`;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const aws = { endpoint, region: 'us-east-1', credentials };
/** `switchyard dev` is another change under way: its part runs once the packed CLI has the command. */
const devLanded = execFileSync('tar', ['-tzf', tarballs.command], { encoding: 'utf8' }).includes('package/dist/cli/commands/dev.js');

/** A test a team writes against switchyard-cli/testing: an order accepted before a SIGKILL of the runtime is recorded once and its workflow finishes. */
const CRASH_TEST = `import { App } from 'aws-cdk-lib';
import { startApp } from 'switchyard-cli/testing';
import { expect, it } from 'vitest';
import { OrderPlaced } from '../contracts/index.js';
import { OrdersAppStack } from '../lib/orders-app-stack.js';

it('records an order accepted before a crash once', async () => {
  const cdk = new App();
  new OrdersAppStack(cdk, 'OrdersApp');
  const app = await startApp({ app: cdk }, { ownProcess: true });
  try {
    const order = { orderId: 'O-CRASH', amount: 4200, currency: 'EUR' };
    await app.send(OrderPlaced, order);
    await app.crash();
    expect((await app.waitForItem('Orders', { orderId: order.orderId })).timesApplied).toBe(1);
    expect((await app.waitForExecution({ contract: OrderPlaced, detail: order })).status).toBe('SUCCEEDED');
  } finally {
    await app.stop();
  }
}, 60_000);
`;

/**
 * Tests a team writes against switchyard-cli/testing for its own flow's behaviour: a copy of an
 * order that arrives after the order was handled, and a consumer that fails twice after its
 * write, redelivered on virtual time (a day of it, in well under a second).
 */
const BEHAVIOUR_TEST = `import { App } from 'aws-cdk-lib';
import { startApp, type TestApp } from 'switchyard-cli/testing';
import { expect, it } from 'vitest';
import { OrderPlaced } from '../contracts/index.js';
import { OrdersAppStack } from '../lib/orders-app-stack.js';

/**
 * Never called: for tsc. The testing API types a detail from the contract (Detail<C>) made by
 * the app's own switchyard-cdk, though switchyard-cli has a copy of the contracts of its own.
 */
export async function wrongDetail(app: TestApp): Promise<void> {
  // @ts-expect-error amount is a number in OrderPlaced's contract
  await app.send(OrderPlaced, { orderId: 'O-TYPE', amount: 'twelve', currency: 'EUR' });
}

function ordersApp(): App {
  const cdk = new App();
  new OrdersAppStack(cdk, 'OrdersApp');
  return cdk;
}

it('records an order once when a copy arrives after it was handled', async () => {
  const app = await startApp({ app: ordersApp() });
  try {
    const order = { orderId: 'O-LATE', amount: 1500, currency: 'EUR' };
    await app.send(OrderPlaced, order);
    const done = app.waitForExecution({ contract: OrderPlaced, detail: order });
    await app.sendLate(OrderPlaced, order, { after: done, delayMs: 200 });
    expect((await done).status).toBe('SUCCEEDED');
    // The late copy is claimed as a duplicate: the order stays applied once.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await app.waitForItem('Orders', { orderId: order.orderId })).timesApplied).toBe(1);
    await app.expectNoDeadLetters();
    await app.expectNoFailedExecutions();
  } finally {
    await app.stop();
  }
}, 60_000);

it('records an order once when its consumer fails twice after writing it, redelivered on virtual time', async () => {
  const app = await startApp({ app: ordersApp() }, { virtualTime: true });
  try {
    const fault = app.failFunction('RecordOrder', { times: 2, when: 'after' });
    const order = { orderId: 'O-FAULT', amount: 20, currency: 'EUR' };
    await app.send(OrderPlaced, order);
    // The first delivery writes the order, then fails; each redelivery comes a visibility timeout later.
    await app.waitForItem('Orders', { orderId: order.orderId });
    for (let hour = 0; hour < 24 && fault.injected() < 2; hour++) {
      await app.advance('1h');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(fault.injected()).toBe(2);
    await app.advance('1h');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await app.waitForItem('Orders', { orderId: order.orderId })).timesApplied).toBe(1);
    await app.expectNoDeadLetters();
    await app.expectNoFailedExecutions();
  } finally {
    await app.stop();
  }
}, 60_000);
`;

/** `npm create switchyard` from the tarball: npm runs create-switchyard's bin with the arguments. */
function npmCreate(args: readonly string[], cwd: string) {
  return run('npm', ['exec', '--yes', '--package', tarballs.create, '--', 'create-switchyard', ...args], cwd);
}

/** The app's own switchyard (node_modules/.bin), as its README says to run it. */
function switchyard(args: readonly string[]) {
  return ok('npx', ['switchyard', ...args, '--endpoint', endpoint], app);
}

/** `switchyard <command>` from the tarballs, with the Node at `node.path` first on the PATH instead of the Node 24 the app's commands get. */
function switchyardOn(node: { path: string }, command: string) {
  const env = appEnv({ PATH: `${path.dirname(node.path)}${path.delimiter}${process.env.PATH ?? ''}` });
  return run('npx', ['--yes', '--package', tarballs.library, '--package', tarballs.command, '--', 'switchyard', command], work, env);
}

/** A Node older than 24 on this machine's PATH (npm puts the repository's Node 24 first for its scripts), if there is one. */
function olderNode(than = 24): { path: string; version: string } | undefined {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(folder, 'node');
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    if (Number(version.split('.')[0]) < than) return { path: candidate, version };
  }
  return undefined;
}

const order = (orderId: string, amount: number) => JSON.stringify({ orderId, amount, currency: 'EUR' });

describe('an app made with npm create switchyard from the packed tarballs', () => {
  it('is scaffolded outside the repository, depending on the tarballs beside it', () => {
    const created = timed('npm create switchyard (from the tarball)', () => npmCreate(['orders-app'], work));
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toContain('npx switchyard dev');
    const manifest = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8'));
    expect(manifest.dependencies['switchyard-cdk']).toBe(`file:${tarballs.library}`);
    expect(manifest.devDependencies['switchyard-cli']).toBe(`file:${tarballs.command}`);
    expect(manifest.type).toBe('module');
    for (const file of [
      '.gitignore',
      '.nvmrc',
      'scripts/check-node.mjs',
      'README.md',
      'cdk.json',
      'tsconfig.json',
      'bin/app.ts',
      'lib/orders-app-stack.ts',
      'contracts/index.ts',
      'lambdas/record-order/handler.ts',
      'test/orders-app-stack.test.ts',
    ]) {
      expect(existsSync(path.join(app, file)), file).toBe(true);
    }
    expect(readFileSync(path.join(app, 'lib/orders-app-stack.ts'), 'utf8')).toContain('export class OrdersAppStack extends Stack');
    expect(readFileSync(path.join(app, '.gitignore'), 'utf8')).toMatch(/node_modules\/[\s\S]*cdk\.out\/[\s\S]*\.switchyard\//);
  });

  it('refuses a folder that is not empty, and a name that cannot name an app, with exit 2', () => {
    const again = npmCreate(['orders-app'], work);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('is not empty');
    const badName = npmCreate(['Orders_App'], work);
    expect(badName.status).toBe(2);
    expect(badName.stderr).toContain('"Orders_App" cannot name an app');
    expect(existsSync(path.join(work, 'Orders_App'))).toBe(false);
    mkdirSync(path.join(work, 'file-parent'));
    writeFileSync(path.join(work, 'file-parent', 'taken'), '');
    expect(npmCreate([path.join('file-parent', 'taken')], work).status).toBe(2);
  });

  it('is what switchyard init makes too, run with npx from the two tarballs', () => {
    const created = run(
      'npx',
      ['--yes', '--package', tarballs.library, '--package', tarballs.command, '--', 'switchyard', 'init', 'init-app'],
      work,
    );
    expect(created.status, created.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(work, 'init-app', 'package.json'), 'utf8'));
    expect(manifest.dependencies['switchyard-cdk']).toBe(`file:${tarballs.library}`);
    expect(manifest.devDependencies['switchyard-cli']).toBe(`file:${tarballs.command}`);
  });

  it('fails if switchyard dev runs on a Node older than 24, naming the version it needs', (context) => {
    const older = olderNode();
    if (older === undefined) return context.skip('this machine has no Node older than 24 on its PATH to try');
    const refused = switchyardOn(older, 'dev');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `switchyard dev needs Node 24 or newer, the Node of Lambda's nodejs24.x runtime (this is Node ${older?.version})`,
    );
  });

  it("fails if another command runs on a Node older than its engines' 22, in one line naming the version, not the AWS SDK's warning", (context) => {
    const older = olderNode(22);
    if (older === undefined) return context.skip('this machine has no Node older than 22 on its PATH to try');
    const refused = switchyardOn(older, 'executions');
    expect(refused.status).toBe(1);
    // After npm's own EBADENGINE warnings as npx installs the packages: the command's one line.
    expect(refused.stderr.trim().split('\n').at(-1)).toBe(
      `switchyard needs Node 22 or newer, the oldest switchyard-cli supports, as the AWS SDK will from January 2027 (this is Node ${older.version}). ` +
        'Install Node 24 (for example: nvm install 24, or fnm install 24) and run it again.',
    );
    expect(refused.stderr).not.toContain('NodeVersionSupportWarning');
  });

  it('installs, typechecks and passes its own tests', () => {
    npmInstall(app);
    ok('npx', ['tsc'], app);
    const tests = timed("the app's npm test", () => ok('npm', ['test'], app));
    expect(tests).toMatch(/Tests\s+\d+ passed/);
  });

  it('takes the cdk-nag acknowledgement synth prints, with or without its prefix, in its synth and in its own cdk-nag test', () => {
    const stackFile = path.join(app, 'lib', 'orders-app-stack.ts');
    const original = readFileSync(stackFile, 'utf8');
    // docs/getting-started.md's role: a wildcard finding, acknowledged with the id `cdk synth` prints.
    const withRole = (acknowledgement: string | undefined) =>
      writeFileSync(
        stackFile,
        `import * as iam from 'aws-cdk-lib/aws-iam';\nimport { Validations } from 'aws-cdk-lib';\n${original.replace(
          'super(scope, id, props);',
          `super(scope, id, props);
    const reports = new iam.Role(this, 'Reports', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    reports.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reports-*/*'] }));
    ${acknowledgement === undefined ? '' : `Validations.of(reports).acknowledge({ id: '${acknowledgement}', reason: 'Reports land in one bucket per month; the role reads them all.' });`}`,
        )}`,
      );
    const stackTest = () => run('npx', ['vitest', 'run', 'test/orders-app-stack.test.ts'], app);
    const finding = 'AwsSolutions-IAM5[Resource::arn:aws:s3:::reports-*/*]';
    try {
      for (const id of [`AwsSolutions::${finding}`, finding]) {
        withRole(id);
        const passed = stackTest();
        expect(passed.status, `${id}\n${passed.stdout}${passed.stderr}`).toBe(0);
      }
      withRole(undefined);
      const refused = stackTest();
      expect(refused.status, 'the unacknowledged finding fails the test').not.toBe(0);
      expect(`${refused.stdout}${refused.stderr}`).toContain(`Acknowledge with 'AwsSolutions::${finding}'`);
      withRole(`AwsSolutions::${finding}`);
      timed('cdk synth with the acknowledged role', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
    } finally {
      writeFileSync(stackFile, original);
    }
  });

  it("crashes and restarts the app's runtime through the packed testing API (ownProcess, crash), the order accepted before finishing once", () => {
    // Not in the scaffold's own tests (they keep to their time budget): a test file of the
    // team's own, run with the app's vitest, on the compiled child entry the package ships.
    writeFileSync(path.join(app, 'test', 'crash.test.ts'), CRASH_TEST);
    const output = timed('a crash test in the app', () => ok('npx', ['vitest', 'run', 'test/crash.test.ts'], app));
    expect(output).toMatch(/Tests\s+1 passed/);
  });

  it("tests its flow's behaviour through the packed testing API: a late copy and a consumer that fails after its write, each order applied once", () => {
    writeFileSync(path.join(app, 'test', 'behaviour.test.ts'), BEHAVIOUR_TEST);
    // The team's contract objects type-check against the testing API's own copy of the contracts.
    ok('npx', ['tsc'], app);
    const output = timed('behaviour tests in the app', () => ok('npx', ['vitest', 'run', 'test/behaviour.test.ts'], app));
    expect(output).toMatch(/Tests\s+2 passed/);
  });

  it('synthesizes with its handlers bundled and the cdk-nag checks clean', () => {
    // bin/app.ts adds AwsSolutionsChecks as a validation plugin: a finding fails the synth.
    timed('cdk synth of the app', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
    const template = JSON.parse(readFileSync(path.join(app, 'cdk.out', 'OrdersApp.template.json'), 'utf8'));
    const functions = Object.values(template.Resources as Record<string, { Type: string }>).filter(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    // The consumer and the workflow's starter (the package's own handler, bundled from its dist/).
    expect(functions.length).toBeGreaterThanOrEqual(2);
  });

  describe('under switchyard dev', () => {
    let dev: ReturnType<typeof start> | undefined;
    const dynamodb = new DynamoDBClient(aws);
    const logs = new CloudWatchLogsClient(aws);

    afterAll(async () => {
      await dev?.stop();
      dynamodb.destroy();
      logs.destroy();
    });

    /** The Orders table as the runtime named it: `<stack>-<logical id>`, the id from the synthesized template. */
    async function ordersTable(): Promise<string> {
      const template = JSON.parse(readFileSync(path.join(app, 'cdk.out', 'OrdersApp.template.json'), 'utf8'));
      const [logicalId] = Object.entries(template.Resources as Record<string, { Type: string; Properties?: { KeySchema?: unknown } }>).find(
        ([, r]) => r.Type === 'AWS::DynamoDB::Table' && JSON.stringify(r.Properties?.KeySchema).includes('"orderId"'),
      ) ?? [undefined];
      const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
      const name = TableNames.find((n) => logicalId !== undefined && n.endsWith(`-${logicalId}`));
      if (name === undefined) throw new Error(`no table for ${logicalId} among ${TableNames.join(', ')}`);
      return name;
    }

    async function timesApplied(orderId: string): Promise<number | undefined> {
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: await ordersTable(), Key: { orderId: { S: orderId } } }));
      return Item?.timesApplied?.N === undefined ? undefined : Number(Item.timesApplied.N);
    }

    async function consumerLogLines(pattern: string): Promise<string[]> {
      const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({}));
      const lines: string[] = [];
      for (const group of logGroups.filter((g) => g.logGroupName?.includes('RecordOrder'))) {
        const { events = [] } = await logs.send(
          new FilterLogEventsCommand({ logGroupName: group.logGroupName, filterPattern: `"${pattern}"` }),
        );
        lines.push(...events.map((e) => e.message ?? ''));
      }
      return lines;
    }

    it('runs the app: an OrderPlaced sent with switchyard send is recorded by the consumer', async (context) => {
      if (!devLanded) context.skip('switchyard dev is not in the package yet (cli/commands/dev.ts)');
      dev = start('npx', ['switchyard', 'dev', '--port', String(PORT), '--no-watch'], app, appEnv());
      await waitFor(
        `switchyard dev to run the app on ${endpoint}`,
        async () => {
          if (dev?.exited()) throw new Error(`switchyard dev exited:\n${dev.output()}`);
          return (await ordersTable()) || undefined;
        },
        180_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- switchyard dev output\n${dev?.output()}`);
      });
      const sent = switchyard(['send', 'OrderPlaced', '--detail', order('o-1', 42)]);
      expect(sent).toMatch(/\S/);
      expect(await waitFor('o-1 in the Orders table', () => timesApplied('o-1'))).toBe(1);
    });

    it('applies the same order sent twice once', async (context) => {
      if (!devLanded) context.skip('switchyard dev is not in the package yet');
      switchyard(['send', 'OrderPlaced', '--detail', order('o-1', 42)]);
      // The consumer says so when it skips a fact it already processed.
      await waitFor('the consumer to skip the duplicate', async () =>
        (await consumerLogLines('duplicate skipped')).length > 0 ? true : undefined,
      );
      expect(await timesApplied('o-1')).toBe(1);
    });

    it('starts one workflow execution per order', async (context) => {
      if (!devLanded) context.skip('switchyard dev is not in the package yet');
      const executions = await waitFor('the fulfilment execution to succeed', () => {
        const listed = switchyard(['executions', '--json']);
        return listed.includes('SUCCEEDED') ? listed : undefined;
      });
      expect(executions).toContain('Fulfilment');
    });

    it('dead-letters an invalid order with its reason, shown by switchyard failures', async (context) => {
      if (!devLanded) context.skip('switchyard dev is not in the package yet');
      // --no-validate: send would refuse it; the consumer must refuse it too.
      switchyard(['send', 'OrderPlaced', '--no-validate', '--source', 'orders-app.orders', '--detail', order('o-bad', -5)]);
      const failures = await waitFor('the invalid order among the failures', () => {
        const listed = switchyard(['failures', '--json']);
        return listed.includes('o-bad') ? listed : undefined;
      });
      expect(failures).toMatch(/amount/);
      expect(failures).toMatch(/InvalidEvent|must be >= 0/);
      expect(await timesApplied('o-bad')).toBeUndefined();
    });
  });
});
