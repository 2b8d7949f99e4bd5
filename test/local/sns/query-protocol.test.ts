import { describe, expect, it } from 'vitest';
import { SnsQueryProtocol } from '../../../local/sns/query-protocol.js';
import type { SnsService } from '../../../local/sns/sns-service.js';

/** The codec's encoding alone: no operation runs, so it needs no SNS service. */
const codec = new SnsQueryProtocol({} as SnsService);

describe('SnsQueryProtocol', () => {
  it("writes a subscription's elements in SNS's order (the API reference's), not the model's", () => {
    const subscription = { SubscriptionArn: 's', Owner: '1', Protocol: 'sqs', Endpoint: 'e', TopicArn: 't' };
    expect(codec.encode('ListSubscriptions', { Subscriptions: [subscription] }, 'r')).toContain(
      '<Subscriptions><member><TopicArn>t</TopicArn><Protocol>sqs</Protocol><SubscriptionArn>s</SubscriptionArn>' +
        '<Owner>1</Owner><Endpoint>e</Endpoint></member></Subscriptions>',
    );
  });

  it('handles every action of the SNS API, and no other service’s', () => {
    expect(codec.handles('Publish')).toBe(true);
    expect(codec.handles('CreatePlatformApplication')).toBe(true);
    expect(codec.handles('SendMessage')).toBe(false);
    expect(codec.signingName).toBe('sns');
  });
});
