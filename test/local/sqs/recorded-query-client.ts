import { pythonShape } from '../../helpers/recorded-answers.js';
import { credentials, region } from '../helpers.js';
import type { Answer } from './recorded-replay.js';

/**
 * The recordings' `sqs_query` client: botocore speaking SQS's query (XML) protocol. A replay's
 * SDK v3 command (which speaks JSON) is sent instead as botocore's query serializer writes it
 * (every list and map flattened under SQS's member names: `Attribute.1.Name`,
 * `MessageAttributeName.1`, `SendMessageBatchRequestEntry.1.Id`, ...) and the XML answer read
 * back as botocore's query parser reports it. Written from SQS's query API reference, not from
 * the local runtime's codec, so that the two check each other.
 */

/** Input members whose query name differs: a list's or map's element name, flattened. */
const QUERY_NAMES: Readonly<Record<string, string>> = {
  Attributes: 'Attribute',
  AttributeNames: 'AttributeName',
  MessageAttributeNames: 'MessageAttributeName',
  MessageSystemAttributeNames: 'MessageSystemAttributeName',
  MessageAttributes: 'MessageAttribute',
  MessageSystemAttributes: 'MessageSystemAttribute',
  Tags: 'Tag',
  tags: 'Tag',
  TagKeys: 'TagKey',
  AWSAccountIds: 'AWSAccountId',
  Actions: 'ActionName',
};
/** A map's key and value names: tags have Key/Value, the others Name/Value. */
const MAP_ENTRY: Readonly<Record<string, readonly [string, string]>> = { Tags: ['Key', 'Value'], tags: ['Key', 'Value'] };
/** Message attribute values: the members whose values are maps of {DataType, StringValue, BinaryValue}. */
const ATTRIBUTE_VALUES = new Set(['MessageAttributes', 'MessageSystemAttributes']);

/** The form botocore posts for an operation's input. */
export function queryForm(action: string, input: Record<string, unknown>): Record<string, string> {
  const form: Record<string, string> = { Action: action, Version: '2012-11-05' };
  const put = (prefix: string, name: string, value: unknown, entries = `${action}RequestEntry`) => {
    if (value === undefined || value === null) return;
    const key = `${prefix}${QUERY_NAMES[name] ?? name}`;
    if (name === 'Entries') {
      (value as Record<string, unknown>[]).forEach((entry, i) => {
        for (const [member, inner] of Object.entries(entry)) put(`${entries}.${i + 1}.`, member, inner);
      });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        form[`${key}.${i + 1}`] = String(item);
      });
    } else if (value instanceof Uint8Array) {
      form[key] = Buffer.from(value).toString('base64');
    } else if (typeof value === 'object') {
      const [keyName, valueName] = MAP_ENTRY[name] ?? ['Name', 'Value'];
      Object.entries(value as Record<string, unknown>).forEach(([mapKey, mapValue], i) => {
        form[`${key}.${i + 1}.${keyName}`] = mapKey;
        if (ATTRIBUTE_VALUES.has(name)) {
          for (const [member, inner] of Object.entries(mapValue as Record<string, unknown>))
            put(`${key}.${i + 1}.${valueName}.`, member, inner);
        } else {
          form[`${key}.${i + 1}.${valueName}`] = String(mapValue);
        }
      });
    } else {
      form[key] = String(value);
    }
  };
  for (const [name, value] of Object.entries(input)) put('', name, value);
  return form;
}

/** Headers a replay adds to one command's request (the test's botocore hook), whichever client sends it. */
export const REQUEST_HEADERS = new WeakMap<object, Record<string, string>>();

/** One query call of an SDK command (its class names the action); the answer or error as botocore reports it. */
export async function queryCommand(url: string, command: object): Promise<Answer> {
  const action = command.constructor.name.replace(/Command$/, '');
  const input = (command as { input: Record<string, unknown> }).input;
  const target = typeof input.QueueUrl === 'string' && /^https?:/.test(input.QueueUrl) ? input.QueueUrl : url;
  const response = await fetch(target, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/${region}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
      ...REQUEST_HEADERS.get(command),
    },
    body: new URLSearchParams(queryForm(action, input)),
  });
  const xml = await response.text();
  if (response.status >= 400) return queryError(xml, response.status);
  const result = new RegExp(`<${action}Result>([\\s\\S]*)</${action}Result>`).exec(xml)?.[1] ?? '';
  // ListQueues' and ListDeadLetterSourceQueues' URLs are a flattened list; CreateQueue's and GetQueueUrl's one URL is not.
  const lists: Record<string, string> =
    action === 'ListQueues' ? { QueueUrl: 'QueueUrls' } : action === 'ListDeadLetterSourceQueues' ? { QueueUrl: 'queueUrls' } : {};
  return { ...(pythonShape(structure(elements(result), lists)) as object), ResponseMetadata: { HTTPStatusCode: response.status } };
}

