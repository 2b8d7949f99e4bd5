import { describe, expect, it } from 'vitest';
import { renderTargetInput, TargetInputError, validateTargetInput } from '../../../local/events/input-transform.js';

const event = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111', 'arn:aws:ec2:us-east-1:123456789012:instance/i-abcd2222'],
  detail: {
    'instance-id': 'i-0123456789',
    state: 'RUNNING',
    count: 3,
    healthy: true,
    note: null,
    quote: 'say "hi"',
    tags: { env: 'prod' },
  },
};

const context = {
  ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/my-rule',
  ruleName: 'my-rule',
  ingestionTime: '2015-11-11T21:29:55Z',
};

const transform = (InputTemplate: string, InputPathsMap?: Record<string, string>) =>
  renderTargetInput(event, { InputTransformer: { InputTemplate, ...(InputPathsMap ? { InputPathsMap } : {}) } }, context);

const paths = {
  instance: '$.detail.instance-id',
  state: '$.detail.state',
  count: '$.detail.count',
  healthy: '$.detail.healthy',
  note: '$.detail.note',
  quote: '$.detail.quote',
  tags: '$.detail.tags',
  resources: '$.resources',
  missing: '$.detail.nothing',
};

describe('renderTargetInput', () => {
  it('sends the whole event as JSON when the target sets no input', () => {
    expect(JSON.parse(renderTargetInput(event, {}))).toEqual(event);
  });

  it('sends Input verbatim', () => {
    expect(renderTargetInput(event, { Input: '{ "fixed": [1, 2] }' })).toBe('{ "fixed": [1, 2] }');
  });

  it('sends what InputPath selects, as JSON', () => {
    expect(JSON.parse(renderTargetInput(event, { InputPath: '$' }))).toEqual(event);
    expect(JSON.parse(renderTargetInput(event, { InputPath: '$.detail.tags' }))).toEqual({ env: 'prod' });
    expect(renderTargetInput(event, { InputPath: '$.detail.state' })).toBe('"RUNNING"');
    expect(renderTargetInput(event, { InputPath: '$.detail.count' })).toBe('3');
  });

  it('selects array elements and wildcards with InputPath', () => {
    expect(renderTargetInput(event, { InputPath: '$.resources[1]' })).toBe('"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd2222"');
    expect(renderTargetInput(event, { InputPath: '$.resources[-1]' })).toBe('"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd2222"');
    expect(JSON.parse(renderTargetInput(event, { InputPath: '$.resources[*]' }))).toEqual(event.resources);
    expect(JSON.parse(renderTargetInput(event, { InputPath: '$.detail.tags.*' }))).toEqual(['prod']);
  });

  it('sends null when InputPath selects nothing', () => {
    expect(renderTargetInput(event, { InputPath: '$.detail.nothing' })).toBe('null');
  });

  it('fills a string template with the text of the values', () => {
    expect(transform('"<instance> is in state <state>"', paths)).toBe('"i-0123456789 is in state RUNNING"');
    expect(transform('"instance \\"<instance>\\" is in <state>"', paths)).toBe('"instance \\"i-0123456789\\" is in RUNNING"');
  });

  it('fills a placeholder outside quotes with the JSON of the value', () => {
    const output = transform(
      '{"instance": <instance>, "count": <count>, "healthy": <healthy>, "note": <note>, "tags": <tags>, "resources": <resources>}',
      paths,
    );
    expect(JSON.parse(output)).toEqual({
      instance: 'i-0123456789',
      count: 3,
      healthy: true,
      note: null,
      tags: { env: 'prod' },
      resources: event.resources,
    });
  });

  it('fills a placeholder inside quotes with the text, unescaped as AWS does', () => {
    expect(transform('{"instance": "<instance>", "n": "<count>", "h": "<healthy>", "q": "<quote>"}', paths)).toBe(
      '{"instance": "i-0123456789", "n": "3", "h": "true", "q": "say "hi""}',
    );
  });

  it('refuses an object or array inside a string of a JSON object template, and takes one in a string template', () => {
    expect(() => transform('{"tags": "<tags>"}', { tags: '$.detail.tags' })).toThrow(TargetInputError);
    expect(() => transform('{"r": "first <resources>"}', { resources: '$.resources' })).toThrow(TargetInputError);
    expect(transform('"tags <tags>"', { tags: '$.detail.tags' })).toBe('"tags {env:prod}"');
    expect(transform('{"tags": <tags>}', { tags: '$.detail.tags' })).toBe('{"tags": {"env":"prod"}}');
  });

  it('escapes a string placed outside quotes', () => {
    expect(JSON.parse(transform('{"q": <quote>}', paths))).toEqual({ q: 'say "hi"' });
  });

  it('strips the quotes of objects and arrays placed inside a string', () => {
    expect(transform('"Tags are <tags>, resources <resources>"', paths)).toBe(
      '"Tags are {env:prod}, resources [arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111,arn:aws:ec2:us-east-1:123456789012:instance/i-abcd2222]"',
    );
  });

  it('fills a path that selects nothing with an empty string', () => {
    expect(transform('"Event at <missing>!"', paths)).toBe('"Event at !"');
    expect(JSON.parse(transform('{"command": <missing>}', paths))).toEqual({ command: '' });
  });

  it('quotes values in a template that is not JSON', () => {
    expect(transform('<instance> is in state <state>', paths)).toBe('"i-0123456789" is in state "RUNNING"');
  });

  it('fills the predefined rule and time variables', () => {
    expect(transform('"<aws.events.rule-name> <aws.events.rule-arn> <aws.events.event.ingestion-time>"')).toBe(
      '"my-rule arn:aws:events:us-east-1:123456789012:rule/my-rule 2015-11-11T21:29:55Z"',
    );
    expect(JSON.parse(transform('{"rule": <aws.events.rule-name>}'))).toEqual({ rule: 'my-rule' });
  });

  it('takes the ingestion time from the event when the context has none', () => {
    expect(renderTargetInput(event, { InputTransformer: { InputTemplate: '"<aws.events.event.ingestion-time>"' } })).toBe(
      '"2015-11-11T21:29:54Z"',
    );
  });

  it('fills aws.events.event with the envelope without detail, detail-type as detailType', () => {
    const output = JSON.parse(transform('{"original": <aws.events.event>}'));
    expect(output.original).toEqual({
      id: event.id,
      account: event.account,
      detailType: event['detail-type'],
      time: event.time,
      source: event.source,
      region: event.region,
      resources: event.resources,
      version: '0',
    });
    expect(Object.keys(output.original)).toEqual(['id', 'account', 'detailType', 'time', 'source', 'region', 'resources', 'version']);
  });

  it('fills aws.events.event.json with the whole event', () => {
    expect(JSON.parse(transform('{"original": <aws.events.event.json>}'))).toEqual({ original: event });
  });

  it('takes the target in the template loader spelling too', () => {
    expect(renderTargetInput(event, { inputPath: '$.detail.state' })).toBe('"RUNNING"');
    expect(renderTargetInput(event, { input: '"x"' })).toBe('"x"');
    expect(renderTargetInput(event, { inputTransformer: { InputTemplate: '"<s>"', InputPathsMap: { s: '$.source' } } })).toBe('"aws.ec2"');
  });

  it('leaves text that only looks like a placeholder start alone', () => {
    expect(transform('"a < b and <state>"', paths)).toBe('"a < b and RUNNING"');
  });
});

