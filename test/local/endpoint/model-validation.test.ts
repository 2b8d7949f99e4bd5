import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import { awsPath, checkInput, parameterPath } from '../../../local/endpoint/validation/check-input.js';
import type { ApiModel } from '../../../local/endpoint/validation/model.js';
import { modelValidator } from '../../../local/endpoint/validation/validator.js';

/** A small model with one of each shape the validator knows. */
const model: ApiModel = {
  botocoreVersion: 'test',
  metadata: { apiVersion: '2020-01-01', protocol: 'json' },
  operations: { Put: { input: 'PutRequest', http: { method: 'POST', requestUri: '/' } } },
  shapes: {
    PutRequest: {
      type: 'structure',
      required: ['Name', 'Entries'],
      members: {
        Name: { shape: 'Name' },
        Entries: { shape: 'EntryList' },
        Ids: { shape: 'IdList' },
        Tags: { shape: 'TagMap' },
        Limit: { shape: 'Limit' },
        Mode: { shape: 'Mode' },
        Enabled: { shape: 'Flag' },
        Secret: { shape: 'Secret' },
      },
    },
    Name: { type: 'string', min: 1, max: 8, pattern: '[a-z]+' },
    EntryList: { type: 'list', member: { shape: 'Entry' }, min: 1, max: 3 },
    Entry: { type: 'structure', required: ['Source'], members: { Source: { shape: 'Name' }, Detail: { shape: 'Text' } } },
    Text: { type: 'string' },
    IdList: { type: 'list', member: { shape: 'Id' } },
    Id: { type: 'string', max: 3 },
    TagMap: { type: 'map', key: { shape: 'Id' }, value: { shape: 'Name' }, max: 2 },
    Limit: { type: 'integer', min: 1, max: 100 },
    Mode: { type: 'string', enum: ['ON', 'OFF'] },
    Flag: { type: 'boolean' },
    Secret: { type: 'string', max: 2, sensitive: true },
  },
};

const valid = { Name: 'abc', Entries: [{ Source: 'src' }] };
const messages = (input: unknown) => checkInput(model, 'Put', input).violations.map((violation) => violation.message);
const wrongType = (input: unknown) => checkInput(model, 'Put', input).wrongType?.message;

