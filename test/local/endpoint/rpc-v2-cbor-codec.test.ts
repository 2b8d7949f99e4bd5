import { decode, encode, type ITag, Tag } from 'cbor2';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { ModelOperations } from '../../../local/endpoint/model-protocols/operations.js';
import { ModelRpcV2CborProtocol } from '../../../local/endpoint/model-protocols/rpc-v2-cbor-codec.js';
import type { RawRequest } from '../../../local/endpoint/protocols.js';
import type { ApiModel } from '../../../local/endpoint/validation/model.js';
import { SCALAR_SHAPES } from './model-shapes.js';

/**
 * The model of Smithy's RPC v2 CBOR protocol tests (smithy-lang/smithy,
 * smithy-protocol-tests/model/rpcv2Cbor, Apache-2.0): `RpcV2Protocol`'s SimpleScalarProperties,
 * EmptyInputOutput and GreetingWithErrors, as a botocore model names them (byte and short as integer).
 */
const model: ApiModel = {
  botocoreVersion: 'test',
  metadata: { apiVersion: '2020-07-14', protocol: 'smithy-rpc-v2-cbor', targetPrefix: 'RpcV2Protocol', uid: 'rpcv2protocol-2020-07-14' },
  operations: {
    SimpleScalarProperties: { input: 'Scalars', output: 'Scalars', http: { method: 'POST', requestUri: '/' } },
    EmptyInputOutput: { input: 'Empty', output: 'Empty', http: { method: 'POST', requestUri: '/' } },
    Stamp: { input: 'Empty', output: 'Stamped', http: { method: 'POST', requestUri: '/' } },
    Schedule: { input: 'Stamped', output: 'Empty', http: { method: 'POST', requestUri: '/' } },
  },
  otherOperations: { GreetingWithErrors: { method: 'POST', requestUri: '/' } },
  shapes: {
    Empty: { type: 'structure', members: {} },
    Scalars: {
      type: 'structure',
      members: Object.fromEntries(
        [
          ['byteValue', 'Int'],
          ['doubleValue', 'Double'],
          ['falseBooleanValue', 'Bool'],
          ['floatValue', 'Float'],
          ['integerValue', 'Int'],
          ['longValue', 'Long'],
          ['shortValue', 'Int'],
          ['stringValue', 'Text'],
          ['trueBooleanValue', 'Bool'],
          ['blobValue', 'Bytes'],
        ].map(([member, shape]) => [member, { shape: shape as string }]),
      ),
    },
    Stamped: { type: 'structure', members: { At: { shape: 'Time' }, Data: { shape: 'Bytes' }, Tags: { shape: 'TextMap' } } },
    InvalidGreeting: { type: 'structure', members: { Message: { shape: 'Text' } }, exception: true, error: { httpStatusCode: 400 } },
    ...SCALAR_SHAPES,
    Int: { type: 'integer' },
    Double: { type: 'double' },
    Float: { type: 'float' },
    Bool: { type: 'boolean' },
    TextMap: { type: 'map', key: { shape: 'Text' }, value: { shape: 'Text' } },
  },
};

const SCALARS = {
  byteValue: 5,
  doubleValue: 1.889,
  falseBooleanValue: false,
  floatValue: 7.625,
  integerValue: 256,
  longValue: 9873,
  shortValue: 9898,
  stringValue: 'simple',
  trueBooleanValue: true,
  // The operations take blobs in base64, as the JSON protocols give them.
  blobValue: Buffer.from('foo').toString('base64'),
};

function codec(operations: Record<string, (input: never) => Promise<unknown>>) {
  return new ModelRpcV2CborProtocol(model, operations as ModelOperations, { serviceName: 'RpcV2Protocol' });
}

function request(
  operation: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'smithy-protocol': 'rpc-v2-cbor' },
): RawRequest {
  return {
    method: 'POST',
    path: `/service/RpcV2Protocol/operation/${operation}`,
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/cbor', ...headers },
    body: typeof body === 'string' ? Buffer.from(body, 'base64') : body,
  };
}

/** Runs SimpleScalarProperties on a request body and returns the input the operation saw. */
async function inputOf(body: string): Promise<unknown> {
  let seen: unknown;
  const operation = async (input: unknown) => {
    seen = input;
    return {};
  };
  const response = await codec({ SimpleScalarProperties: operation }).handle(request('SimpleScalarProperties', body));
  expect(response.status).toBe(200);
  return seen;
}

function decoded(body: string | Buffer | undefined): unknown {
  // Tag 1 kept as a tag, so that the test sees what travels rather than cbor2's Date.
  return decode(new Uint8Array(Buffer.from(body ?? '')), { tags: new Map([[1, (tag: ITag) => tag]]), ignoreGlobalTags: true });
}