describe('validateTargetInput', () => {
  const target = (InputTransformer: { InputTemplate: string; InputPathsMap?: Record<string, string> }) => ({ Id: 't1', InputTransformer });

  it('accepts a transformer whose placeholders are all defined or predefined', () => {
    expect(() =>
      validateTargetInput(
        target({ InputTemplate: '{"s": <state>, "r": <aws.events.rule-arn>}', InputPathsMap: { state: '$.detail.state' } }),
      ),
    ).not.toThrow();
    expect(() => validateTargetInput({ Id: 't1', Input: '{"a": 1}' })).not.toThrow();
    expect(() => validateTargetInput({ Id: 't1', InputPath: '$.detail' })).not.toThrow();
  });

  // The map's size and its keys' and paths' constraints are the model's, answered by the endpoint (model-checks.test.ts).
  it('fails if an InputPathsMap key starts with AWS', () => {
    expect(() => validateTargetInput(target({ InputTemplate: '"<AWSkey>"', InputPathsMap: { AWSkey: '$.id' } }))).toThrow(
      expect.objectContaining({ code: 'ValidationException' }),
    );
  });

  it('fails if the template uses a placeholder the map does not define', () => {
    expect(() =>
      validateTargetInput(
        target({ InputTemplate: '"Event of <detail-type> type, with <notdefinedkey>"', InputPathsMap: { 'detail-type': '$.detail-type' } }),
      ),
    ).toThrow('InputTemplate for target t1 contains invalid placeholder notdefinedkey.');
  });

  it('fails if more than one of Input, InputPath and InputTransformer is set', () => {
    expect(() => validateTargetInput({ Id: 't1', InputPath: '$.detail', InputTransformer: { InputTemplate: '"x"' } })).toThrow(
      'Only one of Input, InputPath, or InputTransformer must be provided for target t1.',
    );
  });

  it('fails if Input is not JSON', () => {
    expect(() => validateTargetInput({ Id: 't1', Input: 'env:dev' })).toThrow(/^JSON syntax error in input for target t1: /);
  });
});
