import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import { type ModelOperations, RESPONSE_STATUS, UNDECLARED_HEADERS } from '../../../local/endpoint/model-protocols/operations.js';
import { ModelQueryProtocol } from '../../../local/endpoint/model-protocols/query-codec.js';
import { ModelRestJsonProtocol } from '../../../local/endpoint/model-protocols/rest-json-codec.js';
import { ModelRestXmlProtocol } from '../../../local/endpoint/model-protocols/rest-xml-codec.js';
import type { RawRequest } from '../../../local/endpoint/protocols.js';
import type { ApiModel, Shape } from '../../../local/endpoint/validation/model.js';
import { SCALAR_SHAPES } from './model-shapes.js';

/** A query model with one of each shape a codec walks: lists (wrapped, flattened, renamed), a map, scalars, a timestamp, a blob. */
const queryModel: ApiModel = {
  botocoreVersion: 'test',
  metadata: { apiVersion: '2020-01-01', protocol: 'query', xmlNamespace: 'http://test/doc/', signingName: 'test' },
  operations: {
    Put: { input: 'PutInput', output: 'PutOutput', resultWrapper: 'PutResult', http: { method: 'POST', requestUri: '/' } },
    Ping: { input: 'Empty', http: { method: 'POST', requestUri: '/' } },
  },
  otherOperations: { Later: { method: 'POST', requestUri: '/' } },
  shapes: {
    Empty: { type: 'structure', members: {} },
    PutInput: {
      type: 'structure',
      required: ['Name'],
      members: {
        Name: { shape: 'Text' },
        Count: { shape: 'Count' },
        Enabled: { shape: 'Flag' },
        Items: { shape: 'TextList' },
        Flat: { shape: 'FlatList' },
        Attributes: { shape: 'TextMap' },
        Data: { shape: 'Bytes' },
        Renamed: { shape: 'Text', locationName: 'Other' },
      },
    },
    PutOutput: {
      type: 'structure',
      members: {
        Name: { shape: 'Text' },
        Items: { shape: 'TextList' },
        Flat: { shape: 'FlatList' },
        At: { shape: 'Time' },
        Map: { shape: 'TextMap' },
      },
    },
    ...SCALAR_SHAPES,
    Text: { type: 'string', max: 5 },
    TextList: { type: 'list', member: { shape: 'Text' } },
    FlatList: { type: 'list', member: { shape: 'Text', locationName: 'Item' }, flattened: true },
    TextMap: { type: 'map', key: { shape: 'Text' }, value: { shape: 'Text' } },
  },
};

function queryCodec(operations: Record<string, (input: never) => Promise<unknown>>, seen: unknown[] = []) {
  return new ModelQueryProtocol(queryModel, operations as ModelOperations, {
    serviceName: 'Test',
    validate: (_operation, input) => {
      seen.push(input);
      if ((input as { Name?: string }).Name === 'toolong') throw new AwsError('ValidationError', 'too long');
    },
  });
}

