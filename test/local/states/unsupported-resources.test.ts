import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { writeAssembly } from '../assembly.js';
import { disposableData } from '../helpers.js';
import { stateMachine } from '../template-resources.js';
import { createStates, finished, machineArn, ROLE, type TestStates } from './helpers.js';

let t: TestStates;
afterEach(async () => t?.close());

const task = (Resource: string, extra: Record<string, unknown> = {}) => ({ Type: 'Task', Resource, End: true, ...extra });

/** A machine whose unsupported resources hide in a Parallel branch, a Map's item processor and a legacy Iterator. */
const NESTED = {
  StartAt: 'Fan',
  States: {
    Fan: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Notify', States: { Notify: task('arn:aws:states:::aws-sdk:sfn:sendTaskSuccess') } },
        {
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              ItemProcessor: {
                ProcessorConfig: { Mode: 'INLINE' },
                StartAt: 'Fetch',
                States: {
                  Fetch: task('arn:aws:states:::aws-sdk:s3:getObject', { Next: 'Store', End: undefined }),
                  Store: task('arn:aws:states:::dynamodb:putItem'),
                },
              },
              End: true,
            },
          },
        },
      ],
      Next: 'Summarize',
    },
    Summarize: task('arn:aws:states:::aws-sdk:bedrockruntime:invokeModel', { Next: 'Crawl', End: undefined }),
    Crawl: task('arn:aws:states:::glue:startJobRun.sync', { Next: 'Legacy', End: undefined }),
    Legacy: {
      Type: 'Map',
      Iterator: {
        StartAt: 'Work',
        States: { Work: task('arn:aws:states:::ecs:runTask.sync') },
      },
      Next: 'Call',
    },
    Call: task('arn:aws:states:::http:invoke', { Next: 'Announce', End: undefined }),
    Announce: task('arn:aws:states:::aws-sdk:sns:publish'),
  },
};

const declared = (name: string, definition: object) => ({
  name,
  arn: machineArn(name),
  type: 'STANDARD',
  definition: JSON.stringify(definition),
  roleArn: ROLE,
});

