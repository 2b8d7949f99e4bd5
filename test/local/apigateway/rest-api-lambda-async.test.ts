import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { inlineFunction, restMethod, restResource, restRoot } from '../template-resources.js';

/** Waits for the test's go on the `jobs-go` queue, then reports the job it was given on the `jobs-done` queue. */
const SLOW_JOB = `const { SQSClient, SendMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const go = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs-go' }))).QueueUrl;
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: go, WaitTimeSeconds: 1 }));
    if (Messages.length > 0) break;
  }
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs-done' }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: event.jobId }));
  return { done: event.jobId };
};`;

const functionUri =
  'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:slow-job/invocations';

/**
 * `POST /jobs`: a Lambda non-proxy integration made asynchronous as
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-integration-async.html
 * says, by an `X-Amz-Invocation-Type` integration request header with the static value `'Event'`.
 */
function assembly(): string {
  return assemblyOf(
    {
      Go: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs-go' } },
      Done: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs-done' } },
      SlowJob: inlineFunction(SLOW_JOB, { FunctionName: 'slow-job', Runtime: 'nodejs22.x', Timeout: 10 }),
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'jobs' } },
      JobsResource: restResource(restRoot, 'jobs'),
      Post: restMethod({ Ref: 'JobsResource' }, 'POST', {
        Integration: {
          Type: 'AWS',
          IntegrationHttpMethod: 'POST',
          Uri: functionUri,
          RequestParameters: { 'integration.request.header.X-Amz-Invocation-Type': "'Event'" },
          RequestTemplates: { 'application/json': '{"jobId": "$context.requestId"}' },
          IntegrationResponses: [
            {
              StatusCode: '202',
              ResponseTemplates: {
                'application/json': '{"jobId": "$context.requestId"}',
              },
            },
          ],
        },
        MethodResponses: [{ StatusCode: '202' }],
      }),
      Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'prod' } },
      AccessLog: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: 'jobs-access' } },
      // A stage logging CDK's AccessLogFormat.clf(), whose fields include the resource path.
      Logged: {
        Type: 'AWS::ApiGateway::Stage',
        Properties: {
          RestApiId: { Ref: 'Api' },
          DeploymentId: { Ref: 'Deployment' },
          StageName: 'logged',
          AccessLogSetting: {
            DestinationArn: { 'Fn::GetAtt': ['AccessLog', 'Arn'] },
            Format:
              '$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] ' +
              '"$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId',
          },
        },
      },
    },
    'Jobs',
  );
}

describe('RestApiService with an asynchronous Lambda custom integration', () => {
  const local = restartableRuntime({
    assembly,
    ownsAssembly: true,
    clients: ({ url }) => ({ sqs: new SQSClient(sdkConfig(url)), logs: new CloudWatchLogsClient(sdkConfig(url)) }),
  });

  const jobsDone = async () =>
    (await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl('jobs-done'), MaxNumberOfMessages: 10 })))
      .Messages ?? [];

  it("answers before the function has run when the integration request's X-Amz-Invocation-Type is 'Event'", async () => {
    const api = local.runtime.httpApiUrls.find((u) => u.kind === 'rest');
    const response = await fetch(`${api?.url}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const answer = JSON.parse(await response.text());
    expect(response.status).toBe(202);
    expect(answer).toEqual({ jobId: expect.any(String) });
    // The function waits for the go, which it has not had: an answer now came before it ran to its end.
    expect(await jobsDone()).toEqual([]);
    await local.sqs.send(new SendMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl('jobs-go'), MessageBody: 'go' }));
    const done = await eventually(async () => {
      const messages = await jobsDone();
      return messages.length > 0 ? messages : undefined;
    }, 15_000);
    expect(done.map((m) => m.Body)).toEqual([answer.jobId]);
  });

  it("logs the method's resource path in a stage's access log (`$context.resourcePath`), as CDK's standard formats ask", async () => {
    const api = local.runtime.httpApiUrls.find((u) => u.kind === 'rest');
    const url = `${api?.url.replace(/\/prod$/, '/logged')}/jobs`;
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(202);
    const { jobId } = JSON.parse(await response.text()) as { jobId: string };
    const line = await eventually(async () => {
      const { events = [] } = await local.logs.send(
        new FilterLogEventsCommand({ logGroupName: 'jobs-access', filterPattern: `"${jobId}"` }),
      );
      return events[0]?.message;
    });
    expect(line).toMatch(new RegExp(`^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] "POST /jobs HTTP/1\\.1" 202 \\d+ ${jobId}$`));
    // The function waits for a go the first test sent: give it one so that it ends.
    await local.sqs.send(new SendMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl('jobs-go'), MessageBody: 'go' }));
  });
});