describe('checkInput', () => {
  it('finds nothing wrong with a valid input, and ignores members the model does not have', () => {
    expect(checkInput(model, 'Put', { ...valid, Extra: { deep: [1] } })).toEqual({ violations: [] });
  });

  it('fails if a required member is missing, naming it with a lower-case first letter', () => {
    expect(messages({ Entries: [{ Source: 'a' }] })).toEqual([
      "Value null at 'name' failed to satisfy constraint: Member must not be null",
    ]);
  });

  it('reads a null body as an empty request', () => {
    expect(messages(null)).toEqual([
      "Value null at 'name' failed to satisfy constraint: Member must not be null",
      "Value null at 'entries' failed to satisfy constraint: Member must not be null",
    ]);
  });

  it('fails if a string is too short, too long or does not match the pattern', () => {
    expect(messages({ ...valid, Name: '' })).toEqual([
      "Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ]);
    expect(messages({ ...valid, Name: 'abcdefghi' })).toEqual([
      "Value 'abcdefghi' at 'name' failed to satisfy constraint: Member must have length less than or equal to 8",
    ]);
    expect(messages({ ...valid, Name: 'ab1' })).toEqual([
      "Value 'ab1' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+",
    ]);
  });

  it('matches a pattern against the whole value, as Java does', () => {
    expect(messages({ ...valid, Name: '1abc1' })).toHaveLength(1);
  });

  it('leaves patterns out when the service does not enforce them', () => {
    expect(checkInput(model, 'Put', { ...valid, Name: 'AB' }, { patterns: false }).violations).toEqual([]);
  });

  it('fails if a number is out of range', () => {
    expect(messages({ ...valid, Limit: 0 })).toEqual([
      "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ]);
    expect(messages({ ...valid, Limit: 101 })).toEqual([
      "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
    ]);
  });

  it('fails if a value is not in the enum', () => {
    expect(messages({ ...valid, Mode: 'on' })).toEqual([
      "Value 'on' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [ON, OFF]",
    ]);
  });

  it("lists an enum in the order the service gives, where it is not the model's", () => {
    const findings = checkInput(model, 'Put', { ...valid, Mode: 'on' }, { enumOrders: [['OFF', 'ON']] });
    expect(findings.violations.map((v) => v.message)).toEqual([
      "Value 'on' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON]",
    ]);
  });

  it('names a member of a list of structures by its 1-based index', () => {
    expect(messages({ ...valid, Entries: [{ Source: 'a' }, { Source: 'TOOLONGNAME' }, {}] })).toEqual([
      "Value 'TOOLONGNAME' at 'entries.2.member.source' failed to satisfy constraint: Member must have length less than or equal to 8",
      "Value 'TOOLONGNAME' at 'entries.2.member.source' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+",
      "Value null at 'entries.3.member.source' failed to satisfy constraint: Member must not be null",
    ]);
  });

  it('fails if a list is too long or too short, showing it as Java does', () => {
    expect(messages({ ...valid, Entries: [] })).toEqual([
      "Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ]);
    expect(messages({ ...valid, Entries: [{ Source: 'a' }, { Source: 'b' }, { Source: 'c' }, { Source: 'd' }] })).toEqual([
      "Value '[{Source=a}, {Source=b}, {Source=c}, {Source=d}]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 3",
    ]);
  });

  it('fails if a list entry is null', () => {
    expect(messages({ ...valid, Entries: [null] })).toEqual([
      "Value null at 'entries.1.member' failed to satisfy constraint: Member must not be null",
    ]);
    expect(messages({ ...valid, Ids: ['a', null] })).toEqual([
      "Value '[a, null]' at 'ids' failed to satisfy constraint: Member must satisfy constraint: [Member must not be null]",
    ]);
  });

  it("reports a list of strings' member constraints once for the list", () => {
    expect(messages({ ...valid, Ids: ['abcd', 'a', 'efgh'] })).toEqual([
      "Value '[abcd, a, efgh]' at 'ids' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 3]",
    ]);
  });

  it("reports a map's key and value constraints", () => {
    expect(messages({ ...valid, Tags: { abcd: 'x' } })).toEqual([
      "Value '{abcd=x}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 3]",
    ]);
    expect(messages({ ...valid, Tags: { a: 'X' } })).toEqual([
      "Value '{a=X}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must satisfy regular expression pattern: [a-z]+]",
    ]);
    expect(messages({ ...valid, Tags: { a: 'x', b: 'y', c: 'z' } })).toEqual([
      "Value '{a=x, b=y, c=z}' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 2",
    ]);
  });

  it('leaves the value of a sensitive member out of the message', () => {
    expect(messages({ ...valid, Secret: 'abc' })).toEqual([
      "Value at 'secret' failed to satisfy constraint: Member must have length less than or equal to 2",
    ]);
  });

  it.each([
    ['a number where a string is expected', { ...valid, Name: 5 }, 'NUMBER_VALUE can not be converted to a String'],
    ['a decimal where an integer is expected', { ...valid, Limit: 1.5 }, 'DECIMAL_VALUE can not be converted to an Integer'],
    ['a string where an integer is expected', { ...valid, Limit: '5' }, 'STRING_VALUE can not be converted to an Integer'],
    ['a string where a list is expected', { ...valid, Ids: 'abc' }, 'STRING_VALUE can not be converted to a List'],
    ['a list where a string is expected', { ...valid, Name: ['a'] }, 'Start of list found where not expected'],
    ['an object where a string is expected', { ...valid, Name: {} }, 'Start of structure or map found where not expected.'],
    ['a boolean where a string is expected', { ...valid, Mode: true }, 'TRUE_VALUE can not be converted to a String'],
    ['a string where a boolean is expected', { ...valid, Enabled: 'true' }, 'STRING_VALUE can not be converted to a Boolean'],
    ['a number inside a list of strings', { ...valid, Ids: ['a', 2] }, 'NUMBER_VALUE can not be converted to a String'],
    ['a number as a map value', { ...valid, Tags: { a: 1 } }, 'NUMBER_VALUE can not be converted to a String'],
    ['a list as the body', [], 'Start of list found where not expected'],
    ['a string as the body', 'x', 'STRING_VALUE can not be converted to a Structure'],
  ])('fails if there is %s', (_, input, message) => {
    expect(wrongType(input)).toBe(message);
  });

  it('reports a wrong type before any constraint, as deserialization comes first', () => {
    const findings = checkInput(model, 'Put', { Name: '', Entries: [{ Source: 7 }] });
    expect(findings.wrongType).toEqual({
      path: [{ member: 'Entries' }, { index: 0 }, { member: 'Source' }],
      message: 'NUMBER_VALUE can not be converted to a String',
    });
  });

  it('names paths for AWS messages and for query parameters', () => {
    const path = [{ member: 'Entries' }, { index: 1 }, { member: 'DetailType' }];
    expect(awsPath(path)).toBe('entries.2.member.detailType');
    expect(parameterPath(path)).toBe('Entries.2.DetailType');
  });

  it('accepts text for numbers and booleans in query-protocol input', () => {
    expect(checkInput(model, 'Put', { ...valid, Limit: 'x', Enabled: 'yes' }, { textScalars: true })).toEqual({ violations: [] });
  });
});

describe('modelValidator', () => {
  const validate = modelValidator('events');

  it('answers constraint violations as one ValidationException, counting them', () => {
    const error = catchError(() => validate('PutEvents', { Entries: [{ EventBusName: '', TraceHeader: '' }] }));
    expect(error).toMatchObject({ code: 'ValidationException', status: 400 });
    expect(error.message).toBe(
      "2 validation errors detected: Value '' at 'entries.1.member.eventBusName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'entries.1.member.traceHeader' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('answers one violation as "1 validation error detected"', () => {
    const error = catchError(() => validate('DescribeRule', {}));
    expect(error.message).toBe("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
  });

  it('answers a wrong type as a SerializationException', () => {
    const error = catchError(() => validate('PutEvents', { Entries: [{ Source: 123 }] }));
    expect(error).toMatchObject({ code: 'SerializationException', message: 'NUMBER_VALUE can not be converted to a String', status: 400 });
  });

  it('answers a wrong type even when constraints are violated too: the request cannot be read', () => {
    const error = catchError(() => validate('PutEvents', { Entries: [{ Source: 123, EventBusName: '' }] }));
    expect(error).toMatchObject({ code: 'SerializationException' });
  });

  it('passes an operation the model does not know', () => {
    expect(() => validate('NoSuchOperation', 5)).not.toThrow();
  });
});

function catchError(run: () => void): AwsError {
  try {
    run();
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error('expected an AwsError');
}