describe('unsupported Task resources', () => {
  it('are reported at start-up by state machine and state, inside Parallel branches and Map item processors', async () => {
    t = await createStates({
      stateMachines: [
        declared('nested', NESTED),
        declared('fine', { StartAt: 'Put', States: { Put: task('arn:aws:states:::aws-sdk:sqs:sendMessage') } }),
        declared('typo', { StartAt: 'Put', States: { Put: task('arn:aws:states:::aws-sdk:sqs:sendMesage') } }),
      ],
    });
    const lines = t.states.warnings.map((w) =>
      w.replace(/ cannot run locally \(.*\); the task fails/, ' cannot run locally (...); the task fails'),
    );
    const tail = 'cannot run locally (...); the task fails with States.Runtime when it runs';
    expect(lines).toEqual([
      `state machine nested, state "Fetch" (in Parallel "Fan" branch 2 > Map "Each" item processor): arn:aws:states:::aws-sdk:s3:getObject ${tail}`,
      `state machine nested, state "Summarize": arn:aws:states:::aws-sdk:bedrockruntime:invokeModel ${tail}`,
      `state machine nested, state "Crawl": arn:aws:states:::glue:startJobRun.sync ${tail}`,
      `state machine nested, state "Work" (in Map "Legacy" item processor): arn:aws:states:::ecs:runTask.sync ${tail}`,
      `state machine nested, state "Call": arn:aws:states:::http:invoke ${tail}`,
      `state machine nested, state "Announce": arn:aws:states:::aws-sdk:sns:publish ${tail}`,
      `state machine typo, state "Put": arn:aws:states:::aws-sdk:sqs:sendMesage ${tail}`,
    ]);
    expect(t.states.warnings[6]).toContain('(The resource provided arn:aws:states:::aws-sdk:sqs:sendMesage is not recognized.');
    expect(t.states.warnings[0]).toContain('the local runtime does not host s3');
    expect(t.states.warnings[2]).toContain('(no local integration runs glue:startJobRun.sync)');
    expect(t.states.warnings[3]).toContain('(no local integration runs ecs:runTask.sync)');
  });

  it('fail the task at run time with States.Runtime naming the resource and the state', async () => {
    const each = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.keys',
          ItemProcessor: {
            StartAt: 'Fetch',
            States: { Fetch: task('arn:aws:states:::aws-sdk:s3:getObject', { Parameters: { Bucket: 'b', 'Key.$': '$' } }) },
          },
          End: true,
        },
      },
    };
    t = await createStates({ stateMachines: [declared('each', each)] });
    const { executionArn } = await t.states.StartExecution({ stateMachineArn: machineArn('each'), input: '{"keys":["a"]}' });
    const described = await finished(t.states, executionArn);
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('States.Runtime');
    expect(described.cause).toContain("cannot run the resource 'arn:aws:states:::aws-sdk:s3:getObject' of the state 'Fetch'");
    expect(described.cause).toContain('the local runtime does not host s3; it runs arn:aws:states:::lambda:invoke');
    expect(described.cause).toContain(
      'and the AWS SDK integrations aws-sdk:sfn, aws-sdk:sqs, aws-sdk:eventbridge, aws-sdk:lambda, aws-sdk:dynamodb.',
    );
  });

  it('include a service until it is handed to StatesService, which then runs its operations with the API shapes', async () => {
    const published: unknown[] = [];
    const sns = {
      async Publish(input: { TopicArn?: string; Message?: string }) {
        if (input.TopicArn?.endsWith(':gone')) throw new AwsError('NotFound', 'Topic does not exist', 404);
        if (input.Message === '') throw new AwsError('ParameterValueInvalid', 'Empty message', 400);
        published.push(input);
        return { MessageId: 'm-1' };
      },
    };
    t = await createStates({
      stateMachines: [declared('announce', { StartAt: 'Announce', States: { Announce: task('arn:aws:states:::aws-sdk:sns:publish') } })],
      neighbours: { sns },
    });
    expect(t.states.warnings).toEqual([]);
    const { executionArn } = await t.states.StartExecution({
      stateMachineArn: machineArn('announce'),
      input: JSON.stringify({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', Message: 'hi' }),
    });
    const described = await finished(t.states, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(described.output))).toEqual({ MessageId: 'm-1' });
    expect(published).toEqual([{ TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', Message: 'hi' }]);

    const gone = await t.states.StartExecution({
      stateMachineArn: machineArn('announce'),
      input: JSON.stringify({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:gone', Message: 'hi' }),
    });
    const failed = await finished(t.states, gone.executionArn);
    expect(failed.error).toBe('Sns.NotFoundException');
    expect(failed.cause).toMatch(
      /^Topic does not exist \(Service: Sns, Status Code: 404, Request ID: [0-9a-f-]{36}\) \(SDK Attempt Count: 1\)$/,
    );

    // SNS's query error code names its exception only through the model: ParameterValueInvalid is InvalidParameterValueException.
    const empty = await t.states.StartExecution({
      stateMachineArn: machineArn('announce'),
      input: JSON.stringify({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', Message: '' }),
    });
    expect((await finished(t.states, empty.executionArn)).error).toBe('Sns.InvalidParameterValueException');
  });

  it('flow into the runtime start-up report', async () => {
    const cdkOut = mkdtempSync(path.join(tmpdir(), 'switchyard-states-assembly-'));
    writeAssembly(cdkOut, {
      Flow: {
        template: {
          Resources: {
            Flow: stateMachine(NESTED, { StateMachineName: 'flow', RoleArn: ROLE }),
          },
        },
      },
    });
    const runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
    try {
      // The runtime hosts SNS, Bedrock Runtime and S3, so of the six unsupported resources above
      // aws-sdk:sns:publish, aws-sdk:bedrockruntime:invokeModel and aws-sdk:s3:getObject run here.
      expect(runtime.warnings.filter((w) => w.startsWith('state machine flow, '))).toHaveLength(3);
      expect(runtime.warnings.some((w) => w.includes('aws-sdk:sns:publish'))).toBe(false);
      expect(runtime.warnings.some((w) => w.includes('aws-sdk:s3:getObject'))).toBe(false);
      expect(runtime.warnings.some((w) => w.includes('aws-sdk:bedrockruntime:invokeModel'))).toBe(false);
      expect(runtime.warnings).toContainEqual(expect.stringContaining('state "Work" (in Map "Legacy" item processor)'));
    } finally {
      await runtime.stop();
    }
  });
});
