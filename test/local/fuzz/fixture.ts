import fc from 'fast-check';
import { encodeStreamToken, encodeToken } from '../../../local/logs/validation.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import type { SesDefinitions } from '../../../local/ses/definitions.js';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { eventRule, inlineFunction, stateMachine } from '../template-resources.js';
import type { Hints } from './model-inputs.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/fuzz`;
const LOG_GROUP = '/fuzz/group';
const LOG_STREAM = 'fuzz-stream';
const LOG_GROUP_ARN = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}`;

/** A small app with one resource of every kind the fuzzed services serve. */
function fuzzApp(dir: string): string {
  return writeAssembly(dir, {
    Fuzz: {
      template: {
        Resources: {
          Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'fuzz-bus' } },
          Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'fuzz-queue' } },
          FifoQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'fuzz-queue.fifo', FifoQueue: true } },
          Rule: eventRule({ bus: 'Bus', pattern: { source: ['fuzz'] }, target: 'Queue', id: 'queue', name: 'fuzz-rule' }),
          Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'fuzz-topic' } },
          Machine: stateMachine(
            { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } },
            { StateMachineName: 'fuzz-machine', RoleArn: ROLE },
          ),
          Parameter: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/fuzz/parameter', Type: 'String', Value: 'value' } },
          Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: {} } },
          Alias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/fuzz', TargetKeyId: { Ref: 'Key' } } },
          LogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: LOG_GROUP, Tags: [{ Key: 'app', Value: 'fuzz' }] } },
          LogStream: { Type: 'AWS::Logs::LogStream', Properties: { LogGroupName: LOG_GROUP, LogStreamName: LOG_STREAM } },
          Table: tableResource('fuzz-table', { key: { pk: 'S' } }),
          Function: inlineFunction('exports.handler = async (event) => ({ echoed: event });', {
            FunctionName: 'fuzz-function',
            Runtime: 'nodejs22.x',
            Role: ROLE,
          }),
        },
      },
    },
  });
}

/** The suite's fuzzing runtime: the fixture app's runtime and its URL (read inside a test or a later beforeAll). */
export interface FuzzRuntime {
  readonly runtime: LocalRuntime;
  readonly url: string;
}

/**
 * Puts the fixture's log group and stream back (a fuzzed DeleteLogGroup or DeleteLogStream
 * may have deleted them), so every fuzzed Logs request can reach the service's logic.
 */
export function restoreLogsFixture(fuzz: FuzzRuntime): void {
  fuzz.runtime.logs.declare([{ name: LOG_GROUP, tags: { app: 'fuzz' }, streams: [LOG_STREAM] }]);
}

/** The fixture app's runtime for a suite: started before its tests, stopped after them (restartableRuntime). */
export function useFuzzRuntime(): FuzzRuntime {
  const suite = restartableRuntime({ assembly: () => fuzzApp(tempAssemblyDir()), ownsAssembly: true });
  return {
    get runtime() {
      return suite.runtime;
    },
    get url() {
      return suite.runtime.url;
    },
  };
}

/** Member values that name the fixture's resources, so valid requests reach the services' logic. */
export function fixtureHints(url: string): Hints {
  const queueUrl = fc.constantFrom(`${url}/${ACCOUNT}/fuzz-queue`, `${url}/${ACCOUNT}/fuzz-queue.fifo`);
  const machineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:fuzz-machine`;
  return {
    QueueUrl: queueUrl,
    QueueName: fc.constantFrom('fuzz-queue', 'fuzz-queue.fifo'),
    // A long poll would make a run wait up to 20 s.
    WaitTimeSeconds: fc.constant(0),
    EventBusName: fc.constantFrom('fuzz-bus', 'default'),
    Name: fc.constantFrom('fuzz-rule', 'fuzz-bus', '/fuzz/parameter'),
    Rule: fc.constant('fuzz-rule'),
    Source: fc.constant('fuzz'),
    DetailType: fc.constant('Fuzzed'),
    Detail: fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify({ value })),
    EventPattern: fc.constant('{"source":["fuzz"]}'),
    Event: fc.constant(
      JSON.stringify({
        id: '1',
        account: ACCOUNT,
        source: 'fuzz',
        time: '2026-01-01T00:00:00Z',
        region: REGION,
        'detail-type': 'x',
        resources: [],
        detail: {},
      }),
    ),
    stateMachineArn: fc.constant(machineArn),
    input: fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify({ value })),
    definition: fc.constant(JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } })),
    roleArn: fc.constant(ROLE),
    KeyId: fc.constantFrom('alias/fuzz', 'alias/aws/s3'),
    TopicArn: fc.constant(`arn:aws:sns:${REGION}:${ACCOUNT}:fuzz-topic`),
    logGroupName: fc.constant(LOG_GROUP),
    logGroupNamePrefix: fc.constantFrom('/fuzz', LOG_GROUP),
    // The model's identifier and ARN patterns have no `*`: an ARN without the trailing `:*`. Often
    // left out (undefined), as logGroupName and logGroupIdentifier exclude each other.
    logGroupIdentifier: fc.constantFrom(undefined, undefined, LOG_GROUP, LOG_GROUP_ARN),
    logGroupIdentifiers: fc.constant([LOG_GROUP]),
    resourceArn: fc.constant(LOG_GROUP_ARN),
    logStreamName: fc.constant(LOG_STREAM),
    // Often left out: it excludes logStreamNames (FilterLogEvents) and orderBy LastEventTime.
    logStreamNamePrefix: fc.constantFrom(undefined, undefined, 'fuzz'),
    logStreamNames: fc.constant([LOG_STREAM]),
    retentionInDays: fc.constantFrom(1, 7, 30, 3653),
    // Within the last hour, in order: PutLogEvents stores events CloudWatch would accept now.
    logEvents: fc
      .array(fc.record({ timestamp: fc.integer({ min: -3_600_000, max: 0 }), message: fc.string({ minLength: 1, maxLength: 80 }) }), {
        minLength: 1,
        maxLength: 5,
      })
      .map((events) =>
        events.map((event) => ({ ...event, timestamp: Date.now() + event.timestamp })).sort((a, b) => a.timestamp - b.timestamp),
      ),
    // Often none, else tokens of the kinds the Logs operations give (a kind another operation gives is refused).
    nextToken: fc.constantFrom(
      undefined,
      undefined,
      undefined,
      encodeStreamToken('f', { timestamp: 0, id: 0 }),
      encodeStreamToken('b', { timestamp: Date.now() + 60_000, id: 0 }),
      encodeToken('groups', '/'),
      encodeToken('streams', 0),
      encodeToken('filter', { t: 0, i: 0 }),
    ),
    filterPattern: fc.constantFrom('', 'ERROR', '"a b" -c', '?x ?y', '{ $.level = "info" }', '[ip, user, status = 5*]', '{ $.n > 3 }'),
  };
}