describe('ModelQueryProtocol', () => {
  it('decodes a form into the input shape: member lists, flattened lists, maps, numbers, booleans and renamed members', async () => {
    const seen: unknown[] = [];
    const codec = queryCodec({ Put: async () => ({}) }, seen);
    const form = new URLSearchParams({
      Action: 'Put',
      Name: 'a',
      Count: '3',
      Enabled: 'true',
      'Items.member.2': 'y',
      'Items.member.1': 'x',
      'Flat.1': 'f',
      'Attributes.entry.1.key': 'k',
      'Attributes.entry.1.value': 'v',
      Data: Buffer.from('hi').toString('base64'),
      Other: 'r',
    });
    await codec.handle(form);
    expect(seen[0]).toEqual({
      Name: 'a',
      Count: 3,
      Enabled: true,
      Items: ['x', 'y'],
      Flat: ['f'],
      Attributes: { k: 'v' },
      Data: 'aGk=',
      Renamed: 'r',
    });
  });

  it("leaves a number that does not read as one as text, for validation to refuse in the service's words", async () => {
    const seen: unknown[] = [];
    await queryCodec({ Put: async () => ({}) }, seen).handle(new URLSearchParams({ Action: 'Put', Name: 'a', Count: 'many' }));
    expect(seen[0]).toMatchObject({ Count: 'many' });
  });

  it('encodes the output in its result wrapper, lists as members (or flattened), maps as entries, timestamps in ISO-8601', async () => {
    const codec = queryCodec({
      Put: async () => ({ Name: 'a<b', Items: ['x'], Flat: ['f', 'g'], At: new Date(0), Map: { k: 'v' } }),
    });
    const answer = await codec.handle(new URLSearchParams({ Action: 'Put', Name: 'a' }));
    expect(answer.status).toBe(200);
    expect(String(answer.body)).toMatch(
      /^<\?xml version="1.0"\?><PutResponse xmlns="http:\/\/test\/doc\/"><PutResult><Name>a&#60;b<\/Name><Items><member>x<\/member><\/Items><Item>f<\/Item><Item>g<\/Item><At>1970-01-01T00:00:00.000Z<\/At><Map><entry><key>k<\/key><value>v<\/value><\/entry><\/Map><\/PutResult><ResponseMetadata><RequestId>[-0-9a-f]+<\/RequestId><\/ResponseMetadata><\/PutResponse>$/,
    );
  });

  it('answers an operation without output with the response metadata only', async () => {
    const answer = await queryCodec({ Ping: async () => ({}) }).handle(new URLSearchParams({ Action: 'Ping' }));
    expect(String(answer.body)).toMatch(/^<\?xml version="1.0"\?><PingResponse xmlns="http:\/\/test\/doc\/"><ResponseMetadata>/);
  });

  it("fails if validation or the operation throws an AwsError, with the query protocol's ErrorResponse", async () => {
    const codec = queryCodec({
      Put: async () => {
        throw new AwsError('Nope', 'not today', 409);
      },
    });
    const refused = await codec.handle(new URLSearchParams({ Action: 'Put', Name: 'toolong' }));
    expect(refused.status).toBe(400);
    expect(String(refused.body)).toContain('<Error><Type>Sender</Type><Code>ValidationError</Code><Message>too long</Message></Error>');
    const failed = await codec.handle(new URLSearchParams({ Action: 'Put', Name: 'a' }));
    expect(failed.status).toBe(409);
    expect(String(failed.body)).toContain('<Code>Nope</Code>');
  });

  it('reads a map without entries, or a flattened list without items, as absent, and as empty where the member is required', () => {
    const model: ApiModel = {
      ...queryModel,
      shapes: {
        ...queryModel.shapes,
        PutInput: { ...(queryModel.shapes.PutInput as Shape), required: ['Name', 'Flat'] },
      },
    };
    const codec = new ModelQueryProtocol(model, { Put: async () => ({}) }, { serviceName: 'Test' });
    expect(codec.decode('Put', new URLSearchParams({ Name: 'a', 'Attributes.entry.1.value': 'no key', 'Flat.1.x': 'no value' }))).toEqual({
      Name: 'a',
      Flat: [],
    });
    expect(codec.decode('Put', new URLSearchParams({ Name: 'a', 'Items.member.1': 'x', Attributes: '' }))).toEqual({
      Name: 'a',
      Items: ['x'],
      Flat: [],
    });
  });

  it("writes a structure's elements in the order its dialect lists first, the others after them in the model's", () => {
    const codec = new ModelQueryProtocol(
      queryModel,
      { Put: async () => ({}) },
      { serviceName: 'Test' },
      { elementOrder: { PutOutput: ['At', 'Name'] } },
    );
    expect(codec.encode('Put', { Name: 'n', Items: ['x'], At: new Date(0) }, 'r')).toContain(
      '<PutResult><At>1970-01-01T00:00:00.000Z</At><Name>n</Name><Items><member>x</member></Items></PutResult>',
    );
  });

  it("handles the model's other operations, answering that the local service does not serve them", async () => {
    const codec = queryCodec({});
    expect(codec.handles('Later')).toBe(true);
    expect(codec.handles('Unknown')).toBe(false);
    const answer = await codec.handle(new URLSearchParams({ Action: 'Later' }));
    expect(String(answer.body)).toContain('<Code>InvalidAction</Code><Message>Later is not supported by the local Test service.</Message>');
  });
});