describe('ModelRpcV2CborProtocol', () => {
  it('decodes RpcV2CborSimpleScalarProperties into the API JSON shape, its blob in base64', async () => {
    const body =
      'v2lieXRlVmFsdWUFa2RvdWJsZVZhbHVl+z/+OVgQYk3TcWZhbHNlQm9vbGVhblZhbHVl9GpmbG9hdFZhbHVl+kD0AABsaW50ZWdlclZhbHVlGQEAaWxvbmdWYWx1ZRkmkWpzaG9ydFZhbHVlGSaqa3N0cmluZ1ZhbHVlZnNpbXBsZXB0cnVlQm9vbGVhblZhbHVl9WlibG9iVmFsdWVDZm9v/w==';
    expect(await inputOf(body)).toEqual(SCALARS);
  });

  it('decodes definite-length maps with indefinite-length keys (RpcV2CborSimpleScalarPropertiesUsingIndefiniteLength)', async () => {
    const body =
      'qmlieXRlVmFsdWUFf2Zkb3VibGVlVmFsdWX/+z/+OVgQYk3Tf2VmYWxzZWdCb29sZWFuZVZhbHVl//RqZmxvYXRWYWx1ZfpA9AAAbGludGVnZXJWYWx1ZRkBAGlsb25nVmFsdWUZJpFqc2hvcnRWYWx1ZRkmqn9mc3RyaW5nZVZhbHVl/2ZzaW1wbGVwdHJ1ZUJvb2xlYW5WYWx1ZfVpYmxvYlZhbHVlQ2Zvbw==';
    expect(await inputOf(body)).toEqual(SCALARS);
  });

  it('skips extra fields and drops null members (RpcV2CborExtraFieldsInTheBodyShouldBeSkippedByServers, ...DoesntDeSerializeNullStructureValues)', async () => {
    const extra =
      'v2lieXRlVmFsdWUFa2RvdWJsZVZhbHVl+z/+OVgQYk3TcWZhbHNlQm9vbGVhblZhbHVl9GpmbG9hdFZhbHVl+kD0AABrZXh0cmFPYmplY3S/c2luZGVmaW5pdGVMZW5ndGhNYXC/a3dpdGhBbkFycmF5nwECA///cWRlZmluaXRlTGVuZ3RoTWFwo3J3aXRoQURlZmluaXRlQXJyYXmDAQIDeB1hbmRTb21lSW5kZWZpbml0ZUxlbmd0aFN0cmluZ3gfdGhhdCBoYXMsIGJlZW4gY2h1bmtlZCBvbiBjb21tYWxub3JtYWxTdHJpbmdjZm9vanNob3J0VmFsdWUZJw9uc29tZU90aGVyRmllbGR2dGhpcyBzaG91bGQgYmUgc2tpcHBlZP9saW50ZWdlclZhbHVlGQEAaWxvbmdWYWx1ZRkmkWpzaG9ydFZhbHVlGSaqa3N0cmluZ1ZhbHVlZnNpbXBsZXB0cnVlQm9vbGVhblZhbHVl9WlibG9iVmFsdWVDZm9v/w==';
    expect(await inputOf(extra)).toEqual(SCALARS);
    expect(await inputOf('v2tzdHJpbmdWYWx1Zfb/')).toEqual({});
  });

  it('decodes indefinite-length text and byte strings and upcasts half-precision floats', async () => {
    expect(await inputOf('oWtzdHJpbmdWYWx1ZX94HUFuIGV4YW1wbGUgaW5kZWZpbml0ZSBzdHJpbmcscSBjaHVua2VkIG9uIGNvbW1h/w==')).toEqual({
      stringValue: 'An example indefinite string, chunked on comma',
    });
    expect(await inputOf('oWlibG9iVmFsdWVfWCJBbiBleGFtcGxlIGluZGVmaW5pdGUtYnl0ZSBzdHJpbmcsUSBjaHVua2VkIG9uIGNvbW1h/w==')).toEqual({
      blobValue: Buffer.from('An example indefinite-byte string, chunked on comma').toString('base64'),
    });
    expect(await inputOf('v2tkb3VibGVWYWx1Zfk+AGpmbG9hdFZhbHVl+UegbGludGVnZXJWYWx1ZRg4aWxvbmdWYWx1ZRkBAGpzaG9ydFZhbHVlCv8=')).toEqual({
      doubleValue: 1.5,
      floatValue: 7.625,
      integerValue: 56,
      longValue: 256,
      shortValue: 10,
    });
  });

  it('accepts an empty body or an empty map as empty input, and answers an empty output as an empty map', async () => {
    const answered = codec({ EmptyInputOutput: async () => ({}) });
    for (const body of ['', 'v/8=']) {
      const response = await answered.handle(request('EmptyInputOutput', body));
      expect(response.status).toBe(200);
      expect(response.headers).toMatchObject({ 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' });
      expect(decoded(response.body)).toEqual({});
    }
  });

  it('answers timestamps under tag 1 in epoch seconds, blobs as byte strings, and leaves null members out', async () => {
    const response = await codec({
      Stamp: async () => ({ At: new Date('2026-09-24T10:00:00.500Z'), Data: Buffer.from('raw'), Tags: { a: 'b' }, Other: null }),
    }).handle(request('Stamp', ''));
    expect(decoded(response.body)).toEqual({
      At: new Tag(1, Date.parse('2026-09-24T10:00:00.500Z') / 1000),
      Data: new Uint8Array(Buffer.from('raw')),
      Tags: { a: 'b' },
    });
  });

  it('reads a timestamp under tag 1 as epoch seconds and a byte string as base64, as the JSON shapes carry them', async () => {
    let seen: unknown;
    const operation = async (input: unknown) => {
      seen = input;
      return {};
    };
    const body = Buffer.from(encode({ At: new Tag(1, 1790244000.5), Data: new Uint8Array([1, 2, 3]), Tags: { a: 'b', n: null } }));
    const response = await codec({ Schedule: operation }).handle(request('Schedule', body));
    expect(response.status).toBe(200);
    expect(seen).toEqual({ At: 1790244000.5, Data: Buffer.from([1, 2, 3]).toString('base64'), Tags: { a: 'b', n: null } });
  });

  it("fails with the error's __type in the service's namespace and its Message, as RpcV2CborInvalidGreetingError reads it", async () => {
    const response = await codec({
      SimpleScalarProperties: async () => {
        throw new AwsError('InvalidGreeting', 'Hi', 400);
      },
    }).handle(request('SimpleScalarProperties', 'v/8='));
    expect(response.status).toBe(400);
    expect(response.headers).toMatchObject({ 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' });
    expect(decoded(response.body)).toEqual({ __type: 'com.amazonaws.rpcv2protocol#InvalidGreeting', Message: 'Hi' });
    // The vector's own body decodes to the same members (its namespace is the test service's).
    expect(
      decoded(Buffer.from('v2ZfX3R5cGV4LnNtaXRoeS5wcm90b2NvbHRlc3RzLnJwY3YyQ2JvciNJbnZhbGlkR3JlZXRpbmdnTWVzc2FnZWJIaf8=', 'base64')),
    ).toEqual({
      __type: 'smithy.protocoltests.rpcv2Cbor#InvalidGreeting',
      Message: 'Hi',
    });
  });

  it('fails if the smithy-protocol header is missing, naming the header the protocol needs', async () => {
    const response = await codec({ EmptyInputOutput: async () => ({}) }).handle(request('EmptyInputOutput', 'v/8=', {}));
    expect(response.status).toBe(400);
    expect(decoded(response.body)).toMatchObject({ __type: 'com.amazonaws.rpcv2protocol#SerializationException' });
    expect((decoded(response.body) as { Message: string }).Message).toContain('smithy-protocol: rpc-v2-cbor');
  });

  it('fails if the body is not CBOR, or not a map', async () => {
    const answered = codec({ EmptyInputOutput: async () => ({}) });
    for (const body of [Buffer.from('{"json": true}'), Buffer.from(encode([1, 2]))]) {
      const response = await answered.handle(request('EmptyInputOutput', body));
      expect(response.status).toBe(400);
      expect(decoded(response.body)).toMatchObject({ __type: 'com.amazonaws.rpcv2protocol#SerializationException' });
    }
  });

  it("fails if the operation is unknown, or one of the model's the local service does not serve, by name", async () => {
    const answered = codec({ EmptyInputOutput: async () => ({}) });
    const other = await answered.handle(request('GreetingWithErrors', ''));
    expect(decoded(other.body)).toEqual({
      __type: 'com.amazonaws.rpcv2protocol#UnknownOperationException',
      Message: 'GreetingWithErrors is not supported by the local RpcV2Protocol service.',
    });
    const unknown = await answered.handle(request('Nope', ''));
    expect(unknown.status).toBe(404);
    expect((decoded(unknown.body) as { Message: string }).Message).toBe('no RpcV2Protocol operation is named "Nope"');
  });

  it('handles only its own service path', () => {
    const answered = codec({});
    expect(answered.handles({ method: 'POST', path: '/service/RpcV2Protocol/operation/EmptyInputOutput' })).toBe(true);
    expect(answered.handles({ method: 'POST', path: '/service/Other/operation/EmptyInputOutput' })).toBe(false);
  });
});
