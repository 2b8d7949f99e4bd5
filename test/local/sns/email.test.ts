import { GetSubscriptionAttributesCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { MailMessage, MailPage } from '../../../clients/read-api-contract.js';
import { READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alarms';

const logs: string[] = [];
const local = restartableRuntime({
  assembly: () =>
    assemblyOf({
      Alarms: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alarms', DisplayName: 'Alarms' } },
      OnCall: {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: 'Alarms' }, Protocol: 'email', Endpoint: 'oncall@team.test' },
      },
    }),
  ownsAssembly: true,
  options: { log: (line) => logs.push(line) },
  clients: (runtime) => ({ sns: new SNSClient(sdkConfig(runtime.url)) }),
});

async function read<T>(path: string): Promise<T> {
  const answer = await fetch(`${local.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.mail}${path}`);
  if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status}`);
  return (await answer.json()) as T;
}

/** The mail to an address, newest first. */
const mailTo = async (address: string) => (await read<MailPage>(`?address=${encodeURIComponent(address)}`)).messages;

/** The link of the confirmation mail SNS put in the mailbox for an address. */
async function confirmationLink(address: string): Promise<string> {
  const mail = (await mailTo(address)).find((m) => m.subject === 'AWS Notification - Subscription Confirmation');
  if (mail === undefined) throw new Error(`no confirmation mail to ${address}`);
  expect(mail.from).toBe('no-reply@sns.amazonaws.com');
  const { links } = await read<MailMessage>(`/${encodeURIComponent(mail.id)}`);
  expect(links).toHaveLength(1);
  return links[0]?.href as string;
}

const pending = async (SubscriptionArn: string) =>
  (await local.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes?.PendingConfirmation;

describe('SNS email subscriptions (local runtime)', () => {
  it("mails a template's email subscription its confirmation once per data folder; following the link confirms it", async () => {
    expect((await mailTo('oncall@team.test')).length).toBe(1);
    expect(logs.join('\n')).toContain('(email oncall@team.test) is pending confirmation: follow the link of its confirmation mail');
    const link = await confirmationLink('oncall@team.test');
    expect(link.startsWith(`${local.runtime.url}/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=`)).toBe(true);
    // Nothing reaches a pending subscription, and nothing is kept for it.
    await local.sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'before confirming' }));
    const answer = await fetch(link);
    expect(answer.status).toBe(200);
    const arn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(await answer.text())?.[1] as string;
    expect(arn.startsWith(`${TOPIC}:`)).toBe(true);
    expect(await pending(arn)).toBe('false');

    await local.restart();
    expect((await mailTo('oncall@team.test')).length).toBe(1);
    expect(await pending(arn)).toBe('false');

    await local.sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'disk full', Subject: 'Disk alarm' }));
    const [mail] = await eventually(async () => {
      const notifications = (await mailTo('oncall@team.test')).filter((m) => m.operation === 'sns:Publish');
      return notifications.length > 0 ? notifications : undefined;
    });
    expect((await mailTo('oncall@team.test')).filter((m) => m.operation === 'sns:Publish')).toHaveLength(1);
    expect(mail?.subject).toBe('Disk alarm');
    const { text } = await read<MailMessage>(`/${encodeURIComponent(mail?.id ?? '')}`);
    expect(text).toContain('disk full\n\n--\nIf you wish to stop receiving notifications from this topic');
    expect(text).toContain(`/?Action=Unsubscribe&SubscriptionArn=${arn}`);
  });

  it('refuses a token that is not a subscription of the topic: it stays pending, and subscribing again mails the link again', async () => {
    const { sns } = local;
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'email', Endpoint: 'other@team.test', ReturnSubscriptionArn: true }),
    );
    const link = new URL(await confirmationLink('other@team.test'));
    link.searchParams.set('Token', 'forged');
    const answer = await fetch(link);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('Invalid token');
    expect(await pending(SubscriptionArn as string)).toBe('true');
    // Subscribing it again mails the confirmation again, with the same link.
    await sns.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'email', Endpoint: 'other@team.test' }));
    const confirmations = (await mailTo('other@team.test')).filter((m) => m.operation === 'sns:SubscriptionConfirmation');
    expect(confirmations).toHaveLength(2);
  });

  it('mails an email-json subscription the JSON envelope, the subject "AWS Notification Message" when the publish gave none', async () => {
    const { sns } = local;
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn: TOPIC,
        Protocol: 'email-json',
        Endpoint: 'robot@team.test',
        ReturnSubscriptionArn: true,
        Attributes: { FilterPolicy: JSON.stringify({ level: ['high'] }) },
      }),
    );
    expect(await pending(SubscriptionArn as string)).toBe('true');
    expect((await fetch(await confirmationLink('robot@team.test'))).status).toBe(200);
    expect(await pending(SubscriptionArn as string)).toBe('false');
    const level = (value: string) => ({ level: { DataType: 'String', StringValue: value } });
    await sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'filtered out', MessageAttributes: level('low') }));
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'cpu high', MessageAttributes: level('high') }));
    const [mail] = await eventually(async () => {
      const notifications = (await mailTo('robot@team.test')).filter((m) => m.operation === 'sns:Publish');
      return notifications.length > 0 ? notifications : undefined;
    });
    expect(mail?.subject).toBe('AWS Notification Message');
    const envelope = JSON.parse((await read<MailMessage>(`/${encodeURIComponent(mail?.id ?? '')}`)).text ?? '{}');
    expect(envelope).toMatchObject({ Type: 'Notification', MessageId, TopicArn: TOPIC, Message: 'cpu high' });
    expect((await mailTo('robot@team.test')).filter((m) => m.operation === 'sns:Publish')).toHaveLength(1);
  });
});
