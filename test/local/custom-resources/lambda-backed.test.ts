import { CfnWaitConditionHandle, CustomResource } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { type CustomResourceDefinition, RequestFailed } from '../../../local/custom-resources/custom-resources.js';
import { lambdaBackedRunner, ResponseUrls } from '../../../local/custom-resources/lambda-backed.js';
import { inlineFunction, synthStack } from '../cdk-stack.js';
import { appRuntime } from './app-runtime.js';

/** The app's function: PUTs SUCCESS (with what CloudFormation's request told it) to the ResponseURL, as cfn-response does. */
const ANSWERER = `exports.handler = async (event) => {
  const answer = {
    Status: 'SUCCESS',
    PhysicalResourceId: 'thing-' + event.ResourceProperties.Name,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: {
      RequestType: event.RequestType,
      LogicalResourceId: event.LogicalResourceId,
      ResourceType: event.ResourceType,
      Old: event.OldResourceProperties ? event.OldResourceProperties.Name : 'none',
      Before: event.PhysicalResourceId || 'none',
    },
  };
  const response = await fetch(event.ResponseURL, { method: 'PUT', body: JSON.stringify(answer) });
  console.log('answered', response.status);
};`;

/** The app's function that refuses: PUTs FAILED with its Reason. */
const REFUSER = `exports.handler = async (event) => {
  await fetch(event.ResponseURL, {
    method: 'PUT',
    body: JSON.stringify({ Status: 'FAILED', Reason: 'the widget is out of stock', PhysicalResourceId: 'none', StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId }),
  });
};`;

function synthApp(outdir: string, name: string): void {
  synthStack(
    'Plain',
    (stack) => {
      const fn = (id: string, code: string) => inlineFunction(stack, id, code);
      new CustomResource(stack, 'Good', {
        serviceToken: fn('Answerer', ANSWERER).functionArn,
        resourceType: 'Custom::Good',
        properties: { Name: name },
      });
      // A wait condition handle's Ref (the URL its signals are PUT to) does not resolve locally: the property is left out, and said.
      new CustomResource(stack, 'Bad', {
        serviceToken: fn('Refuser', REFUSER).functionArn,
        resourceType: 'Custom::Bad',
        properties: { Handle: new CfnWaitConditionHandle(stack, 'Handle').ref },
      });
    },
    outdir,
  );
}

const app = appRuntime('switchyard-plaincr-', (outdir) => synthApp(outdir, 'a'));
const { logs, restart } = app;

describe('plain Lambda-backed custom resources', () => {
  it('invokes the app’s function with the Create request and keeps the SUCCESS answer it PUTs to the ResponseURL, with no start-up warning', () => {
    expect(logs).toContainEqual(
      '[customresources] custom resource Plain/Good (Custom::Good) Create: its function answered SUCCESS, physical id thing-a',
    );
    expect(app.runtime().customresources.data('Plain/Good')).toEqual({
      RequestType: 'Create',
      LogicalResourceId: 'Good',
      ResourceType: 'Custom::Good',
      Old: 'none',
      Before: 'none',
    });
    expect(app.runtime().warnings.filter((w) => w.includes('Plain/Good') || w.includes('not run'))).toEqual([]);
  });

  it('names a FAILED answer with its Reason at start-up, and tries it again at the next start', async () => {
    const failed =
      '[customresources] custom resource Plain/Bad (Custom::Bad) Create failed: its function answered FAILED: the widget is out of stock (tried again at the next start)';
    expect(logs).toContainEqual(failed);
    expect(app.runtime().customresources.data('Plain/Bad')).toBeUndefined();
    await restart();
    expect(logs).toContainEqual(failed);
  }, 60_000);

  it('names a property it is given without, as for any resource the runtime runs, and the wait condition handle it came from', () => {
    const warnings = app.runtime().warnings;
    expect(warnings).toContainEqual(expect.stringMatching(/^Plain\/Bad \(Custom::Bad\): Properties\.Handle: .*Handle/));
    expect(warnings).toContainEqual(
      expect.stringMatching(/^Plain\/Handle \(AWS::CloudFormation::WaitConditionHandle\): no wait condition handles locally: /),
    );
  });

  it('sends an Update with the old properties and physical id when they change', async () => {
    synthApp(app.outdir(), 'b');
    const again = await restart();
    expect(again.customresources.data('Plain/Good')).toMatchObject({ RequestType: 'Update', Old: 'a', Before: 'thing-a' });
  }, 60_000);
});

describe('lambdaBackedRunner', () => {
  const resource: CustomResourceDefinition = {
    id: 'S/R',
    logicalId: 'R',
    type: 'Custom::R',
    stackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/S/1',
    properties: { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:f' },
    provider: { kind: 'lambda', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f' },
  };

  it('says, without waiting longer than its bound, that no answer came when the function returned without one', async () => {
    const lines: string[] = [];
    const run = lambdaBackedRunner({
      invoke: async () => ({ ok: true, payload: 'null', requestId: '1' }),
      responses: new ResponseUrls(),
      url: 'http://127.0.0.1:1',
      log: (line) => lines.push(line),
      waitMs: 20,
    });
    expect(await run(resource, { requestType: 'Create', physicalId: '' })).toBeInstanceOf(RequestFailed);
    expect(lines).toEqual([
      expect.stringMatching(/^custom resource S\/R \(Custom::R\) Create failed: no answer was PUT to its ResponseURL within 0.02 s /),
    ]);
  });

  it('names the function’s error when it failed without answering', async () => {
    const lines: string[] = [];
    const run = lambdaBackedRunner({
      invoke: async () => ({ ok: false, error: { errorType: 'TypeError', errorMessage: 'boom' }, requestId: '1' }),
      responses: new ResponseUrls(),
      url: 'http://127.0.0.1:1',
      log: (line) => lines.push(line),
      waitMs: 60_000,
    });
    expect(await run(resource, { requestType: 'Create', physicalId: '' })).toBeInstanceOf(RequestFailed);
    expect(lines).toEqual([
      expect.stringMatching(/Create failed: its function failed without answering at its ResponseURL: TypeError: boom /),
    ]);
  });

  it('answers 403 to a PUT at a ResponseURL no request waits at', async () => {
    const urls = new ResponseUrls();
    const put = { method: 'PUT', host: undefined, headers: {}, body: Buffer.from('{}'), sourceIp: '127.0.0.1', protocol: 'http' };
    expect((await urls.handle({ ...put, url: '/_aws/cloudformation-response/nobody' })).status).toBe(403);
  });
});