const restModel: ApiModel = {
  botocoreVersion: 'test',
  metadata: { apiVersion: '2020-01-01', protocol: 'rest-json' },
  operations: {
    GetThing: { input: 'GetThingInput', output: 'Thing', http: { method: 'GET', requestUri: '/v1/things/{Name}' } },
    ListThings: { input: 'ListInput', output: 'ThingList', http: { method: 'GET', requestUri: '/v1/things' } },
    PutThing: { input: 'PutInput', http: { method: 'PUT', requestUri: '/v1/things/{Name}', responseCode: 201 } },
  },
  otherOperations: { DeleteThing: { method: 'DELETE', requestUri: '/v1/things/{Name}' } },
  shapes: {
    GetThingInput: { type: 'structure', members: { Name: { shape: 'Text', location: 'uri', locationName: 'Name' } } },
    ListInput: {
      type: 'structure',
      members: {
        PageSize: { shape: 'Count', location: 'querystring', locationName: 'PageSize' },
        Keys: { shape: 'TextList', location: 'querystring', locationName: 'Keys' },
      },
    },
    PutInput: {
      type: 'structure',
      members: { Name: { shape: 'Text', location: 'uri', locationName: 'Name' }, Body: { shape: 'Text' }, Data: { shape: 'Bytes' } },
    },
    Thing: { type: 'structure', members: { Name: { shape: 'Text' }, At: { shape: 'Time' }, Data: { shape: 'Bytes' } } },
    ThingList: { type: 'structure', members: { Names: { shape: 'TextList' } } },
    ...SCALAR_SHAPES,
    TextList: { type: 'list', member: { shape: 'Text' } },
  },
};

const request = (method: string, path: string, body = '', query = ''): RawRequest => ({
  method,
  path,
  query: new URLSearchParams(query),
  headers: {},
  body: Buffer.from(body),
});

