import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { eventRule, inlinePolicy, queueSubscription, serviceRole, stateMachine } from '../template-resources.js';

export const STACK = 'SesApp';
export const ACCOUNT = '000000000000';
export const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:ses-events`;
export const SNS_QUEUE = `http://sqs.placeholder/${ACCOUNT}/ses-events-queue`;

/** An execution role of a function with one inline policy allowing `actions` on `resource`. */
function role(name: string, actions: string[], resource: string | string[]) {
  return serviceRole('lambda.amazonaws.com', { RoleName: name, Policies: [inlinePolicy('p', { Action: actions, Resource: resource })] });
}

/**
 * A cloud assembly of a small app that mails through SES, as CDK would synthesize it: a
 * verified domain (`example.com`) with a default configuration set, a template, a
 * configuration set publishing every event type to an SNS topic (subscribed by a queue, raw)
 * and to the default event bus (a rule sends `aws.ses` events to another queue), a receipt
 * rule set, which SES accepts and does not run, and three roles: one granted what CDK's
 * `grantSendEmail` grants, one also granted the configuration set, one granted no SES action.
 */
export function writeSesApp(): string {
  return writeAssembly(tempAssemblyDir(), {
    [STACK]: {
      template: {
        Resources: {
          Domain: {
            Type: 'AWS::SES::EmailIdentity',
            Properties: { EmailIdentity: 'example.com', ConfigurationSetAttributes: { ConfigurationSetName: { Ref: 'Tracking' } } },
          },
          Welcome: {
            Type: 'AWS::SES::Template',
            Properties: {
              Template: {
                TemplateName: 'welcome',
                SubjectPart: 'Welcome, {{name}}',
                TextPart: 'Hello {{name}}, your code is {{code}}.',
                HtmlPart: '<p>Hello {{name}},</p><p>your code is <b>{{code}}</b>.</p>{{#if link}}<a href="{{link}}">Confirm</a>{{/if}}',
              },
            },
          },
          Tracking: { Type: 'AWS::SES::ConfigurationSet', Properties: { Name: 'tracking' } },
          EventsTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'ses-events' } },
          EventsQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'ses-events-queue' } },
          BusQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'ses-bus-queue' } },
          EventsSubscription: queueSubscription('EventsTopic', 'EventsQueue', { RawMessageDelivery: true }),
          ToTopic: {
            Type: 'AWS::SES::ConfigurationSetEventDestination',
            Properties: {
              ConfigurationSetName: { Ref: 'Tracking' },
              EventDestination: {
                Name: 'to-topic',
                Enabled: true,
                MatchingEventTypes: ['send', 'delivery', 'bounce', 'complaint', 'renderingFailure'],
                SnsDestination: { TopicARN: { Ref: 'EventsTopic' } },
              },
            },
          },
          ToBus: {
            Type: 'AWS::SES::ConfigurationSetEventDestination',
            Properties: {
              ConfigurationSetName: { Ref: 'Tracking' },
              EventDestination: {
                Enabled: true,
                MatchingEventTypes: ['delivery'],
                // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own ${...} references, not a template literal
                EventBridgeDestination: { EventBusArn: { 'Fn::Sub': 'arn:aws:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' } },
              },
            },
          },
          SesRule: eventRule({ pattern: { source: ['aws.ses'] }, target: 'BusQueue', id: 'queue' }),
          Inbound: { Type: 'AWS::SES::ReceiptRuleSet', Properties: { RuleSetName: 'inbound' } },
          // What CDK's identity.grantSendEmail(role) writes: SendEmail and SendRawEmail on the identity.
          Mailer: role('Mailer', ['ses:SendEmail', 'ses:SendRawEmail'], `arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`),
          // A role that may send through the configuration set too.
          TrackedMailer: role(
            'TrackedMailer',
            ['ses:SendEmail'],
            [`arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`, `arn:aws:ses:us-east-1:${ACCOUNT}:configuration-set/tracking`],
          ),
          Clerk: role('Clerk', ['sqs:SendMessage'], '*'),
          // The human-in-the-loop of a public app: a state machine mails a code with the task token and waits for it.
          AskReviewer: stateMachine(
            {
              StartAt: 'MailTheCode',
              States: {
                MailTheCode: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::aws-sdk:sesv2:sendEmail.waitForTaskToken',
                  Parameters: {
                    FromEmailAddress: 'reviews@example.com',
                    'Destination.$': '$.destination',
                    Content: {
                      Simple: {
                        Subject: { 'Data.$': "States.Format('Review {}', $.ticket)" },
                        Body: { Text: { 'Data.$': "States.Format('Your approval token: {}', $$.Task.Token)" } },
                      },
                    },
                  },
                  End: true,
                },
              },
            },
            { StateMachineName: 'ask-reviewer', RoleArn: `arn:aws:iam::${ACCOUNT}:role/Mailer` },
          ),
        },
      },
    },
  });
}
