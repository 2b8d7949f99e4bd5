import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { SwitchyardMonitoring } from '../../../lib/constructs/monitoring.js';
import { SwitchyardFunction } from '../../../lib/constructs/switchyard-function.js';
import { TRACING_CONTEXT_KEY } from '../../../lib/constructs/tracing.js';
import { Workflow } from '../../../lib/constructs/workflow.js';
import { TEST_ENV, testStack } from '../../helpers/synth.js';

const entry = path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts');

/** A stack in an app whose `switchyard:tracing` context is `mode`, its functions not bundled (what testStack's are): only its template is read. */
function stackTraced(mode: unknown): Stack {
  return new Stack(new App({ context: { [TRACING_CONTEXT_KEY]: mode, 'aws:cdk:bundling-stacks': [] } }), 'Test', { env: TEST_ENV });
}

/** The actions of every statement of every policy in the template. */
function policyActions(template: Template): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((statement) => [statement.Action].flat()),
  );
}

describe('SwitchyardFunction tracing', () => {
  it('traces with X-Ray active tracing and no spans of the kit by default', () => {
    const { stack } = testStack();
    new SwitchyardFunction(stack, 'Fn', { entry, description: 'test' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ SWITCHYARD_TRACING: Match.absent() }) },
    });
    expect(policyActions(template)).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
    expect(policyActions(template)).not.toContain('xray:PutSpans');
  });

  it('turns the kit’s spans on and grants exactly the OTLP export to X-Ray with opentelemetry', () => {
    const { stack } = testStack();
    new SwitchyardFunction(stack, 'Fn', { entry, description: 'test', tracing: 'opentelemetry' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ SWITCHYARD_TRACING: 'opentelemetry' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'xray:PutSpans', Effect: 'Allow', Resource: '*' }]) },
    });
  });

  it('turns tracing off, with no X-Ray permission at all', () => {
    const { stack } = testStack();
    new SwitchyardFunction(stack, 'Fn', { entry, description: 'test', tracing: 'off' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: Match.absent() });
    expect(policyActions(template).filter((action) => action.startsWith('xray:'))).toEqual([]);
  });

  it('takes the app’s switchyard:tracing context, and a function’s own prop over it', () => {
    const stack = stackTraced('opentelemetry');
    const traced = new SwitchyardFunction(stack, 'Traced', { entry, description: 'test' });
    const own = new SwitchyardFunction(stack, 'Own', { entry, description: 'test', tracing: 'active' });
    expect([traced.tracingMode, own.tracingMode]).toEqual(['opentelemetry', 'active']);
  });

  it('fails if the prop or the context is not a tracing mode, naming the construct’s path', () => {
    const { stack } = testStack();
    expect(() => new SwitchyardFunction(stack, 'Fn', { entry, description: 'test', tracing: 'otel' as never })).toThrow(
      'Test/Fn: tracing must be one of off, active, opentelemetry (got "otel")',
    );
    expect(() => new SwitchyardFunction(stackTraced('xray'), 'Fn', { entry, description: 'test' })).toThrow(
      'Test/Fn: the switchyard:tracing context must be one of off, active, opentelemetry (got "xray")',
    );
  });
});

describe('SwitchyardFunction tracing in the bundle', () => {
  /** The bundle a real synthesis writes for a kit consumer (the workflow starter) traced as `tracing` says. */
  function bundleWith(tracing: 'active' | 'opentelemetry'): string {
    const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-tracing-bundle-'));
    try {
      const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
      const stack = new Stack(app, 'Test', { env: TEST_ENV });
      new SwitchyardFunction(stack, 'Fn', { entry, description: 'test', tracing });
      const assembly = app.synth();
      const fn = Object.values(Template.fromJSON(assembly.getStackArtifact('Test').template).findResources('AWS::Lambda::Function'))[0];
      return readFileSync(path.join(assembly.directory, fn?.Metadata?.['aws:asset:path'] as string, 'index.mjs'), 'utf8');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it('leaves the kit’s span recording and export out of the bundle of a function not traced with OpenTelemetry', () => {
    const traced = bundleWith('opentelemetry');
    const plain = bundleWith('active');
    // Strings only the span recording and the exporter hold (booleans: a failure does not print the bundles).
    for (const marker of ['/v1/traces', 'resourceSpans', 'faas.coldstart']) {
      expect(traced.includes(marker), `${marker} in the traced bundle`).toBe(true);
      expect(plain.includes(marker), `${marker} in the plain bundle`).toBe(false);
    }
    expect(traced.length - plain.length).toBeGreaterThan(10_000);
  }, 60_000);
});

describe('Workflow tracing', () => {
  function workflow(stack: Stack, tracing?: 'off' | 'active' | 'opentelemetry') {
    const bus = new events.EventBus(stack, 'Bus');
    return new Workflow(stack, 'Flow', {
      definition: new sfn.Pass(stack, 'Step'),
      eventBus: bus,
      trigger: { description: 'Tickets to flow', eventPattern: { detailType: ['TicketCreated'] } },
      idempotencyStore: new IdempotencyStore(stack, 'Claims'),
      ...(tracing ? { tracing } : {}),
    });
  }

  it('traces executions with X-Ray and its starter as it is told: opentelemetry makes the starter record spans', () => {
    const stack = stackTraced('active');
    const flow = workflow(stack, 'opentelemetry');
    Template.fromStack(stack).hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true } });
    expect((flow.starter?.function as SwitchyardFunction | undefined)?.tracingMode).toBe('opentelemetry');
  });

  it('turns execution tracing off with off', () => {
    const stack = stackTraced('off');
    workflow(stack);
    Template.fromStack(stack).hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: false } });
  });
});

describe('SwitchyardMonitoring span queries', () => {
  it('saves the span queries over aws/spans, kept to the app’s traced functions, only when a function records spans', () => {
    const plain = testStack().stack;
    new SwitchyardFunction(plain, 'Fn', { entry, description: 'test' });
    new SwitchyardMonitoring(plain, 'Monitoring');
    const names = (template: Template) =>
      Object.values(template.findResources('AWS::Logs::QueryDefinition')).map((query) => query.Properties.Name as string);
    expect(names(Template.fromStack(plain)).filter((name) => /spans|Model calls/.test(name))).toEqual([]);

    const stack = stackTraced('opentelemetry');
    new SwitchyardFunction(stack, 'Fn', { entry, description: 'test' });
    new SwitchyardMonitoring(stack, 'Monitoring');
    const template = Template.fromStack(stack);
    expect(names(template)).toEqual(expect.arrayContaining(['Test/Trace spans of a correlation id', 'Test/Model calls by model']));
    const byCorrelation = Object.values(template.findResources('AWS::Logs::QueryDefinition')).find(
      (query) => query.Properties.Name === 'Test/Trace spans of a correlation id',
    );
    expect(byCorrelation?.Properties.LogGroupNames).toEqual(['aws/spans']);
    const text = JSON.stringify(byCorrelation?.Properties.QueryString);
    expect(text).toContain('`attributes.switchyard.correlation_id` = \\"CORRELATION_ID\\"');
    expect(text).toContain('`resource.attributes.faas.name` in [');
  });
});