describe('ModelRestJsonProtocol', () => {
  const seen: [string, unknown][] = [];
  const codec = new ModelRestJsonProtocol(
    restModel,
    {
      GetThing: async (input: { Name: string }) => ({ Name: input.Name, At: new Date(1500), Data: Buffer.from('hi') }),
      ListThings: async () => ({ Names: ['a'] }),
      PutThing: async () => ({}),
    } as unknown as ModelOperations,
    { serviceName: 'Things', validate: (operation, input) => void seen.push([operation, input]) },
    { newerRoutes: [{ operation: 'ListThings', method: 'POST', requestUri: '/v1/list-things' }] },
  );

  it("routes by method and path, reads labels, query-string and body members, and answers JSON in the model's wire forms", async () => {
    const got = await codec.handle(request('GET', '/v1/things/one'));
    expect(got.status).toBe(200);
    expect(JSON.parse(String(got.body))).toEqual({ Name: 'one', At: 1.5, Data: 'aGk=' });
    await codec.handle(request('GET', '/v1/things', '', 'PageSize=5&Keys=a&Keys=b'));
    expect(seen.at(-1)).toEqual(['ListThings', { PageSize: 5, Keys: ['a', 'b'] }]);
    const put = await codec.handle(request('PUT', '/v1/things/two', '{"Body":"b","Extra":1}'));
    expect(put.status).toBe(201);
    expect(seen.at(-1)).toEqual(['PutThing', { Name: 'two', Body: 'b' }]);
  });

  it('serves a newer route of an operation with every input member in the body', async () => {
    expect(codec.handles({ method: 'POST', path: '/v1/list-things' })).toBe(true);
    await codec.handle(request('POST', '/v1/list-things', '{"PageSize":2}'));
    expect(seen.at(-1)).toEqual(['ListThings', { PageSize: 2 }]);
  });

  it("fails if a route is the model's but not the service's, or a body is not a JSON object, with an error the SDKs read", async () => {
    const unserved = await codec.handle(request('DELETE', '/v1/things/one'));
    expect(unserved).toMatchObject({ status: 400, headers: { 'x-amzn-errortype': 'UnknownOperationException' } });
    expect(JSON.parse(String(unserved.body))).toEqual({ message: 'DeleteThing is not supported by the local Things service.' });
    const notJson = await codec.handle(request('PUT', '/v1/things/one', '[1]'));
    expect(notJson).toMatchObject({ status: 400, headers: { 'x-amzn-errortype': 'SerializationException' } });
    expect(codec.handles({ method: 'GET', path: '/v2/elsewhere' })).toBe(false);
  });

  it('answers every method and path under its declared paths, one none of its routes takes as UnknownOperationException, and leaves its routes outside them to others', async () => {
    const scoped = new ModelRestJsonProtocol(
      restModel,
      { GetThing: async () => ({}) } as unknown as ModelOperations,
      { serviceName: 'Things' },
      { paths: /^\/v1\/things\/[^/]+$/ },
    );
    expect(scoped.handles({ method: 'PATCH', path: '/v1/things/one' })).toBe(true);
    expect(scoped.handles({ method: 'GET', path: '/v1/things' })).toBe(false);
    const unknown = await scoped.handle(request('PATCH', '/v1/things/one'));
    expect(unknown).toMatchObject({ status: 404, headers: { 'x-amzn-errortype': 'UnknownOperationException' } });
    expect(JSON.parse(String(unknown.body))).toEqual({ message: 'no Things operation is PATCH /v1/things/one' });
  });

  it("words its errors in the member its model's errors carry their text in", async () => {
    const model: ApiModel = {
      ...restModel,
      shapes: { ...restModel.shapes, Missing: { type: 'structure', exception: true, members: { Message: { shape: 'Text' } } } },
    };
    const codec = new ModelRestJsonProtocol(model, {} as ModelOperations, { serviceName: 'Things' });
    const answer = await codec.handle(request('GET', '/v1/things/one'));
    expect(JSON.parse(String(answer.body))).toEqual({ Message: 'GetThing is not supported by the local Things service.' });
  });

  it("reads a blob payload as the body's bytes, answers a blob payload as the body with undeclared headers, and an event stream as it comes", async () => {
    const model: ApiModel = {
      ...restModel,
      operations: {
        Invoke: { input: 'InvokeInput', output: 'InvokeOutput', http: { method: 'POST', requestUri: '/v1/invoke' } },
        Stream: { output: 'StreamOutput', http: { method: 'POST', requestUri: '/v1/stream' } },
      },
      shapes: {
        ...restModel.shapes,
        InvokeInput: {
          type: 'structure',
          payload: 'body',
          members: { body: { shape: 'Bytes' }, kind: { shape: 'Text', location: 'header', locationName: 'Content-Type' } },
        },
        InvokeOutput: {
          type: 'structure',
          payload: 'body',
          members: { body: { shape: 'Bytes' }, kind: { shape: 'Text', location: 'header', locationName: 'Content-Type' } },
        },
        StreamOutput: { type: 'structure', payload: 'events', members: { events: { shape: 'Events' } } },
        Events: { type: 'structure', eventstream: true, members: { chunk: { shape: 'Thing' } } },
      },
    };
    const inputs: unknown[] = [];
    async function* frames() {
      yield Buffer.from('one');
      yield Buffer.from('two');
    }
    const codec = new ModelRestJsonProtocol(
      model,
      {
        Invoke: async (input: unknown) => {
          inputs.push(input);
          return { body: Buffer.from('{"out":1}'), kind: 'application/json', [UNDECLARED_HEADERS]: { 'x-count': '3' } };
        },
        Stream: async () => ({ events: frames() }),
      } as unknown as ModelOperations,
      { serviceName: 'Things' },
    );
    const invoked = await codec.handle({ ...request('POST', '/v1/invoke', '{"in":1}'), headers: { 'content-type': 'application/json' } });
    expect(inputs).toEqual([{ body: Buffer.from('{"in":1}'), kind: 'application/json' }]);
    expect(invoked).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json', 'x-count': '3' },
      body: Buffer.from('{"out":1}'),
    });
    const streamed = await codec.handle(request('POST', '/v1/stream'));
    expect(streamed.headers).toMatchObject({ 'content-type': 'application/vnd.amazon.eventstream' });
    const parts: string[] = [];
    for await (const part of streamed.stream ?? []) parts.push(part.toString());
    expect(parts).toEqual(['one', 'two']);
  });

  it("fails with the members its model's error shape declares beside the message, as the error holds them", async () => {
    class Failed extends AwsError {
      readonly status2 = 'not declared';
      constructor(readonly originalStatusCode: number) {
        super('ModelError', 'the model failed', 424);
      }
    }
    const model: ApiModel = {
      ...restModel,
      shapes: {
        ...restModel.shapes,
        ModelError: {
          type: 'structure',
          exception: true,
          members: { message: { shape: 'Text' }, originalStatusCode: { shape: 'Count' }, resourceName: { shape: 'Text' } },
        },
      },
    };
    const codec = new ModelRestJsonProtocol(
      model,
      {
        GetThing: async () => {
          throw new Failed(500);
        },
      } as unknown as ModelOperations,
      { serviceName: 'Things' },
    );
    const answer = await codec.handle(request('GET', '/v1/things/one'));
    expect(answer).toMatchObject({ status: 424, headers: { 'x-amzn-errortype': 'ModelError' } });
    expect(JSON.parse(String(answer.body))).toEqual({ message: 'the model failed', originalStatusCode: 500 });
  });
});

