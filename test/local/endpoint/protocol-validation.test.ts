import { describe, expect, it } from 'vitest';
import { SERVED_OPERATIONS } from '../../../local/endpoint/aws-models/refresh-models.js';
import { loadModel } from '../../../local/endpoint/validation/model.js';
import { KmsService } from '../../../local/kms/kms-service.js';
import { SchedulerApi } from '../../../local/scheduler/scheduler-api.js';
import { SqsService } from '../../../local/sqs/sqs-service.js';
import { SsmService } from '../../../local/ssm/ssm-service.js';
import { useFuzzRuntime } from '../fuzz/fixture.js';
import { formRequest, send } from '../fuzz/harness.js';

const apiMethods = (type: { prototype: object }) => Object.getOwnPropertyNames(type.prototype).filter((name) => /^[A-Z]/.test(name));

describe('the model validation of the query and REST protocols', () => {
  const fuzz = useFuzzRuntime();

  it('has a model of every operation the local services serve', () => {
    const served = {
      events: Object.keys(fuzz.runtime.events.operations),
      stepfunctions: Object.keys(fuzz.runtime.states.operations),
      sqs: apiMethods(SqsService),
      ssm: apiMethods(SsmService),
      kms: apiMethods(KmsService),
      logs: Object.keys(fuzz.runtime.logs.operations),
      scheduler: apiMethods(SchedulerApi),
    };
    // The same operations, in whatever order each list keeps them.
    for (const [service, operations] of Object.entries(served)) {
      expect([...(SERVED_OPERATIONS[service] ?? [])].sort(), service).toEqual([...operations].sort());
      expect(Object.keys(loadModel(service as keyof typeof served).operations).sort(), service).toEqual([...operations].sort());
    }
  });

  it('fails if an SNS tag key is longer than the model allows, with a ValidationError', async () => {
    const form = new URLSearchParams({
      Action: 'TagResource',
      ResourceArn: 'arn:aws:sns:us-east-1:000000000000:fuzz-topic',
      'Tags.member.1.Key': 'k'.repeat(129),
      'Tags.member.1.Value': 'v',
    });
    const answer = await formRequest(fuzz.url, form, 'sns');
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>ValidationError</Code>');
    expect(answer.body).toContain(
      '1 validation error detected: Value &#39;' +
        'k'.repeat(129) +
        '&#39; at &#39;tags.1.member.key&#39; failed to satisfy constraint: Member must have length less than or equal to 128',
    );
  });

  it('fails if an SQS query request leaves out a required number, with MissingParameter', async () => {
    const form = new URLSearchParams({
      Action: 'ChangeMessageVisibility',
      QueueUrl: `${fuzz.url}/000000000000/fuzz-queue`,
      ReceiptHandle: 'handle',
    });
    const answer = await formRequest(fuzz.url, form, 'sqs');
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>MissingParameter</Code>');
    expect(answer.body).toContain('The request must contain the parameter VisibilityTimeout.');
  });

  it.each([
    [
      'a function name outside the pattern',
      '/2015-03-31/functions/a%20b',
      "Value 'a b' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern:",
    ],
    [
      'MaxItems of 0',
      '/2015-03-31/functions?MaxItems=0',
      "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
    [
      'an unknown FunctionVersion',
      '/2015-03-31/functions?FunctionVersion=SOME',
      "Value 'SOME' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]",
    ],
  ])('fails if a Lambda request has %s, with a ValidationException', async (_, path, message) => {
    const answer = await send(fuzz.url, { method: 'GET', path });
    expect(answer.status).toBe(400);
    expect(answer.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(JSON.parse(answer.body).message).toContain(`1 validation error detected: ${message}`);
  });

  it('still answers a valid Lambda request', async () => {
    const answer = await send(fuzz.url, { method: 'GET', path: '/2015-03-31/functions/fuzz-function?Qualifier=%24LATEST' });
    expect(answer.status).toBe(200);
  });
});
