/**
 * Reads the XML request bodies of AWS's REST-XML protocol (S3's Delete, Tagging,
 * CompleteMultipartUpload, NotificationConfiguration) and the XML AppSync's `util.xml` converts
 * into element trees: names without their namespace prefix, text unescaped, CDATA kept as text.
 */
export interface XmlNode {
  readonly name: string;
  /** Its attributes by name, values unescaped, in the order written. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
  text: string;
}

/** A body that is not well-formed XML, named by where the reading stopped. */
export class MalformedXmlError extends Error {
  override readonly name = 'MalformedXmlError';
}

const TOKEN =
  /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/gy;

/** The document's root element. */
export function readXml(text: string): XmlNode {
  const root: XmlNode = { name: '', attributes: {}, children: [], text: '' };
  const open: XmlNode[] = [root];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (match === null) throw new MalformedXmlError(`unexpected markup at character ${at}`);
    const [, cdata, closing, name, attributeText, selfClosing, chars] = match;
    const current = open[open.length - 1] as XmlNode;
    if (cdata !== undefined) current.text += cdata;
    else if (chars !== undefined) current.text += unescapeXml(chars);
    else if (name !== undefined) {
      const local = name.slice(name.indexOf(':') + 1);
      if (closing) {
        if (open.length === 1 || current.name !== local) throw new MalformedXmlError(`</${name}> closes no open element`);
        open.pop();
      } else {
        const node: XmlNode = { name: local, attributes: attributesOf(attributeText ?? ''), children: [], text: '' };
        current.children.push(node);
        if (!selfClosing) open.push(node);
      }
    }
  }
  const [element] = root.children;
  if (open.length !== 1 || element === undefined || root.children.length !== 1 || root.text.trim() !== '')
    throw new MalformedXmlError('the body is not one XML element');
  return element;
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function attributesOf(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [, name, doubled, single] of text.matchAll(ATTRIBUTE)) attributes[name as string] = unescapeXml(doubled ?? single ?? '');
  return attributes;
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[entity] as string;
  });
}
