import { describe, expect, it } from 'vitest';
import { groupOf } from '../../../local/logs/validation.js';

const GROUP_ARN = 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/orders';

describe('groupOf', () => {
  it('reads the group a log group ARN names, with or without its trailing :*', () => {
    expect(groupOf({ logGroupIdentifier: GROUP_ARN })).toBe('/aws/lambda/orders');
    expect(groupOf({ logGroupIdentifier: `${GROUP_ARN}:*` })).toBe('/aws/lambda/orders');
    expect(groupOf({ logGroupIdentifier: '/aws/lambda/orders' })).toBe('/aws/lambda/orders');
  });

  it.each([
    ["a log stream's", `${GROUP_ARN}:log-stream:s`],
    ["another service's", 'arn:aws:sqs:us-east-1:123456789012:log-group:orders'],
    ['no name in the', 'arn:aws:logs:us-east-1:123456789012:log-group'],
  ])('fails if the identifier is %s ARN, with InvalidParameterException', (_, arn) => {
    expect(() => groupOf({ logGroupIdentifier: arn })).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
  });
});
