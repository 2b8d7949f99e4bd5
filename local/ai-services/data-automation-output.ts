import { stableUuid } from '../template/resolve.js';
import type { BlueprintFields } from './data-automation-resources.js';
import type { S3Location } from './declaration.js';
import type { DocumentContent } from './documents.js';
import { keyValueOf } from './textract-blocks.js';

/** What one invocation writes, by key under `<output>/<invocation id>/`, as Data Automation lays it out. */
export interface InvocationOutput {
  readonly semanticModality: 'DOCUMENT' | 'IMAGE';
  readonly files: ReadonlyMap<string, unknown>;
}

const uri = ({ bucket, key }: S3Location) => `s3://${bucket}/${key}`;
const words = (text: string) => text.split(/\s+/).filter((w) => w !== '').length;

/** A line as an element of the standard output: the document's first line its title (markdown `#`), the others paragraphs. */
function element(line: string, page: number, row: number, order: number, seed: string) {
  const title = order === 0;
  return {
    id: stableUuid(`${seed}/element/${order}`),
    type: 'TEXT',
    sub_type: title ? 'TITLE' : 'PARAGRAPH',
    representation: { text: line, markdown: title ? `# ${line}` : line },
    reading_order: order,
    page_indices: [page],
    locations: [{ page_index: page, bounding_box: { left: 0.05, top: Math.min(0.05 + row * 0.05, 0.95), width: 0.9, height: 0.03 } }],
  };
}

/** The standard output of a document: its text as a whole, by page and by element, as text and markdown, with counts. */
function documentStandardOutput(pages: readonly (readonly string[])[], source: S3Location, seed: string): Record<string, unknown> {
  let order = 0;
  const elements = pages.flatMap((lines, page) => lines.map((line, row) => element(line, page, row, order++, seed)));
  const markdownOf = (page: number) =>
    elements
      .filter((e) => e.page_indices[0] === page)
      .map((e) => e.representation.markdown)
      .join('\n\n');
  const statistics = (lines: readonly string[], count: number) => ({
    element_count: count,
    table_count: 0,
    figure_count: 0,
    word_count: words(lines.join(' ')),
    line_count: lines.length,
  });
  return {
    metadata: {
      asset_id: '0',
      semantic_modality: 'DOCUMENT',
      s3_bucket: source.bucket,
      s3_key: source.key,
      number_of_pages: pages.length,
      start_page_index: 0,
      end_page_index: pages.length - 1,
      file_type: 'PDF',
    },
    document: {
      representation: {
        text: pages.map((lines) => lines.join('\n')).join('\n\n'),
        markdown: pages.map((_, p) => markdownOf(p)).join('\n\n'),
      },
      description: '',
      summary: '',
      statistics: statistics(pages.flat(), elements.length),
    },
    pages: pages.map((lines, page) => ({
      page_index: page,
      representation: { text: lines.join('\n'), markdown: markdownOf(page) },
      statistics: statistics(lines, lines.length),
      asset_metadata: {},
    })),
    elements,
  };
}

/** The standard output of an image: its size; no text or summary (the local runtime sees none). */
function imageStandardOutput(content: DocumentContent & { kind: 'image' }, source: S3Location): Record<string, unknown> {
  return {
    metadata: {
      asset_id: '0',
      semantic_modality: 'IMAGE',
      s3_bucket: source.bucket,
      s3_key: source.key,
      ...(content.width === undefined ? {} : { image_width_pixels: content.width, image_height_pixels: content.height }),
      image_encoding: content.format,
    },
    image: { summary: '', iab_categories: [], content_moderation: [], text_words: [], text_lines: [] },
    statistics: { entity_count: 0, object_count: 0, line_count: 0, word_count: 0 },
  };
}

const normalized = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * A blueprint's custom output: each field's value from the document's `Key: Value` line of
 * that name, else drawn from the document's digest (a number, a boolean, an empty string).
 */
function customOutput(blueprint: BlueprintFields, lines: readonly string[], seed: string): Record<string, unknown> {
  const found = new Map(
    lines.flatMap((line) => {
      const field = keyValueOf(line);
      return field ? [[normalized(field.key), field.value] as const] : [];
    }),
  );
  const drawn = (name: string, type: string): unknown => {
    const n = Number.parseInt(stableUuid(`${seed}/${name}`).slice(0, 6), 16);
    return type === 'number' || type === 'integer' ? n % 1000 : type === 'boolean' ? n % 2 === 0 : '';
  };
  const value = (name: string, type: string): unknown => {
    const text = found.get(normalized(name));
    if (text === undefined) return drawn(name, type);
    if (type === 'number' || type === 'integer') return Number(text.replace(/[^0-9.-]/g, '')) || 0;
    if (type === 'boolean') return /^(yes|true|y)$/i.test(text);
    return text;
  };
  const inference = Object.fromEntries(blueprint.fields.map((f) => [f.name, value(f.name, f.type)]));
  return {
    matched_blueprint: { arn: blueprint.arn, name: blueprint.name, confidence: 1 },
    document_class: { type: blueprint.name },
    inference_result: inference,
    explainability_info: [
      Object.fromEntries(
        blueprint.fields.map((f) => [
          f.name,
          { success: true, confidence: found.has(normalized(f.name)) ? 0.99 : 0.5, value: inference[f.name] },
        ]),
      ),
    ],
  };
}

/**
 * What an invocation writes for an asset, keyed under `<output>/<invocation id>/`:
 * `job_metadata.json` pointing at `0/standard_output/0/result.json` and, with a blueprint,
 * `0/custom_output/0/result.json` (the first blueprint given: locally every document matches it).
 */
export function invocationOutput(
  id: string,
  content: DocumentContent,
  source: S3Location,
  output: S3Location,
  blueprints: readonly BlueprintFields[],
  seed: string,
): InvocationOutput {
  const at = (path: string): S3Location => ({ bucket: output.bucket, key: `${output.key}${id}/${path}` });
  const standardPath = '0/standard_output/0/result.json';
  const customPath = '0/custom_output/0/result.json';
  const modality = content.kind === 'text' ? 'DOCUMENT' : 'IMAGE';
  const standard = content.kind === 'text' ? documentStandardOutput(content.pages, source, seed) : imageStandardOutput(content, source);
  const [blueprint] = blueprints;
  const files = new Map<string, unknown>([[standardPath, standard]]);
  if (blueprint) files.set(customPath, customOutput(blueprint, content.kind === 'text' ? content.pages.flat() : [], seed));
  files.set('job_metadata.json', {
    job_id: id,
    job_status: 'PROCESSED',
    semantic_modality: modality,
    output_metadata: [
      {
        asset_id: 0,
        asset_input_path: { s3_path: uri(source) },
        segment_metadata: [
          {
            standard_output_path: uri(at(standardPath)),
            ...(blueprint ? { custom_output_path: uri(at(customPath)), custom_output_status: 'MATCH' } : {}),
          },
        ],
      },
    ],
  });
  return { semanticModality: modality, files };
}
