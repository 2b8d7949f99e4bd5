import { pictureSize } from '../bedrock/families/picture.js';
import { PdfReadError, pdfText } from './pdf-text.js';

/** What a document's bytes are, as the document services read them. */
export type DocumentContent =
  /** A PDF's or a text file's pages, each its lines. */
  | { readonly kind: 'text'; readonly format: 'pdf' | 'text'; readonly pages: readonly (readonly string[])[] }
  /** An image (PNG, JPEG, TIFF): read as a page whose text the local runtime cannot see. */
  | { readonly kind: 'image'; readonly format: 'png' | 'jpeg' | 'tiff'; readonly width?: number; readonly height?: number };

/** Bytes the services do not read (a format they do not take). */
export class UnsupportedDocument extends Error {
  override readonly name = 'UnsupportedDocument';
}

/** Bytes of a format the services take that cannot be read (a broken PDF). */
export class BadDocument extends Error {
  override readonly name = 'BadDocument';
}

/**
 * The content of a document's bytes: a PDF's text, a UTF-8 text file's lines (which AWS does
 * not take: read locally so that a pipeline can be tried with a text file), an image's size.
 * @throws UnsupportedDocument for any other bytes, BadDocument for a PDF that cannot be read
 */
export function readDocument(bytes: Buffer): DocumentContent {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') {
    try {
      return { kind: 'text', format: 'pdf', pages: pdfText(bytes).pages };
    } catch (error) {
      if (error instanceof PdfReadError) throw new BadDocument(error.message, { cause: error });
      throw error;
    }
  }
  const tiff = bytes.subarray(0, 4).toString('hex');
  if (tiff === '49492a00' || tiff === '4d4d002a') return { kind: 'image', format: 'tiff' };
  const size = pictureSize(bytes);
  if (size !== undefined && bytes[0] === 0x89) return { kind: 'image', format: 'png', ...size };
  if (size !== undefined && bytes[0] === 0xff) return { kind: 'image', format: 'jpeg', ...size };
  const text = textOf(bytes);
  if (text === undefined) throw new UnsupportedDocument('the bytes are no PDF, PNG, JPEG, TIFF or UTF-8 text');
  // A form feed separates pages, as in text a printer reads.
  return {
    kind: 'text',
    format: 'text',
    pages: text.split('\f').map((page) =>
      page
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== ''),
    ),
  };
}

/** The bytes as text when they are UTF-8 without control characters other than whitespace; else undefined. */
function textOf(bytes: Buffer): string | undefined {
  if (bytes.length === 0) return undefined;
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let decoded: string;
  try {
    decoded = text.decode(bytes);
  } catch {
    return undefined;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what makes bytes binary
  return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(decoded) ? undefined : decoded;
}