const SES_DOMAIN = 'fuzz.example.com';
const SES_TEMPLATE = 'fuzz-template';
const SES_CONFIGURATION_SET = 'fuzz-set';

/** SES's fixture: a verified domain, a template and a configuration set, as an app's template declares them. */
const SES_FIXTURE: SesDefinitions = {
  identities: [{ name: SES_DOMAIN }],
  templates: [{ name: SES_TEMPLATE, subject: 'Hello {{name}}', text: 'Hi {{name}}', html: '<p>Hi {{name}}</p>' }],
  configurationSets: [{ name: SES_CONFIGURATION_SET, sendingEnabled: true }],
  eventDestinations: [],
  warnings: [],
};

/** Puts SES's fixture back (a fuzzed delete may have removed a part of it), so valid requests reach SES's logic. */
export function restoreSesFixture(fuzz: FuzzRuntime): void {
  fuzz.runtime.ses.declare(SES_FIXTURE);
}

/** Member values of both SES APIs that name the fixture's SES resources, and recipients the sandbox lets through. */
export function sesHints(): Hints {
  const sender = fc.constantFrom(`mailer@${SES_DOMAIN}`, `Mailer <mailer@${SES_DOMAIN}>`);
  const recipients = fc.subarray(['success@simulator.amazonses.com', 'bounce@simulator.amazonses.com', `someone@${SES_DOMAIN}`], {
    minLength: 1,
  });
  const arn = (resource: string) => `arn:aws:ses:${REGION}:${ACCOUNT}:${resource}`;
  return {
    // v2
    FromEmailAddress: sender,
    EmailIdentity: fc.constantFrom(SES_DOMAIN, `new@${SES_DOMAIN}`),
    TemplateName: fc.constant(SES_TEMPLATE),
    TemplateData: fc.constantFrom('{"name":"fuzz"}', '{}', '{"name":{"nested":true}}'),
    ConfigurationSetName: fc.constant(SES_CONFIGURATION_SET),
    EventDestinationName: fc.constant('fuzz-destination'),
    ToAddresses: recipients,
    CcAddresses: recipients,
    BccAddresses: recipients,
    ResourceArn: fc.constantFrom(
      arn(`identity/${SES_DOMAIN}`),
      arn(`template/${SES_TEMPLATE}`),
      arn(`configuration-set/${SES_CONFIGURATION_SET}`),
    ),
    TopicArn: fc.constant(`arn:aws:sns:${REGION}:${ACCOUNT}:fuzz-topic`),
    EventBusArn: fc.constant(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`),
    // v1
    Source: sender,
    Identity: fc.constant(SES_DOMAIN),
    Domain: fc.constant(SES_DOMAIN),
    EmailAddress: fc.constant(`new@${SES_DOMAIN}`),
    Destinations: recipients,
  };
}
