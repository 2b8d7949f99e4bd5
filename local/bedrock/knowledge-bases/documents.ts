import { htmlText } from '../../../clients/html-text.js';
import { PdfReadError, pdfText } from '../../documents/pdf-text.js';

/** A document's text, or why it could not be read (the ingestion job counts it failed, with the reason). */
export type DocumentText = { readonly text: string } | { readonly failure: string };

/** Bedrock's limit on a knowledge base's source file. */
export const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

/** The formats Bedrock reads that are not read locally: their documents fail, saying so. */
const NOT_READ_LOCALLY = new Set(['doc', 'docx', 'xls', 'xlsx']);

/**
 * The text of a knowledge base's source document, by its extension as Bedrock chooses the
 * reader: plain text, Markdown, CSV and JSON as they are, HTML without its tags, scripts and
 * styles, PDF the text of its uncompressed or Flate-compressed content streams (no OCR, no
 * other filters). Word and Excel documents, which Bedrock reads, fail here saying so; any
 * other extension fails as Bedrock fails a format it does not support.
 */
export function documentText(uri: string, body: Buffer): DocumentText {
  if (body.length > MAX_DOCUMENT_BYTES) return { failure: `The file ${uri} is larger than the 50 MB Bedrock ingests.` };
  const extension = /\.([^./]+)$/.exec(uri)?.[1]?.toLowerCase() ?? '';
  switch (extension) {
    case 'txt':
    case 'md':
    case 'csv':
    case 'json':
      return { text: body.toString('utf8') };
    case 'html':
    case 'htm':
      return { text: htmlText(body.toString('utf8')) };
    case 'pdf': {
      const text = pdfDocumentText(body);
      return text === undefined
        ? { failure: `The file ${uri} is not a PDF the local runtime can read.` }
        : text.trim() === ''
          ? { failure: `The file ${uri} has no text the local runtime can extract (scanned or encoded PDF).` }
          : { text };
    }
    default:
      return NOT_READ_LOCALLY.has(extension)
        ? { failure: `The file ${uri} is a .${extension} document, which Bedrock reads but the local runtime does not.` }
        : { failure: `The file ${uri} has an unsupported file format${extension === '' ? '' : ` (.${extension})`}.` };
  }
}

/** A PDF's text, its pages' lines one after another (the one PDF reader: local/documents/pdf-text.ts); undefined for a PDF that cannot be read. */
function pdfDocumentText(body: Buffer): string | undefined {
  try {
    return pdfText(body)
      .pages.map((lines) => lines.join('\n'))
      .join('\n\n');
  } catch (error) {
    if (error instanceof PdfReadError) return undefined;
    throw error;
  }
}

/** A metadata attribute's value as Retrieve answers it and a filter compares it. */
export type MetadataValue = string | number | boolean | readonly string[];

/**
 * The attributes of a document's `<name>.metadata.json` beside it, as Bedrock reads them:
 * `{"metadataAttributes": {"year": 2024}}`, or each attribute as
 * `{"value": {"type": "NUMBER", "numberValue": 2024}, "includeForEmbedding": true}`.
 * @throws Error naming what is wrong, which the job reports as the document's failure
 */
export function sidecarAttributes(body: Buffer): Record<string, MetadataValue> {
  const parsed = JSON.parse(body.toString('utf8')) as { metadataAttributes?: unknown };
  const attributes = parsed?.metadataAttributes;
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw new Error('its metadata file has no metadataAttributes object');
  }
  return Object.fromEntries(
    Object.entries(attributes as Record<string, unknown>).map(([key, value]) => {
      const typed = (value as { value?: Record<string, unknown> } | null)?.value;
      const plain = typed ? (typed.stringValue ?? typed.numberValue ?? typed.booleanValue ?? typed.stringListValue) : value;
      if (!['string', 'number', 'boolean'].includes(typeof plain) && !Array.isArray(plain)) {
        throw new Error(`its metadata attribute ${key} is not a string, number, boolean or list of strings`);
      }
      return [key, Array.isArray(plain) ? plain.map(String) : (plain as MetadataValue)];
    }),
  );
}
