import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { defineContract, Type } from '../../contracts/index.js';
import { EscalationPolicy, EventHub, Workflow } from '../../lib/constructs/index.js';
import { eventually, executionEnded } from '../local/helpers.js';
import { startCdkApp, useApp } from './app-fixture.js';
import { runCli } from './run-cli.js';

// An app that is not the reference app: its own contracts, subject, decision and choices.
const OrderHeld = defineContract({
  detailType: 'OrderHeld',
  source: 'shop.review',
  description: 'An order waits for a reviewer; answer with SendTaskSuccess on taskToken.',
  properties: {
    orderId: Type.String({ minLength: 1 }),
    attempt: Type.Integer({ minimum: 1 }),
    amount: Type.Number({ minimum: 0 }),
    taskToken: Type.String(),
    decideBy: Type.String(),
  },
  idempotencyFields: ['orderId', 'attempt'],
});
const OrderVerdictRefused = defineContract({
  detailType: 'OrderVerdictRefused',
  source: 'shop.review',
  description: 'A verdict on a held order was refused.',
  properties: {
    orderId: Type.String({ minLength: 1 }),
    attempt: Type.Integer({ minimum: 1 }),
    problems: Type.Array(Type.String(), { minItems: 1 }),
    decideBy: Type.String(),
  },
});
const Verdict = Type.Object(
  {
    verdict: Type.Enum(['ship', 'hold']),
    carrier: Type.Optional(Type.Enum(['post', 'courier'])),
    reviewer: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

let sfnClient: SFNClient;
let machineArn: string;

const app = useApp(
  async ({ runtime, config }) => {
    sfnClient = new SFNClient(config);
    machineArn = runtime.definitions.stateMachines.find((m) => m.type === 'STANDARD')?.arn as string;
  },
  () =>
    startCdkApp('Shop', (stack) => {
      const hub = new EventHub(stack, 'Hub', { eventBusName: 'shop-hub', contracts: [OrderHeld, OrderVerdictRefused] });
      const policy = new EscalationPolicy(stack, 'Review', {
        policyName: 'order-review',
        eventBus: hub.eventBus,
        conditions: [{ kind: 'flag', field: 'suspicious' }],
        chain: [{ name: 'desk', sla: Duration.hours(1) }],
        subjectId: '{% $states.context.Execution.Input.orderId %}',
        ask: { contract: OrderHeld, subjectField: 'orderId', detail: { amount: '{% $states.context.Execution.Input.amount %}' } },
        refusedContract: OrderVerdictRefused,
        decisionProblems: `($states.input.verdict in ["ship", "hold"]) ? [] : ['verdict must be ship or hold']`,
        defaultAction: 'hold the order',
        review: {
          decisionSchema: Verdict,
          decisionField: 'verdict',
          choices: { approve: 'ship', reject: 'hold' },
          summary: [{ field: 'amount' }],
        },
      });
      new Workflow(stack, 'OrderReview', {
        eventBus: hub.eventBus,
        stateMachineType: sfn.StateMachineType.STANDARD,
        definition: policy.definition({
          decided: sfn.Pass.jsonata(stack, 'Decided', { outputs: '{% $states.input %}' }),
          defaulted: sfn.Pass.jsonata(stack, 'Defaulted', { outputs: { verdict: 'hold' } }),
        }),
      });
    }),
);

describe('the CLI with an app of its own', () => {
  it("sends the app's contracts from its assembly and names them for an unknown detail-type", async () => {
    const sent = await runCli([
      'send',
      'OrderHeld',
      '--detail',
      '{"orderId":"O-0","attempt":1,"amount":3,"taskToken":"t","decideBy":"x"}',
      ...app.target,
    ]);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const invalid = await runCli(['send', 'OrderHeld', '--detail', '{"orderId":""}', ...app.target]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('detail.orderId: must NOT have fewer than 1 characters');
    const unknown = await runCli(['send', 'TicketCreated', '--detail', '{}', ...app.target]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      `switchyard send: unknown detail-type "TicketCreated": the app's contracts are OrderHeld, OrderVerdictRefused`,
    );
    // The SDKs' endpoint variables reach the runtime too: a service's own before the general one.
    const cdkOut = app.cdkOut;
    const viaEnv = await runCli(
      ['send', 'OrderHeld', '--detail', '{"orderId":"O-00","attempt":1,"amount":1,"taskToken":"t","decideBy":"x"}', '--cdk-out', cdkOut],
      {
        env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_EVENTBRIDGE: app.runtime.url },
      },
    );
    expect(viaEnv.stderr).toBe('');
    expect(viaEnv.code).toBe(0);
    const unreachable = await runCli(['escalations', '--cdk-out', cdkOut], {
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_EVENTBRIDGE: app.runtime.url },
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`no local runtime at http://127.0.0.1:9 (or ${app.runtime.url}, from AWS_ENDPOINT_URL_<SERVICE>)`);
    // The read API (trace) follows the general variable.
    const traced = await runCli(['trace', 'O-00', '--cdk-out', cdkOut], { env: { AWS_ENDPOINT_URL: app.runtime.url } });
    expect(traced.stderr).toBe('');
    expect(traced.stdout).toMatch(/event: OrderHeld from shop\.review on shop-hub/);

    const help = await runCli(['send', '--help', ...app.target]);
    expect(help.stdout).toContain("The app's contracts");
    expect(help.stdout).toContain('OrderHeld, OrderVerdictRefused');
  });

  it("lists an open escalation by the policy's subject and fields, and approves it with the policy's own choice and fields", async () => {
    const { executionArn = '' } = await sfnClient.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: 'review-1', input: JSON.stringify({ orderId: 'O-1', amount: 42.5 }) }),
    );
    const rows = await eventually(
      async () => {
        const listed = JSON.parse((await runCli(['escalations', '--json', ...app.target])).stdout) as Record<string, unknown>[];
        return listed.length > 0 ? listed : undefined;
      },
      30_000,
      'the open ask',
    );
    expect(rows[0]).toMatchObject({ policy: 'order-review', subjectId: 'O-1', orderId: 'O-1', amount: 42.5, attempt: 1, executionArn });
    // Without the assembly the policy is read from the deployed definition (DescribeStateMachine).
    const deployed = await runCli(['escalations', '--json', '--endpoint', app.runtime.url, '--cdk-out', '/nonexistent/cdk.out']);
    expect(deployed.stderr).toContain('no cloud assembly at /nonexistent/cdk.out');
    expect(JSON.parse(deployed.stdout)[0]).toMatchObject({ policy: 'order-review', orderId: 'O-1', amount: 42.5 });
    const deployedHelp = await runCli([
      'approve',
      'O-1',
      '--carrier',
      'drone',
      '--endpoint',
      app.runtime.url,
      '--cdk-out',
      '/nonexistent/cdk.out',
    ]);
    expect(deployedHelp.code).toBe(2);
    expect(deployedHelp.stderr).toContain('--carrier must be one of post, courier (got "drone")');
    const table = await runCli(['escalations', ...app.target]);
    expect(table.stdout).toMatch(/^ORDER\s+AMOUNT\s+ASK\s+DECIDE BY\s+EXECUTION/);
    expect(table.stdout).toMatch(/O-1\s+42\.50\s+1\s/);

    const help = await runCli(['approve', '--help', ...app.target]);
    expect(help.stdout).toMatch(/^Usage: switchyard approve <order\|execution>/);
    expect(help.stdout).toContain('{"verdict":"ship","carrier"?,"reviewer"?}');
    expect(help.stdout).toMatch(/--carrier <value> +post, courier/);

    const wrong = await runCli(['approve', 'O-1', '--carrier', 'drone', ...app.target]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim()).toBe('switchyard approve: --carrier must be one of post, courier (got "drone")');
    const unknownOption = await runCli(['approve', 'O-1', '--queue', 'billing', ...app.target]);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--queue'");

    const approved = await runCli(['approve', 'O-1', '--carrier', 'courier', '--reviewer', 'kim', ...app.target]);
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout.trim()).toBe(
      'approved the escalation of order O-1 (review-1): {"verdict":"ship","carrier":"courier","reviewer":"kim"}',
    );
    await executionEnded(sfnClient, executionArn);
    const { status, output } = await sfnClient.send(new DescribeExecutionCommand({ executionArn }));
    expect(status).toBe('SUCCEEDED');
    expect(JSON.parse(output ?? '{}')).toEqual({ verdict: 'ship', carrier: 'courier', reviewer: 'kim' });

    // Decided: found again by its name, refused here and published as the policy's own refusal event.
    const again = await runCli(['reject', 'review-1', ...app.target]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      'switchyard reject: the escalation of order O-1 is SUCCEEDED: already decided (review-1); published as OrderVerdictRefused',
    );
  }, 120_000);
});
