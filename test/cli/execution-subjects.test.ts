import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListStateMachinesCommand, SFNClient, StartExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionNameFor } from '../../contracts/identity.js';
import type { AnyEventContract } from '../../contracts/index.js';
import { LocalRuntime } from '../../local/runtime.js';
import { writeAssembly } from '../local/assembly.js';
import { credentials, disposableData, eventually, region } from '../local/helpers.js';
import { runCli } from './run-cli.js';

/** A model step's answer: long, and at the end of the state's output (its ResultPath adds it after the input's fields). */
const ANSWER = `${'The customer was charged twice for one invoice. '.repeat(12)}Refund the second charge.`;

/** A Standard flow as a workflow starter runs it: a step adds its result to the input, then an order with a negative amount fails. */
const orders = {
  StartAt: 'Assess',
  States: {
    Assess: { Type: 'Pass', Result: { queue: 'billing', summary: ANSWER }, ResultPath: '$.assessment', Next: 'Check' },
    Check: { Type: 'Choice', Choices: [{ Variable: '$.detail.amount', NumericLessThan: 0, Next: 'Refuse' }], Default: 'Done' },
    Refuse: { Type: 'Fail', Error: 'Order.Refused', Cause: 'a negative amount' },
    Done: { Type: 'Succeed' },
  },
};
/** An Express flow logging its executions with their data, started by hand. */
const tickets = {
  StartAt: 'Decide',
  States: {
    Decide: { Type: 'Choice', Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'Broken' }], Default: 'Done' },
    Broken: { Type: 'Fail', Error: 'Ticket.Broken', Cause: 'the input asked for it' },
    Done: { Type: 'Succeed' },
  },
};

/** A flow whose step failed as a Lambda task fails: its cause is the function's error as JSON, trace and all. */
const LAMBDA_CAUSE = JSON.stringify({
  errorType: 'Error',
  errorMessage: 'no stock for S-1',
  trace: [
    'Error: no stock for S-1',
    '    at reserve (file:///var/task/index.mjs:1:2345)',
    '    at process (file:///var/task/index.mjs:1:999)',
  ],
});
const stock = { StartAt: 'Reserve', States: { Reserve: { Type: 'Fail', Error: 'Error', Cause: LAMBDA_CAUSE } } };
/** A flow that ends in a Fail state with no Error or Cause, as CDK's `new sfn.Fail(scope, 'Execution Failed')` writes one. */
const bare = { StartAt: 'Check', States: { Check: { Type: 'Pass', Next: 'Execution Failed' }, 'Execution Failed': { Type: 'Fail' } } };

let runtime: LocalRuntime;
let target: string[];
let sfn: SFNClient;
let arnOf: (logicalId: string) => string;