/** A REST-XML model in S3's manner: greedy keys, `?sub-resources`, required query and header members, flattened lists. */
const xmlModel: ApiModel = {
  botocoreVersion: 'test',
  metadata: { apiVersion: '2006-03-01', protocol: 'rest-xml' },
  operations: {
    GetThing: { input: 'GetInput', output: 'GetOutput', http: { method: 'GET', requestUri: '/{Bucket}/{Key+}' } },
    PutThing: { input: 'PutInput', output: 'PutOutput', http: { method: 'PUT', requestUri: '/{Bucket}/{Key+}' } },
    PutPart: { input: 'PartInput', http: { method: 'PUT', requestUri: '/{Bucket}/{Key+}', responseCode: 204 } },
    ListThings: { input: 'ListInput', output: 'ListOutput', http: { method: 'GET', requestUri: '/{Bucket}?list-type=2' } },
    Forget: { input: 'ForgetInput', output: 'ForgetOutput', http: { method: 'POST', requestUri: '/{Bucket}?delete' } },
  },
  otherOperations: {
    CopyPart: { method: 'PUT', requestUri: '/{Bucket}/{Key+}', requiredQuery: ['uploadId'], requiredHeaders: ['x-amz-copy-source'] },
    GetAcl: { method: 'GET', requestUri: '/{Bucket}/{Key+}?acl' },
  },
  shapes: {
    GetInput: {
      type: 'structure',
      members: {
        Bucket: { shape: 'Text', location: 'uri', locationName: 'Bucket' },
        Key: { shape: 'Text', location: 'uri', locationName: 'Key' },
        Range: { shape: 'Text', location: 'header', locationName: 'Range' },
      },
    },
    GetOutput: {
      type: 'structure',
      payload: 'Body',
      members: {
        Body: { shape: 'Bytes' },
        LastModified: { shape: 'Time', location: 'header', locationName: 'Last-Modified' },
        Metadata: { shape: 'Meta', location: 'headers', locationName: 'x-amz-meta-' },
      },
    },
    PutInput: {
      type: 'structure',
      payload: 'Body',
      members: {
        Bucket: { shape: 'Text', location: 'uri', locationName: 'Bucket' },
        Key: { shape: 'Text', location: 'uri', locationName: 'Key' },
        Body: { shape: 'Bytes' },
        Metadata: { shape: 'Meta', location: 'headers', locationName: 'x-amz-meta-' },
      },
    },
    PutOutput: { type: 'structure', members: { ETag: { shape: 'Text', location: 'header', locationName: 'ETag' } } },
    PartInput: {
      type: 'structure',
      required: ['UploadId'],
      members: {
        Bucket: { shape: 'Text', location: 'uri', locationName: 'Bucket' },
        Key: { shape: 'Text', location: 'uri', locationName: 'Key' },
        UploadId: { shape: 'Text', location: 'querystring', locationName: 'uploadId' },
        PartNumber: { shape: 'Count', location: 'querystring', locationName: 'partNumber' },
      },
    },
    ListInput: {
      type: 'structure',
      members: {
        Bucket: { shape: 'Text', location: 'uri', locationName: 'Bucket' },
        MaxKeys: { shape: 'Count', location: 'querystring', locationName: 'max-keys' },
      },
    },
    ListOutput: { type: 'structure', members: { Name: { shape: 'Text' }, Contents: { shape: 'Items' }, Truncated: { shape: 'Flag' } } },
    ForgetInput: {
      type: 'structure',
      payload: 'Delete',
      members: {
        Bucket: { shape: 'Text', location: 'uri', locationName: 'Bucket' },
        Delete: { shape: 'Forgotten', locationName: 'Delete' },
      },
    },
    Forgotten: { type: 'structure', members: { Objects: { shape: 'Items', locationName: 'Object' }, Quiet: { shape: 'Flag' } } },
    ForgetOutput: { type: 'structure', payload: 'Result', members: { Result: { shape: 'Names', locationName: 'DeleteResult' } } },
    Names: { type: 'structure', members: { Tags: { shape: 'TagSet' } } },
    TagSet: { type: 'list', member: { shape: 'Text', locationName: 'Tag' } },
    Items: { type: 'list', member: { shape: 'Item' }, flattened: true },
    Item: { type: 'structure', members: { Key: { shape: 'Text' }, At: { shape: 'Time' } } },
    Meta: { type: 'map', key: { shape: 'Text' }, value: { shape: 'Text' } },
    ...SCALAR_SHAPES,
  },
};

