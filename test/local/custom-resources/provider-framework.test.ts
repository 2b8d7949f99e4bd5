import { CfnOutput, CustomResource, Duration } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import { describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { inlineFunction, synthStack } from '../cdk-stack.js';
import { appRuntime } from './app-runtime.js';

/** The app's onEvent function: answers with what CloudFormation's request told it. */
const ON_EVENT = `exports.handler = async (event) => ({
  PhysicalResourceId: 'thing-' + event.ResourceProperties.Name,
  Data: {
    RequestType: event.RequestType,
    LogicalResourceId: event.LogicalResourceId,
    ResourceType: event.ResourceType,
    StackId: event.StackId,
    Old: event.OldResourceProperties ? event.OldResourceProperties.Name : 'none',
    Before: event.PhysicalResourceId || 'none',
  },
});`;

/** The app's isComplete function: complete at its second question. */
const IS_COMPLETE = `let asked = 0;
exports.handler = async (event) => ({ IsComplete: ++asked >= 2, Data: { Asked: asked, Seen: event.PhysicalResourceId } });`;

function synthApp(outdir: string, name: string): void {
  synthStack(
    'Prov',
    (stack) => {
      const fn = (id: string, code: string) => inlineFunction(stack, id, code);
      const provider = new cr.Provider(stack, 'Provider', {
        onEventHandler: fn('OnEvent', ON_EVENT),
        isCompleteHandler: fn('IsComplete', IS_COMPLETE),
        queryInterval: Duration.seconds(1),
      });
      const thing = new CustomResource(stack, 'Thing', {
        serviceToken: provider.serviceToken,
        resourceType: 'Custom::Thing',
        properties: { Name: name },
      });
      // An output of its provider's Data (the README's `describe-stacks` of aws-cdk-examples' custom-resource), after a plain one.
      new CfnOutput(stack, 'Plain', { value: 'plain' });
      new CfnOutput(stack, 'Before', { value: `was ${thing.getAttString('Before')}`, description: 'its physical id before' });
    },
    outdir,
  );
}

const app = appRuntime('switchyard-provider-', (outdir) => synthApp(outdir, 'a'));
const { logs, restart } = app;

const thing = (r: LocalRuntime) => {
  const resource = r.template.app.stacks.flatMap((s) => s.resources).find((x) => x.type === 'Custom::Thing');
  return r.customresources.data(`Prov/${resource?.logicalId}`);
};

describe('provider framework custom resources (cr.Provider)', () => {
  it('invokes the app’s onEvent function with the Create request, then isComplete until complete, before the runtime is ready', () => {
    expect(logs).toContainEqual(
      expect.stringMatching(
        /^\[customresources\] custom resource Prov\/Thing \(Custom::Thing\) Create: onEvent and isComplete ran, physical id thing-a$/,
      ),
    );
    expect(thing(app.runtime())).toEqual({
      RequestType: 'Create',
      LogicalResourceId: 'Thing',
      ResourceType: 'Custom::Thing',
      StackId: expect.stringMatching(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/Prov\//),
      Old: 'none',
      Before: 'none',
      Asked: 2,
      Seen: 'thing-a',
    });
    expect(app.runtime().warnings.filter((w) => w.includes('Thing'))).toEqual([]);
  });

  it("shows an output naming its provider's Data in describe-stacks once the provider has answered", async () => {
    const outputs = async (r: LocalRuntime) => (await r.cloudformation.DescribeStacks({ StackName: 'Prov' })).Stacks[0]?.Outputs;
    expect(await outputs(app.runtime())).toEqual([
      { OutputKey: 'Plain', OutputValue: 'plain' },
      { OutputKey: 'Before', OutputValue: 'was none', Description: 'its physical id before' },
    ]);
  });

  it('runs nothing again after a restart, and an Update with the old properties and physical id when they change', async () => {
    await restart();
    expect(logs.filter((line) => line.includes('Prov/Thing'))).toEqual([]);
    synthApp(app.outdir(), 'b');
    const again = await restart();
    expect(thing(again)).toMatchObject({ RequestType: 'Update', Old: 'a', Before: 'thing-a', Seen: 'thing-b' });
    const { Stacks } = await again.cloudformation.DescribeStacks({ StackName: 'Prov' });
    expect(Stacks[0]?.Outputs).toContainEqual(expect.objectContaining({ OutputKey: 'Before', OutputValue: 'was thing-a' }));
  }, 60_000);
});
