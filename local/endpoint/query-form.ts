import type { AwsError } from './aws-error.js';
import type { RawResponse } from './protocols.js';
import { escapeXml, type XmlEscaping } from './xml-escape.js';

/**
 * The AWS query protocol's pieces that the codec (`model-protocols/query-codec.ts`) and the
 * services' own error documents share: the form's dotted keys read as a tree, and the XML
 * answer's elements.
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

/** The `<ActionResponse>` document, with the action's result (when it has one) and the request id, as the query services answer. */
export function queryResponseBody(xmlns: string, action: string, result: string | undefined, requestId: string): string {
  return (
    `<?xml version="1.0"?><${action}Response xmlns="${xmlns}">${result === undefined ? '' : element(`${action}Result`, result)}` +
    `${element('ResponseMetadata', text('RequestId', requestId))}</${action}Response>`
  );
}

/** The query services' `<ErrorResponse>` document (SNS, CloudFormation, SES), with the error's status. */
export function queryErrorResponse(xmlns: string, error: AwsError, requestId: string): RawResponse {
  const body =
    `<?xml version="1.0"?><ErrorResponse xmlns="${xmlns}"><Error>` +
    text('Type', error.senderFault ? 'Sender' : 'Receiver') +
    text('Code', error.code) +
    text('Message', error.message) +
    `</Error>${text('RequestId', requestId)}</ErrorResponse>`;
  return xmlResponse(error.status, body, requestId);
}

/** The EC2 protocol's `<ActionResponse>`: the request id first, then the output's members, with no result wrapper. */
export function ec2ResponseBody(xmlns: string, action: string, members: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns.endsWith('/') ? xmlns : `${xmlns}/`}">${text('requestId', requestId)}${members}</${action}Response>`;
}

/** The EC2 protocol's error document (`<Response><Errors><Error>`, `<RequestID>`), with the error's status. */
export function ec2ErrorResponse(error: AwsError, requestId: string): RawResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${text('Code', error.code)}${text('Message', error.message)}</Error></Errors>` +
    `${text('RequestID', requestId)}</Response>`;
  return xmlResponse(error.status, body, requestId);
}