describe('ModelRestXmlProtocol', () => {
  const seen: [string, unknown][] = [];
  const record =
    (name: string, output: unknown = {}) =>
    async (input: unknown) => {
      seen.push([name, input]);
      return output;
    };
  const codec = new ModelRestXmlProtocol(
    xmlModel,
    {
      GetThing: record('GetThing', {
        Body: Buffer.from('bytes'),
        LastModified: new Date(Date.UTC(2026, 0, 2)),
        Metadata: { owner: 'me' },
        [RESPONSE_STATUS]: 206,
      }),
      PutThing: record('PutThing', { ETag: '"e"' }),
      PutPart: record('PutPart'),
      ListThings: record('ListThings', { Name: 'b', Contents: [{ Key: 'a&b', At: new Date(1500) }, { Key: 'c' }], Truncated: false }),
      Forget: record('Forget', { Result: { Tags: ['x'] } }),
    } as unknown as ModelOperations,
    { serviceName: 'Things' },
    {
      xmlNamespace: 'http://test/doc/',
      escaping: { entities: 'named' },
      roots: { ListThings: 'ListResult' },
      unknown: () => new AwsError('MethodNotAllowed', 'not allowed', 405),
      unsupported: (operation) => new AwsError('NotImplemented', `${operation} is not served`, 501),
      malformed: () => new AwsError('MalformedXML', 'not well-formed'),
    },
  );
  const xmlRequest = (method: string, path: string, query = '', headers: Record<string, string> = {}, body = '') => ({
    ...request(method, path, body, query),
    headers,
  });

  it("routes by method, path, the requestUri's query names and the required query and header members, the most specific winning", () => {
    expect(codec.operationOf(xmlRequest('PUT', '/b/k'))).toBe('PutThing');
    expect(codec.operationOf(xmlRequest('PUT', '/b/k', 'uploadId=u&partNumber=2'))).toBe('PutPart');
    expect(codec.operationOf(xmlRequest('PUT', '/b/k', 'uploadId=u', { 'x-amz-copy-source': 'b/o' }))).toBe('CopyPart');
    expect(codec.operationOf(xmlRequest('GET', '/b', 'list-type=2'))).toBe('ListThings');
    expect(codec.operationOf(xmlRequest('GET', '/b', 'list-type=1'))).toBeUndefined();
    expect(codec.operationOf(xmlRequest('GET', '/b/k', 'acl'))).toBe('GetAcl');
    expect(codec.operationOf(xmlRequest('GET', '/b/k', 'x-id=GetThing'))).toBe('GetThing');
  });

  it('reads greedy labels, headers under a prefix, query members by type and a blob payload as its bytes', async () => {
    await codec.answer(xmlRequest('PUT', '/b/dir/a b/', '', { 'x-amz-meta-owner': 'me', 'content-type': 'text/plain' }, 'hello'));
    expect(seen.at(-1)).toEqual(['PutThing', { Bucket: 'b', Key: 'dir/a b/', Body: Buffer.from('hello'), Metadata: { owner: 'me' } }]);
    await codec.answer(xmlRequest('PUT', '/b/k', 'uploadId=u&partNumber=2'));
    expect(seen.at(-1)).toEqual(['PutPart', { Bucket: 'b', Key: 'k', UploadId: 'u', PartNumber: 2 }]);
  });

  it("reads a structure payload from its XML element, a flattened list from its repeated elements, and answers a structure payload under its element's name", async () => {
    const body =
      '<?xml version="1.0"?><Delete xmlns="http://test/doc/"><Object><Key>a&amp;b</Key></Object><Object><Key><![CDATA[c<d]]></Key></Object><Quiet>true</Quiet></Delete>';
    const answer = await codec.answer(xmlRequest('POST', '/b', 'delete', {}, body));
    expect(seen.at(-1)).toEqual(['Forget', { Bucket: 'b', Delete: { Objects: [{ Key: 'a&b' }, { Key: 'c<d' }], Quiet: true } }]);
    expect(answer.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://test/doc/"><Tags><Tag>x</Tag></Tags></DeleteResult>',
    );
  });

  it("answers the body members as a document under the dialect's root in its namespace, flattened lists repeated, text escaped as it says", async () => {
    const answer = await codec.answer(xmlRequest('GET', '/b', 'list-type=2&max-keys=5'));
    expect(seen.at(-1)).toEqual(['ListThings', { Bucket: 'b', MaxKeys: 5 }]);
    expect(answer).toEqual({
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body:
        '<?xml version="1.0" encoding="UTF-8"?>\n<ListResult xmlns="http://test/doc/"><Name>b</Name>' +
        '<Contents><Key>a&amp;b</Key><At>1970-01-01T00:00:01.500Z</At></Contents><Contents><Key>c</Key></Contents><Truncated>false</Truncated></ListResult>',
    });
  });

  it('answers a blob payload as the body, header members as headers (timestamps as HTTP dates, a prefixed map under its prefix), with the status the operation gives', async () => {
    const answer = await codec.answer(xmlRequest('GET', '/b/k'));
    expect(answer).toEqual({
      status: 206,
      headers: { 'last-modified': 'Fri, 02 Jan 2026 00:00:00 GMT', 'x-amz-meta-owner': 'me' },
      body: Buffer.from('bytes'),
    });
    expect((await codec.answer(xmlRequest('PUT', '/b/k', 'uploadId=u'))).status).toBe(204);
  });

  it("fails if no route takes the request, the service does not serve the operation, or the body is not the payload's XML, in the dialect's words", async () => {
    await expect(codec.answer(xmlRequest('PATCH', '/b/k'))).rejects.toMatchObject({ code: 'MethodNotAllowed' });
    await expect(codec.answer(xmlRequest('GET', '/b/k', 'acl'))).rejects.toMatchObject({
      code: 'NotImplemented',
      message: 'GetAcl is not served',
    });
    await expect(codec.answer(xmlRequest('POST', '/b', 'delete', {}, '<Delete><Object></Delete>'))).rejects.toMatchObject({
      code: 'MalformedXML',
    });
    await expect(codec.answer(xmlRequest('POST', '/b', 'delete', {}, '<Other/>'))).rejects.toMatchObject({ code: 'MalformedXML' });
  });
});

