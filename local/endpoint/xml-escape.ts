/**
 * Text for XML content, for every service that answers in XML. The services differ in the
 * bytes they write (tests pin each form), so the differences are options, not copies:
 * S3 and SQS write named entities (`&amp;`), the other query services and the endpoint
 * guard numeric references (`&#38;`).
 */
export interface XmlEscaping {
  /** `named`: `&amp; &lt; &gt; &quot; &apos;` (S3, SQS); `numeric`: `&#38; &#60; ...` (query-form services, the guard). */
  readonly entities?: 'named' | 'numeric';
  /**
   * Whether a CR becomes a character reference: an XML parser turns a literal one into LF,
   * so an SQS message body would no longer match its MD5. S3 and the guard leave it as it is,
   * as they always have.
   */
  readonly carriageReturn?: boolean;
}

const NAMED: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' };
const WITH_CR = /[&<>"'\r]/g;
const WITHOUT_CR = /[&<>"']/g;

export function escapeXml(value: string, { entities = 'numeric', carriageReturn = true }: XmlEscaping = {}): string {
  const named = entities === 'named';
  return value.replace(carriageReturn ? WITH_CR : WITHOUT_CR, (c) => (named ? (NAMED[c] as string) : `&#${c.charCodeAt(0)};`));
}
