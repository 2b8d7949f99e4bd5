import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { SwitchyardStack, type SwitchyardStackProps } from '../../lib/switchyard-stack.js';

export const TEST_ENV = { account: '111111111111', region: 'eu-west-1' };

/**
 * An app that skips esbuild bundling (asset hashes become placeholders): construct
 * tests assert on template properties, and bundling every function for each would
 * take seconds apiece. test/app.test.ts bundles for real.
 */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

export function testStack(): { stack: Stack; bus: events.EventBus } {
  const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
  return { stack, bus: new events.EventBus(stack, 'Bus') };
}

/**
 * Synthesizes the whole app into `outdir` with real esbuild bundling, as `cdk synth` does
 * (asset metadata on, as the CLI turns it on, so each function maps to its bundle folder).
 */
export function synthSwitchyardApp(
  outdir: string,
  env: { account: string; region: string } = { account: '000000000000', region: 'us-east-1' },
  props: SwitchyardStackProps = {},
) {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  // As cdk.json has it for the example app: the demo events' simulated failures are allowed.
  const stack = new SwitchyardStack(app, 'Switchyard', { env, simulatedFailures: true, ...props });
  const template = Template.fromStack(stack);
  return { template, assembly: app.synth() };
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
