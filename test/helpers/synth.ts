import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import { withoutForkEntry } from '../../contracts/fork.js';
import { NEW_APP_CONTEXT } from '../../lib/constructs/feature-flags.js';
import { SwitchyardStack, type SwitchyardStackProps } from '../../lib/switchyard-stack.js';
import { sharedOnce } from './shared-once.js';
import { assemblyKey, DEFAULT_ENV, depth, type SynthEnv } from './switchyard-assembly.js';

export const TEST_ENV = { account: '111111111111', region: 'eu-west-1' };

/**
 * Whether this run bundles the app for the suites that read it: npm run test:apps sets
 * SWITCHYARD_APPS (vitest.config.ts's APPS and APP_PARTS); npm test leaves the bundling out.
 */
export const WITH_BUNDLED_APP = process.env.SWITCHYARD_APPS !== undefined;

/**
 * An app that skips esbuild bundling (asset hashes become placeholders): construct
 * tests assert on template properties, and bundling every function for each would
 * take seconds apiece. test/app.test.ts bundles for real. Its feature flags are on, as this
 * repository's cdk.json and a new app's have them (test/lib/constructs/feature-flags.test.ts
 * tests the defaults without them).
 */
export function testApp(): App {
  return new App({ context: { ...NEW_APP_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
}

export function testStack(): { stack: Stack; bus: events.EventBus } {
  const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
  return { stack, bus: new events.EventBus(stack, 'Bus') };
}

/** An on-demand table keyed on the string `pk`, with the stream `stream` (none if null). */
export function streamedTable(scope: Construct, id: string, stream: dynamodb.StreamViewType | null): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    ...(stream ? { stream } : {}),
  });
}

/**
 * Synthesizes the whole app into `outdir` with real esbuild bundling, as `cdk synth` does
 * (asset metadata on, as the CLI turns it on, so each function maps to its bundle folder).
 *
 * Bundling takes tens of seconds, so within one `vitest run` the app is synthesized once per
 * env, by the first test file that asks, beside the run's own folder (test/global-setup.ts);
 * every caller gets a copy of that assembly in its `outdir`, so none can change another's.
 */
export function synthSwitchyardApp(outdir: string, env: SynthEnv = DEFAULT_ENV, props: SwitchyardStackProps = {}) {
  // An app of another env or with props of its own (short SLAs, say) has a template of its own but the same bundles.
  if (env.account !== DEFAULT_ENV.account || env.region !== DEFAULT_ENV.region || Object.keys(props).length > 0) {
    return synthOverSharedBundles(outdir, { env, props });
  }
  const shared = sharedAssembly(env);
  // The bundles' source maps name the sources relative to the bundle, so a copy is only true at the same depth.
  if (shared === undefined || depth(shared) !== depth(outdir)) return synthInto(outdir, env, props);
  cpSync(shared, outdir, { recursive: true });
  const assembly = new CloudAssembly(outdir);
  return { template: Template.fromJSON(assembly.getStackArtifact('Switchyard').template), assembly };
}

export interface SynthOptions {
  readonly env?: SynthEnv;
  readonly props?: SwitchyardStackProps;
  /** The app's context besides asset metadata (the CLI's `aws:cdk:enable-path-metadata`, say). */
  readonly context?: Record<string, unknown>;
}

type TemplateJson = {
  Resources: Record<string, { Type: string; Metadata?: Record<string, unknown>; Properties?: Record<string, unknown> }>;
};

/**
 * The app synthesized into `outdir` as `options` configure it, without esbuild (seconds, not the
 * tens of seconds bundling takes): each bundled resource then points at the bundle of the same
 * logical ID in the run's shared assembly, copied in. Env, props and context configure
 * templates (regions, SLAs, reviewers), not handler code, so these are the bundles a full
 * synthesis would build, and the template is the one it would write. Synthesizes in full when
 * there is no shared assembly, or a bundled resource has no counterpart in it (props that add
 * a function).
 */
