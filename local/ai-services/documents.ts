import { pictureSize } from '../bedrock/families/picture.js';
import { PdfReadError, pdfText } from '../documents/pdf-text.js';

/** What a document's bytes are, as the document services read them. */
export type DocumentContent =
  /** A PDF's pages, each its lines. */
  | { readonly kind: 'text'; readonly format: 'pdf'; readonly pages: readonly (readonly string[])[] }
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
 * The content of a document's bytes: a PDF's text, an image's size.
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
  // AWS reads no text files: a pipeline tried locally with one would fail on AWS, so it fails here too.
  throw new UnsupportedDocument('the bytes are no PDF, PNG, JPEG or TIFF');
}