/** A model with Lambda's specials: a route shared by a query, a numeric label, a raw payload in and out, a status member, a 204. */
const payloadModel: ApiModel = {
  botocoreVersion: 'test',
  metadata: { apiVersion: '2020-01-01', protocol: 'rest-json' },
  operations: {
    Run: { input: 'RunInput', output: 'RunOutput', http: { method: 'POST', requestUri: '/v1/runs/{Name}' } },
    FindVersion: { input: 'Find', output: 'Found', http: { method: 'GET', requestUri: '/v1/layers?find=Version' } },
    ListLayers: { input: 'Empty', output: 'Found', http: { method: 'GET', requestUri: '/v1/layers' } },
    DropVersion: { input: 'Drop', http: { method: 'DELETE', requestUri: '/v1/layers/{Number}', responseCode: 204 } },
  },
  shapes: {
    Empty: { type: 'structure', members: {} },
    RunInput: {
      type: 'structure',
      payload: 'Payload',
      members: {
        Name: { shape: 'Text', location: 'uri', locationName: 'Name' },
        Mode: { shape: 'Text', location: 'header', locationName: 'X-Mode' },
        Payload: { shape: 'Bytes' },
      },
    },
    RunOutput: {
      type: 'structure',
      payload: 'Payload',
      members: {
        StatusCode: { shape: 'Count', location: 'statusCode' },
        Failure: { shape: 'Text', location: 'header', locationName: 'X-Failure' },
        Payload: { shape: 'Bytes' },
      },
    },
    Find: { type: 'structure', members: { Arn: { shape: 'Text', location: 'querystring', locationName: 'Arn' }, Note: { shape: 'Text' } } },
    Found: { type: 'structure', members: { Operation: { shape: 'Text' } } },
    Drop: { type: 'structure', members: { Number: { shape: 'Long', location: 'uri', locationName: 'Number' } } },
    ...SCALAR_SHAPES,
  },
};