export function synthOverSharedBundles(outdir: string, options: SynthOptions = {}) {
  const { env = DEFAULT_ENV, props = {}, context = {} } = options;
  const shared = sharedAssembly(DEFAULT_ENV);
  if (shared === undefined || depth(shared) !== depth(outdir)) return synthInto(outdir, env, props, context);
  const app = new App({
    outdir,
    context: { ...NEW_APP_CONTEXT, 'aws:cdk:enable-asset-metadata': true, ...context, 'aws:cdk:bundling-stacks': [] },
  });
  new SwitchyardStack(app, 'Switchyard', { env, simulatedFailures: true, ...props });
  const file = app.synth().getStackArtifact('Switchyard').templateFullPath;
  const own = JSON.parse(readFileSync(file, 'utf8')) as TemplateJson;
  const bundled = JSON.parse(
    readFileSync(new CloudAssembly(shared).getStackArtifact('Switchyard').templateFullPath, 'utf8'),
  ) as TemplateJson;
  for (const [id, resource] of Object.entries(own.Resources)) {
    const property = resource.Metadata?.['aws:asset:property'];
    // Assets without bundling (copied folders) were staged as they are; bundling was skipped for the others.
    if (typeof property !== 'string' || resource.Metadata?.['aws:asset:is-bundled'] !== true) continue;
    const counterpart = bundled.Resources[id];
    const asset = counterpart?.Metadata?.['aws:asset:path'];
    if (counterpart?.Type !== resource.Type || typeof asset !== 'string') {
      rmSync(outdir, { recursive: true, force: true });
      return synthInto(outdir, env, props, context);
    }
    cpSync(path.join(shared, asset), path.join(outdir, asset), { recursive: true });
    resource.Metadata = { ...resource.Metadata, 'aws:asset:path': asset };
    resource.Properties = { ...resource.Properties, [property]: counterpart.Properties?.[property] };
  }
  writeFileSync(file, JSON.stringify(own, undefined, 1));
  return { template: Template.fromJSON(own), assembly: new CloudAssembly(outdir) };
}

function synthInto(outdir: string, env: SynthEnv, props: SwitchyardStackProps = {}, context: Record<string, unknown> = {}) {
  // The feature flags as cdk.json sets them.
  const app = new App({ outdir, context: { ...NEW_APP_CONTEXT, 'aws:cdk:enable-asset-metadata': true, ...context } });
  // As cdk.json has it for the example app: the demo events' simulated failures are allowed.
  const stack = new SwitchyardStack(app, 'Switchyard', { env, simulatedFailures: true, ...props });
  const template = Template.fromStack(stack);
  return { template, assembly: app.synth() };
}

/**
 * The run's assembly for `env`, synthesized now if no test file has yet. Test files run in
 * parallel workers: the first takes a lock (an atomic mkdir) and synthesizes into a staging
 * folder renamed into place when complete; the others wait for the rename. Undefined outside
 * a run with test/global-setup.ts, or when the wait runs out (a worker died holding the lock):
 * the caller then synthesizes on its own, which is slower but never wrong.
 */
function sharedAssembly(env: SynthEnv): string | undefined {
  // Siblings of the run's folder (it holds the locks), so the bundles sit as deep as in a caller's mkdtemp folder.
  return sharedOnce(assemblyKey(env), (staging) => {
    synthInto(staging, env);
  });
}

/**
 * The template of this project's app with its defaults and no bundling (`switchyardTemplate()`'s),
 * synthesized once per run for every test file that only reads it: the first file to ask
 * writes it beside the run's folder, the others read it (a synthesis of the whole app takes
 * seconds of CPU). Synthesized for the caller outside a run with test/global-setup.ts.
 */
export function sharedSwitchyardTemplate(): Template {
  const file = sharedOnce('template-default.json', (staging) => {
    writeFileSync(staging, JSON.stringify(switchyardTemplate().template.toJSON()));
  });
  return file === undefined ? switchyardTemplate().template : Template.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
}

export function switchyardTemplate(props: SwitchyardStackProps = {}): { app: App; stack: SwitchyardStack; template: Template } {
  const app = testApp();
  const stack = new SwitchyardStack(app, 'Switchyard', { env: TEST_ENV, ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Turns a synthesized DefinitionString (an Fn::Join of strings and tokens) into the ASL JSON, with tokens as placeholder ARNs. */
// biome-ignore lint/suspicious/noExplicitAny: Template.findResources returns untyped resources
export function definitionOf(resource: { [key: string]: any }): Record<string, unknown> {
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const intrinsic = value as Record<string, unknown>;
    if ('Fn::Join' in intrinsic) {
      const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
    if ('Ref' in intrinsic)
      return intrinsic.Ref === 'AWS::Partition' ? 'aws' : `arn:aws:lambda:eu-west-1:111111111111:function:${String(intrinsic.Ref)}`;
    if ('Fn::GetAtt' in intrinsic) {
      const [logicalId] = intrinsic['Fn::GetAtt'] as [string];
      return `arn:aws:states:eu-west-1:111111111111:stateMachine:${logicalId}`;
    }
    throw new Error(`unexpected intrinsic in definition: ${JSON.stringify(value)}`);
  };
  return JSON.parse(render(resource.Properties.DefinitionString));
}

/** The state a definition's own flow begins at: past the fork entry a Workflow puts first (contracts/fork.ts). */
export function flowStartOf(definition: { StartAt: string; States: Record<string, unknown> }): string {
  return withoutForkEntry(definition).StartAt;
}