/** An `<ErrorResponse>` as botocore's query parser reports it (`Detail: null` where the document has an empty one). */
export function queryError(xml: string, status: number): Answer {
  const field = (tag: string) => xmlText(xml.match(new RegExp(`<${tag}>([^<]*)</${tag}>`))?.[1] ?? '');
  const error: Record<string, unknown> = { Code: field('Code'), Message: field('Message'), Type: field('Type') };
  if (/<Detail\s*\/>|<Detail><\/Detail>/.test(xml)) error.Detail = null;
  return { Error: error, ResponseMetadata: { HTTPStatusCode: status } };
}

/** A result's element names: lists (flattened, so repeated) and maps, by element, with the output member they fill. */
const LISTS: Readonly<Record<string, string>> = {
  Message: 'Messages',
  SendMessageBatchResultEntry: 'Successful',
  DeleteMessageBatchResultEntry: 'Successful',
  ChangeMessageVisibilityBatchResultEntry: 'Successful',
  BatchResultErrorEntry: 'Failed',
  ListMessageMoveTasksResultEntry: 'Results',
};
const MAPS: Readonly<Record<string, readonly [member: string, key: string]>> = {
  Attribute: ['Attributes', 'Name'],
  MessageAttribute: ['MessageAttributes', 'Name'],
  Tag: ['Tags', 'Key'],
};
const NUMBERS = new Set([
  'ApproximateNumberOfMessagesMoved',
  'ApproximateNumberOfMessagesToMove',
  'MaxNumberOfMessagesPerSecond',
  'StartedTimestamp',
]);
const BOOLEANS = new Set(['SenderFault']);

type Element = { name: string; text: string; children: Element[] };

/** The elements of an XML fragment, as a tree (SQS's answers have no attributes or mixed content). */
function elements(xml: string): Element[] {
  const root: Element = { name: '', text: '', children: [] };
  const stack = [root];
  for (const token of xml.matchAll(/<(\/?)([A-Za-z][\w.]*)\s*(\/?)>|([^<]+)/g)) {
    const top = stack[stack.length - 1] as Element;
    if (token[4] !== undefined) top.text += token[4];
    else if (token[1]) stack.pop();
    else {
      const element: Element = { name: token[2] as string, text: '', children: [] };
      top.children.push(element);
      if (!token[3]) stack.push(element);
    }
  }
  return root.children;
}

function structure(children: Element[], lists: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const child of children) {
    const list = LISTS[child.name] ?? lists[child.name];
    const map = MAPS[child.name];
    if (list) {
      const items = (out[list] as unknown[] | undefined) ?? [];
      items.push(elementValue(child));
      out[list] = items;
    } else if (map) {
      const [member, keyName] = map;
      const entries = (out[member] as Record<string, unknown> | undefined) ?? {};
      out[member] = entries;
      const key = child.children.find((c) => c.name === keyName);
      const value = child.children.find((c) => c.name === 'Value');
      entries[xmlText(key?.text ?? '')] = value ? elementValue(value) : '';
    } else out[child.name] = elementValue(child);
  }
  return out;
}

function elementValue(element: Element): unknown {
  if (element.children.length > 0) return structure(element.children);
  const text = xmlText(element.text);
  if (NUMBERS.has(element.name)) return Number(text);
  if (BOOLEANS.has(element.name)) return text === 'true';
  if (element.name === 'BinaryValue') return new Uint8Array(Buffer.from(text, 'base64'));
  return text;
}

function xmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|quot|apos|lt|gt|amp);/gi, (_, entity: string) => {
    if (entity[0] === '#') return String.fromCodePoint(entity[1] === 'x' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
    return { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' }[entity.toLowerCase()] as string;
  });
}
