import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const DRIVER = path.join(import.meta.dirname, 'module-loads.ts');
/** Nothing listens on port 9 here: each command fails at its first call, after loading what it runs. */
const NOWHERE = ['--endpoint', 'http://127.0.0.1:9'];

/** A cloud assembly with one bus and one contract in its schema registry, as EventHub writes them. */
function assemblyWithOneContract(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-cli-loading-'));
  const detail = { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string', minLength: 1 } } };
  const registry = {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: 'OrderPlaced',
    type: 'object',
    required: ['detail-type', 'source', 'detail'],
    properties: { 'detail-type': { type: 'string', enum: ['OrderPlaced'] }, source: { type: 'string', enum: ['shop'] }, detail },
  };
  const template = {
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'Shop-hub' } },
      Schema: { Type: 'AWS::EventSchemas::Schema', Properties: { Type: 'JSONSchemaDraft4', Content: JSON.stringify(registry) } },
    },
  };
  writeFileSync(path.join(dir, 'Shop.template.json'), JSON.stringify(template));
  const manifest = { artifacts: { Shop: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Shop.template.json' } } } };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

interface Step {
  readonly args: string[];
  readonly code: number;
  readonly loaded: string[];
  /** Node's own modules it loaded (`process.moduleLoadList`: `NativeModule <id>`). */
  readonly builtins: string[];
}

/** The AWS SDK client packages and the CLI's command modules among the modules a step loaded, and whether TypeBox was one. */
function summary(step: Step | undefined) {
  const loaded = step?.loaded ?? [];
  return {
    clients: [...new Set(loaded.flatMap((url) => /@aws-sdk\/(client-[a-z-]+)\//.exec(url)?.[1] ?? []))].sort(),
    commands: loaded.flatMap((url) => /\/cli\/commands\/([a-z-]+)\.ts$/.exec(url)?.[1] ?? []).sort(),
    typebox: loaded.some((url) => url.includes('/node_modules/typebox/')),
  };
}

// One child process runs the command lines in turn, each step reporting what it loaded that
// the steps before it had not: what a process running that command alone loads beyond them.
let steps: Step[];

beforeAll(() => {
  const cdkOut = assemblyWithOneContract();
  const lines = [
    ['--help'],
    ['executions', ...NOWHERE, '--cdk-out', cdkOut],
    ['send', 'OrderPlaced', '--detail', '{"orderId":"o-1"}', ...NOWHERE, '--cdk-out', cdkOut],
    ['failures', ...NOWHERE, '--cdk-out', cdkOut],
  ];
  const output = execFileSync(process.execPath, ['--import', 'tsx', DRIVER, JSON.stringify(lines)], { encoding: 'utf8', timeout: 60_000 });
  steps = JSON.parse(output) as Step[];
}, 90_000);

describe('the switchyard command', () => {
  it('lists every command under --help without loading any of them, nor an AWS SDK client', () => {
    expect(steps[0]?.code).toBe(0);
    expect(summary(steps[0])).toEqual({ clients: [], commands: [], typebox: false });
  });

  it('loads the module of the command it runs and the SDK clients that command calls, not the others', () => {
    expect(steps[1]?.code).toBe(1);
    // executions lists Step Functions executions; CloudWatch Logs, where an Express flow's are, only for an Express flow.
    expect(summary(steps[1])).toEqual({ clients: ['client-sfn'], commands: ['executions'], typebox: false });
    // The app's flows, which executions lists by, are read by inspect/ (what the CLI shares with the testing API).
    expect(steps[1]?.loaded.some((url) => url.endsWith('/inspect/app-flows.ts'))).toBe(true);
  });

  it('checks a contract from the assembly without TypeBox, which only builds contracts', () => {
    expect(steps[2]?.code).toBe(1);
    expect(summary(steps[2])).toEqual({ clients: ['client-eventbridge'], commands: ['send'], typebox: false });
    expect(steps[2]?.loaded.some((url) => url.endsWith('/contracts/schema-check.ts'))).toBe(true);
  });

  it('leaves out the Lambda client, the largest, for an app that declares no durable function, and Logs for one without an Express flow', () => {
    expect(steps[3]?.code).toBe(1);
    expect(summary(steps[3]).commands).toEqual(['failures']);
    expect(summary(steps[3]).clients).not.toContain('client-lambda');
    expect(summary(steps[3]).clients).not.toContain('client-cloudwatch-logs');
  });

  it('loads none of the CDK, TypeScript, esbuild or the local runtime for executions, send and failures: they only call AWS APIs', () => {
    const runtime = pathToFileURL(path.join(import.meta.dirname, '..', '..', 'local')).href;
    const heavy = (step: Step) =>
      step.loaded.filter(
        (url) => url.startsWith(`${runtime}/`) || /\/node_modules\/(aws-cdk-lib|constructs|typescript|esbuild|@esbuild)\//.test(url),
      );
    expect(steps.slice(1).map((step) => ({ command: step.args[0], heavy: heavy(step) }))).toEqual([
      { command: 'executions', heavy: [] },
      { command: 'send', heavy: [] },
      { command: 'failures', heavy: [] },
    ]);
  });

  it("reads the runtime's read API over node:http without loading undici (fetch), which an ES import of node:http loads", () => {
    expect(steps[3]?.code).toBe(1);
    expect(steps[3]?.loaded.some((url) => url.endsWith('/inspect/read-api.ts'))).toBe(true);
    expect(steps.flatMap((step) => step.builtins).filter((entry) => entry.includes('undici'))).toEqual([]);
  });
});
