/** S3's REST-XML documents: a few elements written by hand, and the few request bodies S3 takes read by element name. */
import { escapeXml, type XmlEscaping } from '../endpoint/xml-escape.js';

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * S3 writes named entities. XML 1.0 cannot carry most control characters even escaped;
 * S3 refuses such keys on write, so only escaping is needed (a CR is left as it is).
 */
const S3_ESCAPING: XmlEscaping = { entities: 'named', carriageReturn: false };

export type XmlValue = string | number | boolean | undefined | XmlElement | XmlElement[] | string[];
export interface XmlElement {
  readonly [name: string]: XmlValue;
}

/** `<name>` elements in insertion order; undefined values are left out, arrays repeat the element. */
export function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return (value as XmlValue[]).map((item) => element(name, item)).join('');
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([child, childValue]) => element(child, childValue))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value), S3_ESCAPING)}</${name}>`;
}

/** A whole response document with S3's namespace on its root. */
export function document(root: string, value: XmlElement): string {
  const inner = Object.entries(value)
    .map(([child, childValue]) => element(child, childValue))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NAMESPACE}">${inner}</${root}>`;
}

/** The text of every `<name>...</name>` element in a request body, unescaped (enough for Delete and notification bodies). */
export function elementTexts(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => unescapeXml(match[1] ?? ''));
}

/** Whether the body has a `<name>` element, empty (`<name/>`) or not. */
export function hasElement(xml: string, name: string): boolean {
  return new RegExp(`<${name}(?:\\s[^>]*)?/?>`).test(xml);
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[entity] as string;
  });
}
