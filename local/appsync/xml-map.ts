import { readXml, type XmlNode } from '../endpoint/model-protocols/xml-reading.js';
import { AppSyncResolverError } from './errors.js';

/**
 * `util.xml.toMap` and `toJsonString` (https://docs.aws.amazon.com/appsync/latest/devguide/xml-helpers-in-util-xml-js.html):
 * the document as one object keyed by its root element. An element of text alone is that text,
 * read as a number, `true`, `false` or `null` when it is one (AppSync's examples answer `"id": 1`
 * for `<id>1</id>`); an element of elements is an object of them, an element repeated under one
 * parent a list; attributes are keys beside the children, and text mixed with elements is
 * `content` (as Java's org.json, whose converter these examples match, writes them). An empty
 * element is `""`. Namespace prefixes are dropped from names.
 */
export function xmlToMap(text: unknown): Record<string, unknown> {
  const xml = String(text ?? '');
  let root: XmlNode;
  try {
    root = readXml(xml);
  } catch (error) {
    const start = xml.length > 80 ? `${xml.slice(0, 80)}...` : xml;
    throw new AppSyncResolverError(
      `util.xml.toMap: the text is not XML (${(error as Error).message}): ${JSON.stringify(start)}`,
      'XmlParseError',
      null,
      null,
      { cause: error },
    );
  }
  return { [root.name]: elementValue(root) };
}

/** `toJsonString(xml, stringEncode?)`: the map as JSON, or with `stringEncode` that JSON as a JSON string. */
export function xmlToJsonString(text: unknown, stringEncode?: unknown): string {
  const json = JSON.stringify(xmlToMap(text));
  return stringEncode === true ? JSON.stringify(json) : json;
}

function elementValue(node: XmlNode): unknown {
  const text = node.text.trim();
  const attributes = Object.entries(node.attributes);
  if (node.children.length === 0 && attributes.length === 0) return scalar(text);
  const object: Record<string, unknown> = {};
  for (const [name, value] of attributes) accumulate(object, name, scalar(value));
  for (const child of node.children) accumulate(object, child.name, elementValue(child));
  if (text !== '') accumulate(object, 'content', scalar(text));
  return object;
}

/** A second value under one key makes the key's value a list of them, in document order. */
function accumulate(object: Record<string, unknown>, key: string, value: unknown): void {
  if (!Object.hasOwn(object, key)) object[key] = value;
  else if (Array.isArray(object[key])) (object[key] as unknown[]).push(value);
  else object[key] = [object[key], value];
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Text as the value it spells: a number (one with leading zeros, or an integer past 2^53, stays text), a boolean, null, or the text. */
function scalar(text: string): unknown {
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (!NUMBER.test(text)) return text;
  const number = Number(text);
  return Number.isFinite(number) && (!Number.isInteger(number) || Number.isSafeInteger(number)) ? number : text;
}
