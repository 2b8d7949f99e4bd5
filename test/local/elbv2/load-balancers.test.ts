import { CfnOutput } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import { describe, expect, it } from 'vitest';
import { listenerAddresses } from '../../../local/elbv2/load-balancers.js';
import { synthesizedIn } from '../assembly.js';
import { inlineFunction, synthStack } from '../cdk-stack.js';
import { restartableRuntime } from '../restartable-runtime.js';

/** Echoes its event as JSON; `/fail` throws, `/bad` answers no statusCode, `/png` a base64 body. */
const ECHO = `
exports.handler = async (event) => {
  if (event.path === '/fail') throw new Error('asked to fail');
  if (event.path === '/bad') return { body: 'no status' };
  if (event.path === '/png') return { statusCode: 200, isBase64Encoded: true, headers: { 'Content-Type': 'image/png' }, body: Buffer.from([137, 80, 78, 71]).toString('base64') };
  return { statusCode: 201, statusDescription: '201 Created', headers: { 'X-Custom': 'yes' }, multiValueHeaders: { 'x-many': ['a', 'b'] }, body: JSON.stringify(event) };
};`;

/**
 * An internet-facing Application Load Balancer with one HTTP listener: `/multi/*` forwards to a
 * target group with multi-value headers on, `/fixed` answers a fixed response, an `x-env: test`
 * header redirects, `/instances` forwards to a group of instance targets, the rest to a Lambda target.
 */
function synthApp(outdir: string): void {
  synthStack(
    'Alb',
    (stack) => {
      const vpc = new ec2.Vpc(stack, 'Vpc', { subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
      const lb = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc, internetFacing: true });
      const listener = lb.addListener('Http', { port: 80 });
      const echo = inlineFunction(stack, 'Echo', ECHO);
      listener.addTargets('Default', { targets: [new targets.LambdaTarget(echo)] });
      const multi = new elbv2.ApplicationTargetGroup(stack, 'Multi', { targets: [new targets.LambdaTarget(echo)] });
      multi.setAttribute('lambda.multi_value_headers.enabled', 'true');
      listener.addAction('MultiRule', {
        priority: 10,
        conditions: [elbv2.ListenerCondition.pathPatterns(['/multi/*'])],
        action: elbv2.ListenerAction.forward([multi]),
      });
      listener.addAction('Fixed', {
        priority: 20,
        conditions: [elbv2.ListenerCondition.pathPatterns(['/fixed'])],
        action: elbv2.ListenerAction.fixedResponse(418, { contentType: 'text/plain', messageBody: 'short and stout' }),
      });
      listener.addAction('Moved', {
        priority: 30,
        conditions: [elbv2.ListenerCondition.httpHeader('x-env', ['test'])],
        action: elbv2.ListenerAction.redirect({ host: 'example.com', port: '8443', protocol: 'HTTPS', permanent: true }),
      });
      const instances = new elbv2.ApplicationTargetGroup(stack, 'Instances', { vpc, port: 80, targetType: elbv2.TargetType.INSTANCE });
      listener.addAction('ToInstances', {
        priority: 40,
        conditions: [elbv2.ListenerCondition.pathPatterns(['/instances'])],
        action: elbv2.ListenerAction.forward([instances]),
      });
      new CfnOutput(stack, 'Url', { value: `http://${lb.loadBalancerDnsName}` });
    },
    outdir,
  );
}

const app = restartableRuntime({ assembly: () => synthesizedIn(synthApp), ownsAssembly: true, timeoutMs: 60_000 });

function listenerUrl(): string {
  const [address] = listenerAddresses(app.runtime.elbv2.loadBalancers, app.runtime.url);
  if (address === undefined) throw new Error('no listener served');
  return address.local;
}

describe('Application Load Balancers', () => {
  it('invokes a Lambda target with the load balancer’s event and answers with its status, headers and body', async () => {
    const response = await fetch(`${listenerUrl()}/items/42?q=a%20b&q=c`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Trace': 'one' },
      body: '{"x":1}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-custom')).toBe('yes');
    // With multi-value headers off, the answer's multiValueHeaders are not read.
    expect(response.headers.get('x-many')).toBeNull();
    const event = (await response.json()) as Record<string, unknown> & { headers: Record<string, string> };
    expect(event).toMatchObject({
      requestContext: {
        elb: { targetGroupArn: expect.stringMatching(/^arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup\//) },
      },
      httpMethod: 'POST',
      path: '/items/42',
      // Not decoded, and the last of a parameter given twice.
      queryStringParameters: { q: 'c' },
      body: '{"x":1}',
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({ 'x-trace': 'one', 'x-forwarded-port': '80', 'x-forwarded-proto': 'http' });
    expect(event.headers['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
    expect(event.multiValueHeaders).toBeUndefined();
  });

  it('sends a body that is not text base64-encoded, and decodes an answer’s base64 body', async () => {
    const sent = (await (await fetch(`${listenerUrl()}/upload`, { method: 'PUT', body: Buffer.from([1, 2, 3]) })).json()) as Record<
      string,
      unknown
    >;
    expect(sent).toMatchObject({ body: 'AQID', isBase64Encoded: true });
    const png = await fetch(`${listenerUrl()}/png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await png.arrayBuffer())]).toEqual([137, 80, 78, 71]);
  });

  it('runs the listener’s rules in priority order: multi-value headers, a fixed response, a redirect', async () => {
    const multi = await fetch(`${listenerUrl()}/multi/a?k=1&k=2`);
    expect(multi.headers.get('x-many')).toBe('a, b');
    expect(await multi.json()).toMatchObject({ path: '/multi/a', multiValueQueryStringParameters: { k: ['1', '2'] } });
    const fixed = await fetch(`${listenerUrl()}/fixed`);
    expect(fixed.status).toBe(418);
    expect(await fixed.text()).toBe('short and stout');
    const moved = await fetch(`${listenerUrl()}/old?x=1`, { headers: { 'x-env': 'test' }, redirect: 'manual' });
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('https://example.com:8443/old?x=1');
  });

  it('fails with 502 if the function throws or answers without a statusCode', async () => {
    for (const path of ['/fail', '/bad']) {
      const response = await fetch(`${listenerUrl()}${path}`);
      expect(response.status).toBe(502);
      expect(await response.text()).toContain('502 Bad Gateway');
    }
  });

  it('fails with 503 if a rule forwards to instance targets, which the start-up report names as not run', async () => {
    const response = await fetch(`${listenerUrl()}/instances`);
    expect(response.status).toBe(503);
    expect(app.runtime.warnings.join('\n')).toMatch(
      /Instances.*\(AWS::ElasticLoadBalancingV2::TargetGroup\): its instance targets are not run locally/,
    );
  });

  it('shows the load balancer’s DNS name in the stack’s outputs as the listener’s local URL', async () => {
    const outputs = app.runtime.cloudformation.localizedOutputs();
    expect(outputs).toEqual(['Alb.Url']);
    const described = await app.runtime.cloudformation.DescribeStacks({ StackName: 'Alb' });
    expect(JSON.stringify(described)).toContain(listenerUrl());
  });
});
