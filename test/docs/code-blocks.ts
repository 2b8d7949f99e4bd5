/** The fenced code blocks of a markdown file, for the suites that compile the docs' examples (README.md and docs/*.md, docs/testing.md). */

export interface Heading {
  readonly level: number;
  readonly text: string;
  readonly line: number;
}

export interface CodeBlock {
  readonly language: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly code: string;
  /** The page it is on (as the caller named it), and the 1-based line of the block's first code line there. */
  readonly page: string;
  readonly line: number;
  /** Headings enclosing the block, outermost first. */
  readonly headings: readonly Heading[];
}

/** Every fenced block of the markdown, with its info string's language and `key=value` attributes. */
export function codeBlocks(markdown: string, page = ''): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let stack: Heading[] = [];
  let open: { language: string; attributes: Record<string, string>; start: number; code: string[] } | undefined;
  lines.forEach((text, index) => {
    if (open !== undefined) {
      if (/^```\s*$/.test(text)) {
        blocks.push({
          page,
          language: open.language,
          attributes: open.attributes,
          code: open.code.join('\n'),
          line: open.start,
          headings: stack,
        });
        open = undefined;
      } else open.code.push(text);
      return;
    }
    const fence = /^```(\S*)(.*)$/.exec(text);
    if (fence) {
      const attributes = Object.fromEntries([...(fence[2] ?? '').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
      open = { language: fence[1] ?? '', attributes, start: index + 2, code: [] };
      return;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*$/.exec(text);
    if (heading) {
      const level = (heading[1] ?? '').length;
      stack = [...stack.filter((h) => h.level < level), { level, text: heading[2] ?? '', line: index + 1 }];
    }
  });
  return blocks;
}
