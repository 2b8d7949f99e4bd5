import { inflateSync } from 'node:zlib';

/** A PDF's pages, each its lines of text in the order its content streams show them. */
export interface PdfText {
  readonly pages: readonly (readonly string[])[];
}

/** A PDF that cannot be read (no pages, a stream that does not inflate). */
export class PdfReadError extends Error {
  override readonly name = 'PdfReadError';
}

/**
 * The text a PDF shows, page by page, read from its objects: each page's content streams
 * (inflated when FlateDecode), their text operators (`Tj`, `TJ`, `'`, `"`) put on a line
 * until a text position moves down (`Td`, `TD`, `Tm`, `T*`). What it does not read:
 * fonts' encodings beyond Latin-1 literals (a CID font's glyph ids), object streams, and
 * images (a scan has no text here); such a page reads as empty.
 */
export function pdfText(bytes: Buffer): PdfText {
  const source = bytes.toString('latin1');
  const objects = new Map<string, string>();
  for (const m of source.matchAll(/(\d+)\s+(\d+)\s+obj\b([\s\S]*?)\bendobj/g)) objects.set(`${m[1]} ${m[2]}`, m[3] as string);
  const pages = [...objects.values()].filter((body) => /\/Type\s*\/Page(?![a-zA-Z])/.test(dictionaryOf(body)));
  if (pages.length === 0) throw new PdfReadError('the PDF has no page objects');
  return {
    pages: pages.map((page) => {
      const contents = /\/Contents\s*(\[[^\]]*\]|\d+\s+\d+\s+R)/.exec(dictionaryOf(page))?.[1] ?? '';
      const refs = [...contents.matchAll(/(\d+)\s+(\d+)\s+R/g)].map((m) => `${m[1]} ${m[2]}`);
      return refs.flatMap((ref) => textLines(streamOf(objects.get(ref) ?? '', bytes, source)));
    }),
  };
}

/** An object's dictionary, without its stream's bytes (which may hold anything). */
function dictionaryOf(body: string): string {
  const at = body.indexOf('stream');
  return at < 0 ? body : body.slice(0, at);
}

function streamOf(body: string, bytes: Buffer, source: string): string {
  const m = /stream\r?\n/.exec(body);
  if (m === null) return '';
  const start = source.indexOf(body) + m.index + m[0].length;
  const end = source.indexOf('endstream', start);
  let data = bytes.subarray(start, end < 0 ? bytes.length : end);
  if (/\/FlateDecode/.test(dictionaryOf(body))) {
    try {
      data = inflateSync(data);
    } catch (error) {
      throw new PdfReadError(`a content stream does not inflate: ${(error as Error).message}`, { cause: error });
    }
  }
  return data.toString('latin1');
}

/** The lines a content stream's text operators show. */
function textLines(content: string): string[] {
  const lines: string[] = [];
  let line = '';
  const breakLine = () => {
    if (line.trim() !== '') lines.push(line.replace(/\s+/g, ' ').trim());
    line = '';
  };
  const operands: string[] = [];
  const token = /\((?:\\.|[^\\)])*\)|\[(?:\((?:\\.|[^\\)])*\)|[^\]])*\]|<[0-9A-Fa-f\s]*>|[-+.\d]+|\/[^\s/[\]()<>]+|[A-Za-z'"*]+/g;
  for (const m of content.matchAll(token)) {
    const word = m[0];
    if (!/^[A-Za-z'"*]/.test(word) || word === 'true' || word === 'false') {
      operands.push(word);
      continue;
    }
    switch (word) {
      case 'Tj':
        line += literal(operands.at(-1) ?? '');
        break;
      case "'":
      case '"':
        breakLine();
        line += literal(operands.at(-1) ?? '');
        break;
      case 'TJ':
        line += arrayText(operands.at(-1) ?? '');
        break;
      case 'T*':
        breakLine();
        break;
      case 'Td':
      case 'TD':
        // A move down starts a line; a move along it is a gap between words.
        if (Number(operands.at(-1)) !== 0) breakLine();
        else if (line !== '' && !line.endsWith(' ')) line += ' ';
        break;
      case 'Tm':
      case 'ET':
        breakLine();
        break;
    }
    operands.length = 0;
  }
  breakLine();
  return lines;
}

/** A TJ array's text: its strings, with a space where a kerning gap is wider than a word space would be. */
function arrayText(array: string): string {
  let text = '';
  for (const m of array.matchAll(/\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>|[-+.\d]+/g)) {
    const part = m[0];
    if (part.startsWith('(') || part.startsWith('<')) text += literal(part);
    else if (Number(part) < -200) text += ' ';
  }
  return text;
}

/** A PDF string's text: a literal's escapes, or a hex string's bytes, as Latin-1. */
function literal(operand: string): string {
  if (operand.startsWith('<')) return Buffer.from(operand.slice(1, -1).replace(/\s/g, ''), 'hex').toString('latin1');
  if (!operand.startsWith('(')) return '';
  return operand.slice(1, -1).replace(/\\([nrtbf()\\]|[0-7]{1,3}|\r?\n)/g, (_, e: string) => {
    const named: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '(': '(', ')': ')', '\\': '\\' };
    if (named[e] !== undefined) return named[e];
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
    return '';
  });
}