beforeAll(async () => {
  const cdkOut = writeAssembly(mkdtempSync(path.join(tmpdir(), 'switchyard-cli-subjects-')), {
    Shop: {
      template: {
        Resources: {
          OrdersStateMachine1A2B3C4D: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: { RoleArn: 'arn:aws:iam::000000000000:role/flows', DefinitionString: JSON.stringify(orders) },
          },
          StockStateMachine9C0D1E2F: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: { RoleArn: 'arn:aws:iam::000000000000:role/flows', DefinitionString: JSON.stringify(stock) },
          },
          BareStateMachine3A4B5C6D: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: { RoleArn: 'arn:aws:iam::000000000000:role/flows', DefinitionString: JSON.stringify(bare) },
          },
          TicketLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/vendedlogs/states/tickets' } },
          TicketsStateMachine5E6F7A8B: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              StateMachineType: 'EXPRESS',
              RoleArn: 'arn:aws:iam::000000000000:role/flows',
              DefinitionString: JSON.stringify(tickets),
              LoggingConfiguration: {
                Level: 'ALL',
                IncludeExecutionData: true,
                Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['TicketLogs', 'Arn'] } } }],
              },
            },
          },
        },
      },
    },
  });
  runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
  target = ['--endpoint', runtime.url, '--cdk-out', cdkOut];
  sfn = new SFNClient({ endpoint: runtime.url, region, credentials, disableHostPrefix: true });
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  arnOf = (logicalId) => stateMachines.find((m) => m.name?.endsWith(logicalId))?.stateMachineArn as string;

  // Two orders as the workflow starter starts them: named after a digest of the key, which the input carries.
  for (const [name, orderId, amount] of [
    ['OrderPlaced-digestOfO1', 'O-1', 5],
    ['OrderPlaced-digestOfO2', 'O-2', -5],
  ] as const) {
    const input = {
      detail: { orderId, amount },
      event: {
        id: `e-${orderId}`,
        source: 'shop',
        detailType: 'OrderPlaced',
        time: '2026-01-01T00:00:00Z',
        idempotencyKey: `OrderPlaced#orderId="${orderId}"`,
      },
      correlationId: `c-${orderId}`,
    };
    await sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('OrdersStateMachine1A2B3C4D'), name, input: JSON.stringify(input) }));
  }
  for (const [name, ticketId, fail] of [
    ['ticket-ok', 'T-1', false],
    ['ticket-bad', 'T-2', true],
  ] as const) {
    const input = JSON.stringify({ ticketId, fail });
    await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: arnOf('TicketsStateMachine5E6F7A8B'), name, input }));
  }
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('what an execution is about, in switchyard executions, failures and execution', () => {
  it('lists each execution with its business key, or the id its input names when it has none', async () => {
    const listed = await eventually(async () => {
      const result = await runCli(['executions', ...target], { process: true });
      return (result.stdout.match(/SUCCEEDED|FAILED/g) ?? []).length >= 4 ? result : undefined;
    });
    expect(listed.stdout).toMatch(/^FLOW\s+KEY\s+STATUS\s+START\s+DURATION\s+NAME\n/);
    expect(listed.stdout).toMatch(/^Orders +OrderPlaced#orderId="O-1" +SUCCEEDED .* OrderPlaced-digestOfO1$/m);
    expect(listed.stdout).toMatch(/^Orders +OrderPlaced#orderId="O-2" +FAILED .* OrderPlaced-digestOfO2$/m);
    expect(listed.stdout).toMatch(/^Tickets +ticketId=T-1 +SUCCEEDED .* ticket-ok$/m);
    const json = JSON.parse((await runCli(['executions', '--json', ...target])).stdout) as { name: string; businessKey?: string }[];
    expect(Object.fromEntries(json.map((row) => [row.name, row.businessKey ?? null]))).toEqual({
      'OrderPlaced-digestOfO1': 'OrderPlaced#orderId="O-1"',
      'OrderPlaced-digestOfO2': 'OrderPlaced#orderId="O-2"',
      'ticket-ok': null,
      'ticket-bad': null,
    });
  });

  it('says what each failed execution was about in failures', async () => {
    const result = await runCli(['failures', ...target]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ Orders +execution +OrderPlaced-digestOfO2 +OrderPlaced#orderId="O-2" +FAILED Order\.Refused/);
    expect(result.stdout).toMatch(/ Tickets +execution +ticket-bad +ticketId=T-2 +FAILED Ticket\.Broken/);
  });

  it("shows what a state added to its input, a long result's end included, and everything whole with --full", async () => {
    const shown = await runCli(['execution', 'OrderPlaced-digestOfO1', ...target]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('OrderPlaced-digestOfO1  SUCCEEDED  (flow Orders)\n  about OrderPlaced#orderId="O-1"\n');
    const assessed = shown.stdout.split('\n').find((line) => line.startsWith('        output: {"assessment"'));
    expect(assessed).toBeDefined();
    expect(assessed).toMatch(/^ {8}output: \{"assessment":\{"queue":"billing","summary":"The customer was charged twice.*…\(\d+ chars\)…/);
    expect(assessed).toMatch(/Refund the second charge\."\}\} \(and 3 fields of its input: detail, event, correlationId\)$/);

    const full = await runCli(['execution', 'OrderPlaced-digestOfO1', '--full', ...target]);
    expect(full.stdout).toContain(`"summary":"${ANSWER}"`);
  });

  it("says a Lambda error's message where it fails, not its JSON, and the whole cause with --full", async () => {
    const input = JSON.stringify({ orderId: 'S-1' });
    await sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('StockStateMachine9C0D1E2F'), name: 'stock-1', input }));
    const listed = await eventually(async () => {
      const result = await runCli(['failures', '--source', 'Stock', ...target]);
      return result.stdout.includes('stock-1') ? result : undefined;
    });
    expect(listed.stdout).toMatch(/ Stock +execution +stock-1 +orderId=S-1 +FAILED Error: no stock for S-1$/m);
    const shown = await runCli(['execution', 'stock-1', ...target]);
    expect(shown.stdout).toContain('\nFailed: Error\n  cause: no stock for S-1\n');
    const full = await runCli(['execution', 'stock-1', '--full', ...target]);
    expect(full.stdout).toContain('at reserve (file:///var/task/index.mjs:1:2345)');
  });

  it('says which Fail state an execution ended in when that state gave no error and no cause', async () => {
    const input = JSON.stringify({ orderId: 'B-1' });
    await sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('BareStateMachine3A4B5C6D'), name: 'bare-1', input }));
    const listed = await eventually(async () => {
      const result = await runCli(['failures', '--source', 'Bare', ...target]);
      return result.stdout.includes('bare-1') ? result : undefined;
    });
    expect(listed.stdout).toMatch(
      / Bare +execution +bare-1 +orderId=B-1 +FAILED in its Fail state "Execution Failed", which gives no error or cause$/m,
    );
  });

  it('finds an execution by the business key executions shows, which its name is a digest of', async () => {
    const key = 'OrderPlaced#orderId="O-3"';
    const name = executionNameFor({ detailType: 'OrderPlaced' } as AnyEventContract, key);
    const input = { detail: { orderId: 'O-3', amount: 5 }, event: { id: 'e-O-3', detailType: 'OrderPlaced', idempotencyKey: key } };
    await sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('OrdersStateMachine1A2B3C4D'), name, input: JSON.stringify(input) }));
    const shown = await runCli(['execution', key, ...target]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^${name}  \\w+  \\(flow Orders\\)\n  about OrderPlaced#orderId="O-3"\n`));
  });
});

