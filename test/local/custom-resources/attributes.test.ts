import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CfnOutput, CustomResource } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { inlineFunction, synthStack } from '../cdk-stack.js';
import { sdkConfig } from '../restartable-runtime.js';
import { appRuntime } from './app-runtime.js';

/** The app's provider: PUTs SUCCESS, its physical id and Greeting from the Name it is given. */
const ANSWERER = `exports.handler = async (event) => {
  const name = event.ResourceProperties.Name;
  await fetch(event.ResponseURL, { method: 'PUT', body: JSON.stringify({
    Status: 'SUCCESS', PhysicalResourceId: 'thing-' + name, StackId: event.StackId, RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId, Data: { Greeting: 'hello-' + name },
  }) });
};`;

/** The app's provider that refuses. */
const REFUSER = `exports.handler = async (event) => {
  await fetch(event.ResponseURL, { method: 'PUT', body: JSON.stringify({
    Status: 'FAILED', Reason: 'the widget is out of stock', PhysicalResourceId: 'none', StackId: event.StackId,
    RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId,
  }) });
};`;

/** A function that answers the environment it was started with. */
const READER = `exports.handler = async () => ({ greeting: process.env.GREETING, source: process.env.SOURCE_ID, chained: process.env.CHAINED });`;

function synthApp(outdir: string): void {
  synthStack(
    'Attrs',
    (stack) => {
      const answerer = inlineFunction(stack, 'Answerer', ANSWERER);
      const source = new CustomResource(stack, 'Source', {
        serviceToken: answerer.functionArn,
        resourceType: 'Custom::Source',
        properties: { Name: 'a' },
      });
      // Runs after Source: its property is Source's answer.
      const chained = new CustomResource(stack, 'Chained', {
        serviceToken: answerer.functionArn,
        resourceType: 'Custom::Chained',
        properties: { Name: source.getAttString('Greeting') },
      });
      const reader = inlineFunction(stack, 'Reader', READER);
      reader.addEnvironment('GREETING', source.getAttString('Greeting'));
      reader.addEnvironment('SOURCE_ID', source.ref);
      reader.addEnvironment('CHAINED', chained.getAttString('Greeting'));
      new sfn.StateMachine(stack, 'Machine', {
        stateMachineName: 'attrs-machine',
        definitionBody: sfn.DefinitionBody.fromString(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a definition substitution's placeholder, not a template literal
          JSON.stringify({ StartAt: 'Say', States: { Say: { Type: 'Pass', Result: '${Greeting}', End: true } } }),
        ),
        definitionSubstitutions: { Greeting: source.getAttString('Greeting') },
      });
      new CfnOutput(stack, 'Greeting', { value: source.getAttString('Greeting') });

      const broken = new CustomResource(stack, 'Broken', {
        serviceToken: inlineFunction(stack, 'Refuser', REFUSER).functionArn,
        resourceType: 'Custom::Broken',
      });
      inlineFunction(stack, 'Dependent', READER).addEnvironment('GREETING', broken.getAttString('Greeting'));
      inlineFunction(stack, 'Misread', READER).addEnvironment('GREETING', source.getAttString('Farewell'));
    },
    outdir,
  );
}

const app = appRuntime('switchyard-crattrs-', synthApp);

/** The function of the stack whose name holds `id`. */
const functionNamed = (id: string) => app.runtime().definitions.functions.find((fn) => fn.name.includes(id));

describe('custom resources’ attributes', () => {
  it('starts a function with the Data and PhysicalResourceId of the custom resources its environment references', async () => {
    const reader = functionNamed('Reader');
    expect(reader).toBeDefined();
    const outcome = await app.runtime().lambda.invoke(reader?.arn ?? '', {});
    expect(outcome.ok && JSON.parse(outcome.payload)).toEqual({
      greeting: 'hello-a',
      source: 'thing-a',
      chained: 'hello-hello-a',
    });
  });

  it('runs a custom resource that references another’s attribute after it, with its answer', () => {
    expect(app.runtime().customresources.data('Attrs/Chained')).toEqual({ Greeting: 'hello-hello-a' });
    const order = app.logs.filter((line) => / Create: its function answered SUCCESS/.test(line));
    expect(order.map((line) => /Attrs\/(\w+)/.exec(line)?.[1])).toEqual(['Source', 'Chained']);
  });

  it('substitutes a state machine’s definition and resolves an output with the answer', async () => {
    const sfn = new SFNClient(sdkConfig(app.runtime().url));
    try {
      const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:attrs-machine';
      const { definition } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
      expect(JSON.parse(definition ?? '{}').States.Say.Result).toBe('hello-a');
    } finally {
      sfn.destroy();
    }
    expect(app.runtime().template.app.stacks[0]?.outputs.Greeting).toBe('hello-a');
  });

  it('says what references a FAILED custom resource is not started, with its reason', () => {
    expect(functionNamed('Dependent')).toBeUndefined();
    expect(app.runtime().warnings).toContainEqual(
      expect.stringMatching(
        /^Attrs\/Dependent\w+ \(AWS::Lambda::Function\): not started: Properties\.Environment\.Variables\.GREETING: Fn::GetAtt Broken\.Greeting: custom resource Attrs\/Broken failed: its function answered FAILED: the widget is out of stock/,
      ),
    );
  });

  it("says each warning once: a function started with the answers joins its runtime's line, which is not said again", () => {
    const warnings = app.runtime().warnings;
    const runtimes = warnings.filter((line) => line.includes('declare another Node.js runtime'));
    expect(runtimes).toHaveLength(1);
    expect(runtimes[0]).toContain('Reader');
    expect(new Set(warnings).size).toBe(warnings.length);
  });

  it('starts the function with the answers kept at a restart, sending its unchanged custom resources nothing again', async () => {
    const again = await app.restart();
    expect(app.logs.filter((line) => line.includes('Attrs/Source') || line.includes('Attrs/Chained'))).toEqual([]);
    const reader = again.definitions.functions.find((fn) => fn.name.includes('Reader'));
    const outcome = await again.lambda.invoke(reader?.arn ?? '', {});
    expect(outcome.ok && JSON.parse(outcome.payload)).toMatchObject({ greeting: 'hello-a', chained: 'hello-hello-a' });
  }, 60_000);

  it('fails if a referenced attribute is not in the custom resource’s answer, naming the resource, the attribute and what references it', () => {
    expect(functionNamed('Misread')).toBeUndefined();
    expect(app.runtime().warnings).toContainEqual(
      expect.stringMatching(
        /^Attrs\/Misread\w+ \(AWS::Lambda::Function\): not started: Properties\.Environment\.Variables\.GREETING: Fn::GetAtt Source\.Farewell: CustomResource attribute error: Vendor response doesn't contain Farewell key in object Attrs\/Source's answer/,
      ),
    );
  });
});
