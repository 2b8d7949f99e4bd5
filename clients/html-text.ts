/**
 * The text of an HTML document: scripts and styles dropped, block ends (`br`, `p`, `div`,
 * headings, list items, table rows) as line breaks, other tags dropped (inline: `<b>4711</b>.` reads `4711.`), the common entities
 * read, runs of blank lines kept to one. What `switchyard mail` shows of an HTML part, and what
 * a local knowledge base ingests of an HTML page.
 */
export function htmlText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<(br|\/p|\/div|\/h[1-6]|\/li|\/tr)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ +| +$/gm, '')
    .replace(/\n{3,}/g, '\n\n');
}
