import { createHash } from 'node:crypto';

/** A Textract block, as the API's Block shape has it. */
export type Block = Record<string, unknown> & { readonly Id: string; readonly BlockType: string };

/** A UUID-shaped id one document and position always get. */
export function blockId(seed: string, n: number | string): string {
  const h = createHash('sha256').update(`${seed}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A box on the page (ratios of its width and height) as Textract's Geometry: the box and its four corners. */
export function geometry(left: number, top: number, width: number, height: number): Record<string, unknown> {
  const r = (n: number) => Math.round(n * 1e6) / 1e6;
  return {
    BoundingBox: { Width: r(width), Height: r(height), Left: r(left), Top: r(top) },
    Polygon: [
      { X: r(left), Y: r(top) },
      { X: r(left + width), Y: r(top) },
      { X: r(left + width), Y: r(top + height) },
      { X: r(left), Y: r(top + height) },
    ],
  };
}

/** A confidence between 95 and 100 drawn from the block's id: stable, and not every block the same. */
const confidence = (id: string) => 95 + (Number.parseInt(id.slice(0, 4), 16) % 5000) / 1000;

/**
 * The PAGE, LINE and WORD blocks of a page's lines, laid out top to bottom (each line a
 * band of the page, its words across it in proportion to their length), as
 * DetectDocumentText answers them; `page` is set for a multi-page (asynchronous) answer.
 */
export function textBlocks(lines: readonly string[], seed: string, page?: number): Block[] {
  const lineHeight = Math.min(0.04, 0.9 / Math.max(lines.length, 1));
  const blocks: Block[] = [];
  const lineIds: string[] = [];
  const onPage = page === undefined ? {} : { Page: page };
  lines.forEach((text, i) => {
    const id = blockId(seed, `${page ?? 1}:line:${i}`);
    lineIds.push(id);
    const top = 0.05 + i * lineHeight * 1.25;
    const width = Math.min(0.9, text.length * 0.011);
    const words = text.split(/\s+/).filter((w) => w !== '');
    const wordIds: string[] = [];
    const wordBlocks: Block[] = [];
    let left = 0.05;
    for (const [j, word] of words.entries()) {
      const wordId = blockId(seed, `${page ?? 1}:word:${i}:${j}`);
      wordIds.push(wordId);
      const wordWidth = (width * word.length) / Math.max(text.replace(/\s+/g, '').length, 1);
      wordBlocks.push({
        BlockType: 'WORD',
        Confidence: confidence(wordId),
        Text: word,
        TextType: 'PRINTED',
        Geometry: geometry(left, top, wordWidth, lineHeight),
        Id: wordId,
        ...onPage,
      });
      left += wordWidth + 0.005;
    }
    blocks.push({
      BlockType: 'LINE',
      Confidence: confidence(id),
      Text: words.join(' '),
      Geometry: geometry(0.05, top, width, lineHeight),
      Id: id,
      Relationships: [{ Type: 'CHILD', Ids: wordIds }],
      ...onPage,
    });
    blocks.push(...wordBlocks);
  });
  const pageId = blockId(seed, `${page ?? 1}:page`);
  return [
    {
      BlockType: 'PAGE',
      Geometry: geometry(0, 0, 1, 1),
      Id: pageId,
      ...(lineIds.length > 0 ? { Relationships: [{ Type: 'CHILD', Ids: lineIds }] } : {}),
      ...onPage,
    },
    ...blocks,
  ];
}

/** A line that reads as a form's field (`Invoice number: 1234`), as its key and value. */
export function keyValueOf(line: string): { readonly key: string; readonly value: string } | undefined {
  const m = /^([^:]{1,60}):\s*(.+)$/.exec(line);
  return m ? { key: (m[1] as string).trim(), value: (m[2] as string).trim() } : undefined;
}

/**
 * The KEY_VALUE_SET blocks of a page's lines that read as fields (`Key: Value`), as
 * AnalyzeDocument's FORMS feature answers them: a KEY block pointing at its VALUE block.
 */
export function formBlocks(lines: readonly string[], seed: string, page?: number): Block[] {
  const onPage = page === undefined ? {} : { Page: page };
  return lines.flatMap((line, i) => {
    const field = keyValueOf(line);
    if (!field) return [];
    const keyId = blockId(seed, `${page ?? 1}:key:${i}`);
    const valueId = blockId(seed, `${page ?? 1}:value:${i}`);
    const top = 0.05 + i * Math.min(0.04, 0.9 / Math.max(lines.length, 1)) * 1.25;
    return [
      {
        BlockType: 'KEY_VALUE_SET',
        EntityTypes: ['KEY'],
        Confidence: confidence(keyId),
        Geometry: geometry(0.05, top, field.key.length * 0.011, 0.03),
        Id: keyId,
        Relationships: [{ Type: 'VALUE', Ids: [valueId] }],
        Text: field.key,
        ...onPage,
      },
      {
        BlockType: 'KEY_VALUE_SET',
        EntityTypes: ['VALUE'],
        Confidence: confidence(valueId),
        Geometry: geometry(0.06 + field.key.length * 0.011, top, field.value.length * 0.011, 0.03),
        Id: valueId,
        Text: field.value,
        ...onPage,
      },
    ];
  });
}

/**
 * The QUERY and QUERY_RESULT blocks of AnalyzeDocument's QUERIES feature: each question
 * answered by the field whose key shares the most words with it (none: no result).
 */
export function queryBlocks(queries: readonly Record<string, unknown>[], lines: readonly string[], seed: string): Block[] {
  const fields = lines.flatMap((line) => keyValueOf(line) ?? []);
  const words = (text: string) => new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  return queries.flatMap((query, i) => {
    const asked = words(String(query.Text ?? ''));
    const best = fields
      .map((field) => ({ field, score: [...words(field.key)].filter((w) => asked.has(w)).length }))
      .filter((f) => f.score > 0)
      .sort((a, b) => b.score - a.score)[0];
    const queryId = blockId(seed, `query:${i}`);
    const resultId = blockId(seed, `result:${i}`);
    const queryBlock: Block = {
      BlockType: 'QUERY',
      Id: queryId,
      Query: { Text: query.Text, ...(query.Alias === undefined ? {} : { Alias: query.Alias }) },
      ...(best ? { Relationships: [{ Type: 'ANSWER', Ids: [resultId] }] } : {}),
    };
    if (!best) return [queryBlock];
    return [
      queryBlock,
      {
        BlockType: 'QUERY_RESULT',
        Id: resultId,
        Text: best.field.value,
        Confidence: confidence(resultId),
        Geometry: geometry(0.5, 0.05, best.field.value.length * 0.011, 0.03),
      },
    ];
  });
}
