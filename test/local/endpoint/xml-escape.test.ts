import { describe, expect, it } from 'vitest';
import { escapeXml } from '../../../local/endpoint/xml-escape.js';

const text = `1 < 2 & "q" 'a'\r\n`;

describe('escapeXml', () => {
  it('writes numeric references, CR too, by default (the query-form services)', () => {
    expect(escapeXml(text)).toBe('1 &#60; 2 &#38; &#34;q&#34; &#39;a&#39;&#13;\n');
  });

  it('writes named entities and CR as &#xD; for SQS', () => {
    expect(escapeXml(text, { entities: 'named', carriageReturn: true })).toBe('1 &lt; 2 &amp; &quot;q&quot; &apos;a&apos;&#xD;\n');
  });

  it('leaves CR as it is for S3 and the guard', () => {
    expect(escapeXml(text, { entities: 'named', carriageReturn: false })).toBe(`1 &lt; 2 &amp; &quot;q&quot; &apos;a&apos;\r\n`);
    expect(escapeXml(text, { entities: 'numeric', carriageReturn: false })).toBe(`1 &#60; 2 &#38; &#34;q&#34; &#39;a&#39;\r\n`);
  });
});
