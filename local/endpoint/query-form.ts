import type { AwsError } from '../aws-error.js';
import type { RawResponse } from './protocols.js';
import { escapeXml } from './xml-escape.js';

/**
 * The AWS query protocol's pieces that every query service shares (SNS, CloudFormation):
 * the form's dotted keys read as a tree, and the XML answer's elements. Lists are
 * `<Name>.member.N`, maps `<Name>.entry.N.key/value`, as botocore's service models define them.
 */

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

  /** `name.<wrapper>.N`, in index order. */
  #indexed(name: string, wrapper: 'member' | 'entry'): FormParams[] {
    const list = this.children.get(name)?.children.get(wrapper);
    if (!list) return [];
    return [...list.children]
      .filter(([index]) => /^[1-9]\d*$/.test(index))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, node]) => node);
  }

  members(name: string): FormParams[] {
    return this.#indexed(name, 'member');
  }

  /** A string map: `name.entry.N.key` and `name.entry.N.value`; undefined when absent. */
  map(name: string): Record<string, string> | undefined {
    const pairs = this.#indexed(name, 'entry').flatMap((entry) => {
      const key = entry.string('key');
      return key === undefined ? [] : [[key, entry.string('value') ?? ''] as const];
    });
    return pairs.length > 0 ? Object.fromEntries(pairs) : undefined;
  }

  tags(name: string): { Key: string; Value: string }[] | undefined {
    const tags = this.members(name).map((m) => ({ Key: m.string('Key') ?? '', Value: m.string('Value') ?? '' }));
    return tags.length > 0 ? tags : undefined;
  }

  /** `name.entry.N.Name` with `name.entry.N.Value.{DataType,StringValue,BinaryValue}`. */
  messageAttributes(name: string) {
    const pairs = this.#indexed(name, 'entry').flatMap((entry) => {
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

export function text(name: string, value: unknown): string {
  return value === undefined || value === null ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
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
  const body =
    `<?xml version="1.0"?><${action}Response xmlns="${xmlns}">${result === undefined ? '' : element(`${action}Result`, result)}` +
    `${element('ResponseMetadata', text('RequestId', requestId))}</${action}Response>`;
  return xmlResponse(200, body, requestId);
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
