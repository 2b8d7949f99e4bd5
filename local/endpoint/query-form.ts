import type { AwsError } from '../aws-error.js';
import type { RawResponse } from './protocols.js';
import { escapeXml, type XmlEscaping } from './xml-escape.js';

/**
 * The AWS query protocol's pieces that every query service shares (SQS, SNS,
 * CloudFormation): the form's dotted keys read as a tree, and the XML answer's elements.
 * Lists are `<Name>.member.N` and maps `<Name>.entry.N.key/value`, or flattened
 * (`<Name>.N`, SQS's), as botocore's service models define them.
 */

/** A list's wrapper: `member`/`entry` (`Name.member.N`), or none for a flattened list (`Name.N`). */
type Wrapper = 'member' | 'entry' | 'flattened';

/** The form's dotted keys as a tree: `MessageAttributes.entry.1.Value.DataType` is five levels. */
export class FormParams {
  value: string | undefined;
  readonly children = new Map<string, FormParams>();

  static parse(form: URLSearchParams): FormParams {
    const root = new FormParams();
    for (const [key, value] of form) {
      let node = root;
      for (const part of key.split('.')) {
        let child = node.children.get(part);
        if (!child) {
          child = new FormParams();
          node.children.set(part, child);
        }
        node = child;
      }
      node.value ??= value;
    }
    return root;
  }

  has(name: string): boolean {
    return this.children.has(name);
  }

  string(name: string): string | undefined {
    return this.children.get(name)?.value;
  }

  /**
   * A number when the text is an integer; anything else stays text, so that the operation's
   * own validation rejects it with the service's wording ("Value abc for parameter ... is invalid").
   */
  integer(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    return /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : (value as unknown as number);
  }

  /** `name.<wrapper>.N` (or `name.N`, flattened), in index order. */
  #indexed(name: string, wrapper: Wrapper): FormParams[] {
    const named = this.children.get(name);
    const list = wrapper === 'flattened' ? named : named?.children.get(wrapper);
    if (!list) return [];
    return [...list.children]
      .filter(([index]) => /^[1-9]\d*$/.test(index))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, node]) => node);
  }

  members(name: string): FormParams[] {
    return this.#indexed(name, 'member');
  }

  /** A flattened list of structures: `name.1.*`, `name.2.*`, ... in index order. */
  flattened(name: string): FormParams[] {
    return this.#indexed(name, 'flattened');
  }

  /** A list of strings (`name.member.N`, or `name.N` flattened); undefined when there is none. */
  strings(name: string, wrapper: Wrapper = 'member'): string[] | undefined {
    const values = this.#indexed(name, wrapper).flatMap((item) => (item.value === undefined ? [] : [item.value]));
    return values.length > 0 ? values : undefined;
  }

  /**
   * A string map: `name.entry.N.key` and `name.entry.N.value`, or another wrapper and member
   * names (SQS's flattened `Attribute.N.Name`/`Value`); undefined when absent.
   */
  map(name: string, { wrapper = 'entry', key = 'key', value = 'value' }: { wrapper?: Wrapper; key?: string; value?: string } = {}) {
    const pairs = this.#indexed(name, wrapper).flatMap((entry) => {
      const k = entry.string(key);
      return k === undefined ? [] : [[k, entry.string(value) ?? ''] as const];
    });
    // fromEntries, not assignment, so that a name like `__proto__` stays an ordinary key.
    return pairs.length > 0 ? (Object.fromEntries(pairs) as Record<string, string>) : undefined;
  }

  tags(name: string): { Key: string; Value: string }[] | undefined {
    const tags = this.members(name).map((m) => ({ Key: m.string('Key') ?? '', Value: m.string('Value') ?? '' }));
    return tags.length > 0 ? tags : undefined;
  }

  /**
   * `name.entry.N.Name` (or `name.N.Name`, flattened) with
   * `...Value.{DataType,StringValue,BinaryValue}` and SQS's `StringListValue.M`/`BinaryListValue.M`.
   */
  messageAttributes(name: string, wrapper: Wrapper = 'entry') {
    const pairs = this.#indexed(name, wrapper).flatMap((entry) => {
      const attributeName = entry.string('Name');
      if (attributeName === undefined) return [];
      const value = entry.children.get('Value') ?? new FormParams();
      return [
        [
          attributeName,
          compact({
            DataType: value.string('DataType'),
            StringValue: value.string('StringValue'),
            BinaryValue: value.string('BinaryValue'),
            StringListValues: value.strings('StringListValue', 'flattened'),
            BinaryListValues: value.strings('BinaryListValue', 'flattened'),
          }),
        ] as const,
      ];
    });
    return pairs.length > 0 ? Object.fromEntries(pairs) : undefined;
  }
}

export function entries(name: string, map: unknown): string {
  const content = Object.entries((map ?? {}) as Record<string, string>)
    .map(([key, value]) => element('entry', text('key', key) + text('value', value)))
    .join('');
  return element(name, content);
}

export function members(name: string, list: unknown, encode: (item: Record<string, unknown>) => string): string {
  return element(name, ((list ?? []) as Record<string, unknown>[]).map((item) => element('member', encode(item))).join(''));
}

/** An element holding the value as text (nothing for no value), escaped as the service escapes (SQS: named entities and CR). */
export function text(name: string, value: unknown, escaping?: XmlEscaping): string {
  return value === undefined || value === null ? '' : `<${name}>${escapeXml(String(value), escaping)}</${name}>`;
}

export function element(name: string, content: string): string {
  return content === '' ? `<${name}/>` : `<${name}>${content}</${name}>`;
}

export function xmlResponse(status: number, body: string, requestId: string): RawResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** `<ActionResponse>` with the action's result (when it has one) and the request id, as the query services answer. */
export function queryResponse(xmlns: string, action: string, result: string | undefined, requestId: string): RawResponse {
  return xmlResponse(200, queryResponseBody(xmlns, action, result, requestId), requestId);
}

/** The `<ActionResponse>` document itself. */
export function queryResponseBody(xmlns: string, action: string, result: string | undefined, requestId: string): string {
  return (
    `<?xml version="1.0"?><${action}Response xmlns="${xmlns}">${result === undefined ? '' : element(`${action}Result`, result)}` +
    `${element('ResponseMetadata', text('RequestId', requestId))}</${action}Response>`
  );
}

/** The query services' `<ErrorResponse>` document (SNS, CloudFormation), with the error's status. */
export function queryErrorResponse(xmlns: string, error: AwsError, requestId: string): RawResponse {
  const body =
    `<?xml version="1.0"?><ErrorResponse xmlns="${xmlns}"><Error>` +
    text('Type', error.senderFault ? 'Sender' : 'Receiver') +
    text('Code', error.code) +
    text('Message', error.message) +
    `</Error>${text('RequestId', requestId)}</ErrorResponse>`;
  return xmlResponse(error.status, body, requestId);
}