describe('one name for one execution, in every command that takes one', () => {
  it('stops and forks an execution by the business key executions shows, as execution finds it', async () => {
    const key = 'OrderPlaced#orderId="O-5"';
    const name = executionNameFor({ detailType: 'OrderPlaced' } as AnyEventContract, key);
    const input = { detail: { orderId: 'O-5', amount: 5 }, event: { id: 'e-O-5', detailType: 'OrderPlaced', idempotencyKey: key } };
    await sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('OrdersStateMachine1A2B3C4D'), name, input: JSON.stringify(input) }));
    await eventually(async () => ((await runCli(['execution', name, ...target])).stdout.includes('SUCCEEDED') ? true : undefined));
    const forked = await runCli(['fork', key, '--from', 'Check', '--json', ...target]);
    expect(forked.code, forked.stderr).toBe(0);
    expect(JSON.parse(forked.stdout)).toMatchObject({ parent: expect.stringMatching(new RegExp(`:${name}$`)), from: 'Check' });
    const stopped = await runCli(['stop', key, '--json', ...target]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ name, kind: 'state machine', stopped: false, status: 'SUCCEEDED' });
  });

  it('fails if no execution has the name, saying where it looked and what names one, never "in no durable function"', async () => {
    const stopped = await runCli(['stop', 'O-404', ...target]);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('no execution named "O-404" in the app\'s flows (Orders, Stock, Bare, Tickets)');
    expect(stopped.stderr).toContain('the business key switchyard executions lists (OrderPlaced#orderId="O-1") or the id alone (O-1)');
    expect(stopped.stderr).not.toContain('no durable function');
  });
});
