import { describe, expect, it } from 'vitest';
import { xmlToJsonString, xmlToMap } from '../../../local/appsync/xml-map.js';

describe('xmlToMap', () => {
  // AppSync's own examples (xml-helpers-in-util-xml-js.html): the recorded answers.
  it("answers AppSync's first documented example: an element of text is its value, a number read as one", () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?> <posts> <post> <id>1</id> <title>Getting started with GraphQL</title> </post> </posts>';
    expect(xmlToMap(xml)).toEqual({ posts: { post: { id: 1, title: 'Getting started with GraphQL' } } });
  });

  it("answers AppSync's second documented example: an element repeated under one parent is a list, in order", () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?> <posts> <post> <id>1</id> <title>Getting started with GraphQL</title> </post> <post> <id>2</id> <title>Getting started with AppSync</title> </post> </posts>';
    expect(xmlToMap(xml)).toEqual({
      posts: {
        post: [
          { id: 1, title: 'Getting started with GraphQL' },
          { id: 2, title: 'Getting started with AppSync' },
        ],
      },
    });
  });

  it("reads SQS's SendMessage answer as an HTTP data source gets it: its attributes are keys, hex and ids stay text", () => {
    const xml = `<?xml version="1.0"?><SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><SendMessageResult><MessageId>f2552a22-e618-4dd6-aefc-271924e99979</MessageId><MD5OfMessageBody>3fa28e22e24c002de8ef8bdeb59b431e</MD5OfMessageBody></SendMessageResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></SendMessageResponse>`;
    expect(xmlToMap(xml).SendMessageResponse).toEqual({
      xmlns: 'http://queue.amazonaws.com/doc/2012-11-05/',
      SendMessageResult: { MessageId: 'f2552a22-e618-4dd6-aefc-271924e99979', MD5OfMessageBody: '3fa28e22e24c002de8ef8bdeb59b431e' },
      ResponseMetadata: { RequestId: 'r-1' },
    });
  });

  it('keeps as text what only looks like a number (leading zeros, past 2^53), reads true, false and null, and an empty element as ""', () => {
    const xml = '<a><zip>01234</zip><big>12345678901234567890</big><ok>true</ok><no>FALSE</no><none>null</none><empty/><x>-1.5e3</x></a>';
    expect(xmlToMap(xml)).toEqual({
      a: { zip: '01234', big: '12345678901234567890', ok: true, no: false, none: null, empty: '', x: -1500 },
    });
  });

  it('puts text beside elements under content, unescaped, CDATA as text', () => {
    expect(xmlToMap('<note lang="en">Hi &amp; bye<to>Ana</to><![CDATA[ <raw> ]]></note>')).toEqual({
      note: { lang: 'en', to: 'Ana', content: 'Hi & bye <raw>' },
    });
  });

  it('writes the map as JSON, or that JSON as a JSON string when asked to string-encode it', () => {
    expect(xmlToJsonString('<a><b>1</b></a>')).toBe('{"a":{"b":1}}');
    expect(xmlToJsonString('<a><b>1</b></a>', true)).toBe('"{\\"a\\":{\\"b\\":1}}"');
  });

  it('fails if the text is not XML, naming where it stopped', () => {
    expect(() => xmlToMap('<a><b></a>')).toThrow(/util\.xml\.toMap: the text is not XML \(<\/a> closes no open element\)/);
    expect(() => xmlToMap('not xml')).toThrow(/not XML/);
  });
});
