import { describe, expect, it } from 'vitest';
import { md5OfBody, md5OfMessageAttributes } from '../../../local/sqs/md5.js';

describe('md5OfBody', () => {
  it('is the hex MD5 of the UTF-8 body', () => {
    expect(md5OfBody('hello')).toBe('5d41402abc4b2a76b9719d911017c592');
    // Values SQS returned for these bodies in recorded responses.
    expect(md5OfBody('msg')).toBe('6e2baaf3b97dbeef01c0043275f9a0e7');
    expect(md5OfBody('message-body-1')).toBe('19c9e282d65f9733bc6b35d50062c7ee');
    expect(md5OfBody('test')).toBe('098f6bcd4621d373cade4e832627b4f6');
  });
});

describe('md5OfMessageAttributes', () => {
  it('matches MD5OfMessageAttributes that SQS returned for string attributes', () => {
    const all = {
      General: { DataType: 'String', StringValue: 'Kenobi' },
      Hello: { DataType: 'String', StringValue: 'There' },
      'Help.Me': { DataType: 'String', StringValue: 'Me' },
    };
    expect(md5OfMessageAttributes(all)).toBe('4c360f3fdafd970e05fae2f149d997f5');
    expect(md5OfMessageAttributes({ Hello: all.Hello, 'Help.Me': all['Help.Me'] })).toBe('83fee93c1bcd8b9a5a923ffacdc636c7');
    expect(md5OfMessageAttributes({ General: all.General, Hello: all.Hello })).toBe('fca026605781cb4126a1e9044df24232');
    expect(md5OfMessageAttributes({ Hello: all.Hello })).toBe('a311262e065454b75da111d535b8dacd');
    expect(md5OfMessageAttributes({ Foo: { DataType: 'String', StringValue: 'Bar' } })).toBe('ae7155c6026991b6d54b11589678bf9c');
  });

  it('does not depend on the order the attributes were given in', () => {
    const forward = { a: { DataType: 'String', StringValue: '1' }, b: { DataType: 'Number', StringValue: '2' } };
    const backward = { b: forward.b, a: forward.a };
    expect(md5OfMessageAttributes(backward)).toBe(md5OfMessageAttributes(forward));
  });

  it('matches the published examples for number, custom and binary types', () => {
    expect(md5OfMessageAttributes({ attribName1: { DataType: 'String', StringValue: 'attribValue 1' } })).toBe(
      '19e27d4e946b072f3f58da80d94fd778',
    );
    const number = { DataType: 'Number.float', StringValue: '4563442423554324324264524243.32543234' };
    expect(md5OfMessageAttributes({ customNumberTypeAttrib: number })).toBe('9fe1b90bbd9965bdf77bac517c7d2495');
    const binary = { DataType: 'Binary', BinaryValue: Buffer.from('Hello binary world!').toString('base64') };
    expect(md5OfMessageAttributes({ binaryAttribute: binary })).toBe('31a92b15d92f8db860eda32aceb656c3');
    expect(
      md5OfMessageAttributes({
        attribName1: { DataType: 'String', StringValue: 'attribValue 1' },
        customNumberTypeAttrib: number,
        binaryAttribute: binary,
      }),
    ).toBe('c932db14a896c663f83c260297d594ff');
  });
});