describe('ModelRestJsonProtocol, with payloads, status members and routes shared by a query', () => {
  const seen: [string, unknown][] = [];
  const codec = new ModelRestJsonProtocol(
    payloadModel,
    {
      Run: async (input: { Mode?: string; Payload: Buffer }, call: { requestId: string }) => {
        if (input.Mode === 'queue') {
          call.requestId = 'queued-1';
          return { StatusCode: 202 };
        }
        return { StatusCode: 200, Failure: 'Unhandled', Payload: `got ${input.Payload.toString('utf8')}` };
      },
      FindVersion: async () => ({ Operation: 'FindVersion' }),
      ListLayers: async () => ({ Operation: 'ListLayers' }),
      DropVersion: async (input: unknown) => void seen.push(['DropVersion', input]),
    } as unknown as ModelOperations,
    { serviceName: 'Runs' },
    {
      errorDocument: (error, operation) => ({ status: error.status, headers: {}, body: `${operation}: ${error.message}` }),
      bodyRefusal: (reason) => new AwsError('InvalidRequestContentException', `unreadable: ${reason}`),
    },
  );

  it("reads a blob payload as the body's bytes and answers one as the body, its status and headers from the output's members", async () => {
    const answer = await codec.handle({ ...request('POST', '/v1/runs/one', 'not json'), headers: { 'x-mode': 'now' } });
    expect(answer).toMatchObject({ status: 200, headers: { 'x-failure': 'Unhandled' }, body: 'got not json' });
  });

  it('answers under the request id the operation sets, with an empty body when the payload is absent', async () => {
    const answer = await codec.handle({ ...request('POST', '/v1/runs/one', '{}'), headers: { 'x-mode': 'queue' } });
    expect(answer).toMatchObject({ status: 202, headers: { 'x-amzn-requestid': 'queued-1' }, body: '' });
  });

  it('routes a request to the operation its query names, and to the one sharing its path without it', async () => {
    const found = await codec.handle(request('GET', '/v1/layers', '', 'find=Version&Arn=a'));
    expect(JSON.parse(String(found.body))).toEqual({ Operation: 'FindVersion' });
    const listed = await codec.handle(request('GET', '/v1/layers'));
    expect(JSON.parse(String(listed.body))).toEqual({ Operation: 'ListLayers' });
  });

  it('reads a numeric path label as a number and answers a 204 without a body', async () => {
    const answer = await codec.handle(request('DELETE', '/v1/layers/3'));
    expect(seen.at(-1)).toEqual(['DropVersion', { Number: 3 }]);
    expect(answer.status).toBe(204);
    expect(answer.body).toBeUndefined();
  });

  it("fails if a body is not JSON, in the service's own words and error document naming the operation", async () => {
    const answer = await codec.handle(request('GET', '/v1/layers', '{', 'find=Version'));
    expect(answer).toMatchObject({ status: 400, body: expect.stringMatching(/^FindVersion: unreadable: /) });
    expect(codec.errorResponse(new AwsError('RequestEntityTooLarge', 'too big', 413), 'POST', '/v1/runs/one').body).toBe('Run: too big');
  });
});
