import { describe, expect, it } from 'vitest';
import { documentText, sidecarAttributes } from '../../../../local/bedrock/knowledge-bases/documents.js';
import { textPdf } from '../../../helpers/text-pdf.js';

describe('documentText', () => {
  it('reads text, Markdown and CSV as they are, and HTML without its tags, scripts and styles', () => {
    expect(documentText('s3://b/a.md', Buffer.from('# Title\n\nBody'))).toEqual({ text: '# Title\n\nBody' });
    const html = '<html><head><style>p{}</style><script>x()</script></head><body><p>Badges &amp; keys</p></body></html>';
    expect(documentText('s3://b/a.html', Buffer.from(html))).toEqual({ text: expect.stringMatching(/^\s*Badges & keys\s*$/) });
  });

  it("reads the text a PDF's Flate-compressed content stream shows, a line per text line", () => {
    expect(documentText('s3://b/a.pdf', textPdf([['Parcels ship on Mondays.', 'Returns (unopened) are free.']], true))).toEqual({
      text: 'Parcels ship on Mondays.\nReturns (unopened) are free.',
    });
  });

  it('fails a scanned PDF, a Word document and an unsupported format, each saying why', () => {
    expect(documentText('s3://b/scan.pdf', textPdf([[]]))).toEqual({ failure: expect.stringContaining('has no text') });
    expect(documentText('s3://b/broken.pdf', Buffer.from('%PDF-1.4\n%%EOF'))).toEqual({ failure: expect.stringContaining('is not a PDF') });
    expect(documentText('s3://b/a.docx', Buffer.from('PK'))).toEqual({
      failure: 'The file s3://b/a.docx is a .docx document, which Bedrock reads but the local runtime does not.',
    });
    expect(documentText('s3://b/a.png', Buffer.from(''))).toEqual({
      failure: 'The file s3://b/a.png has an unsupported file format (.png).',
    });
  });
});

describe('sidecarAttributes', () => {
  it('reads plain and typed metadata attributes, as Bedrock reads a .metadata.json', () => {
    const body = {
      metadataAttributes: {
        year: 2025,
        team: 'finance',
        tags: ['a', 'b'],
        reviewed: { value: { type: 'BOOLEAN', booleanValue: true }, includeForEmbedding: false },
      },
    };
    expect(sidecarAttributes(Buffer.from(JSON.stringify(body)))).toEqual({ year: 2025, team: 'finance', tags: ['a', 'b'], reviewed: true });
  });

  it('fails if the file has no metadataAttributes object, saying so', () => {
    expect(() => sidecarAttributes(Buffer.from('{"attributes": {}}'))).toThrow('its metadata file has no metadataAttributes object');
  });
});
