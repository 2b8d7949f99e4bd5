/**
 * Simple lexical rules for the language services' simulated answers: a text's language by
 * its function words, its sentiment by words of feeling, its entities, key phrases and
 * personal data by their shapes. Deterministic and cheap; meant to make a flow's branches
 * reachable locally, not to match AWS's models.
 */

const FUNCTION_WORDS: Readonly<Record<string, readonly string[]>> = {
  en: ['the', 'and', 'is', 'of', 'to', 'in', 'it', 'you', 'that', 'this', 'with', 'for', 'are', 'was', 'my', 'your'],
  es: ['el', 'la', 'de', 'que', 'y', 'en', 'los', 'es', 'por', 'una', 'con', 'para', 'muy', 'mi'],
  fr: ['le', 'la', 'les', 'de', 'et', 'est', 'un', 'une', 'que', 'pour', 'dans', 'avec', 'très', 'je', 'vous'],
  de: ['der', 'die', 'das', 'und', 'ist', 'nicht', 'ein', 'eine', 'mit', 'für', 'ich', 'sie', 'sehr', 'zu'],
  it: ['il', 'lo', 'la', 'di', 'che', 'e', 'è', 'un', 'una', 'per', 'con', 'non', 'molto', 'sono'],
  pt: ['o', 'a', 'os', 'de', 'que', 'e', 'é', 'um', 'uma', 'para', 'com', 'não', 'muito', 'eu', 'você'],
};

const words = (text: string) => text.toLowerCase().match(/[\p{L}']+/gu) ?? [];

/** The text's languages, most likely first, each with a score (its share of the function words found). */
export function dominantLanguages(text: string): { LanguageCode: string; Score: number }[] {
  const found = words(text);
  const counts = Object.entries(FUNCTION_WORDS).map(([code, list]) => ({ code, n: found.filter((w) => list.includes(w)).length }));
  const total = counts.reduce((sum, c) => sum + c.n, 0);
  if (total === 0) return [{ LanguageCode: 'en', Score: 0.5 }];
  return counts
    .filter((c) => c.n > 0)
    .sort((a, b) => b.n - a.n || a.code.localeCompare(b.code))
    .map((c) => ({ LanguageCode: c.code, Score: Math.round((c.n / total) * 1000) / 1000 }));
}

const POSITIVE = [
  'good',
  'great',
  'excellent',
  'love',
  'happy',
  'thanks',
  'thank',
  'wonderful',
  'amazing',
  'best',
  'fast',
  'helpful',
  'perfect',
  'nice',
  'pleased',
  'bueno',
  'gracias',
  'merci',
  'danke',
  'gut',
];
const NEGATIVE = [
  'bad',
  'terrible',
  'awful',
  'hate',
  'angry',
  'broken',
  'slow',
  'worst',
  'refund',
  'poor',
  'disappointed',
  'never',
  'problem',
  'wrong',
  'late',
  'charged',
  'malo',
  'mauvais',
  'schlecht',
];

/** POSITIVE, NEGATIVE, MIXED or NEUTRAL by the words of feeling the text holds, with scores summing to 1. */
export function sentimentOf(text: string): { Sentiment: string; SentimentScore: Record<string, number> } {
  const found = words(text);
  const pos = found.filter((w) => POSITIVE.includes(w)).length;
  const neg = found.filter((w) => NEGATIVE.includes(w)).length;
  const sentiment = pos > 0 && neg > 0 && pos === neg ? 'MIXED' : pos > neg ? 'POSITIVE' : neg > pos ? 'NEGATIVE' : 'NEUTRAL';
  const base = { Positive: 0.05, Negative: 0.05, Neutral: 0.05, Mixed: 0.05 };
  const key = (sentiment.charAt(0) + sentiment.slice(1).toLowerCase()) as keyof typeof base;
  return { Sentiment: sentiment, SentimentScore: { ...base, [key]: 0.85 } };
}

export interface Span {
  readonly Text: string;
  readonly Type: string;
  readonly BeginOffset: number;
  readonly EndOffset: number;
  readonly Score: number;
}

const spans = (text: string, pattern: RegExp, type: string): Span[] =>
  [...text.matchAll(pattern)].map((m) => ({
    Text: m[0],
    Type: type,
    BeginOffset: m.index ?? 0,
    EndOffset: (m.index ?? 0) + m[0].length,
    Score: 0.99,
  }));

const ORGANIZATION = /\b(?:Inc|Corp|Ltd|LLC|GmbH|Company|Bank|University)\b/;
const LOCATION = /\b(?:City|Street|Avenue|Paris|London|Berlin|Seattle|New York|Tokyo|Madrid|Rome)\b/;

/** Entities by shape: dates, quantities, and runs of capitalized words (an organization or place by its words, else a person). */
export function entitiesOf(text: string): Span[] {
  const dates = spans(
    text,
    /\b\d{4}-\d{2}-\d{2}\b|\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}(?:, \d{4})?\b/g,
    'DATE',
  );
  const quantities = spans(text, /\b\d+(?:[.,]\d+)?\s?(?:%|EUR|USD|dollars|euros|kg|km)\b|[$€£]\s?\d+(?:[.,]\d+)?/g, 'QUANTITY');
  const taken = [...dates, ...quantities];
  const names = spans(text, /\b[A-Z][\p{L}]+(?:\s+[A-Z][\p{L}]+)+\b/gu, 'PERSON')
    .filter((s) => !taken.some((t) => s.BeginOffset < t.EndOffset && t.BeginOffset < s.EndOffset))
    .map((s) => ({ ...s, Type: ORGANIZATION.test(s.Text) ? 'ORGANIZATION' : LOCATION.test(s.Text) ? 'LOCATION' : 'PERSON' }));
  return [...taken, ...names].sort((a, b) => a.BeginOffset - b.BeginOffset);
}

const STOP = new Set(
  Object.values(FUNCTION_WORDS)
    .flat()
    .concat([
      'a',
      'an',
      'i',
      'we',
      'they',
      'he',
      'she',
      'on',
      'at',
      'be',
      'has',
      'have',
      'had',
      'not',
      'but',
      'or',
      'as',
      'so',
      'me',
      'our',
    ]),
);

/** Key phrases: the runs of two or more words that are not function words (or one long word), as they stand in the text. */
export function keyPhrasesOf(text: string): Omit<Span, 'Type'>[] {
  const out: Omit<Span, 'Type'>[] = [];
  let run: RegExpMatchArray[] = [];
  const flush = () => {
    const first = run[0];
    const last = run.at(-1);
    if (first && last && (run.length > 1 || first[0].length > 7)) {
      const begin = first.index ?? 0;
      const end = (last.index ?? 0) + last[0].length;
      out.push({ Text: text.slice(begin, end), BeginOffset: begin, EndOffset: end, Score: 0.99 });
    }
    run = [];
  };
  for (const m of text.matchAll(/[\p{L}\p{N}'-]+|[.,;:!?]/gu)) {
    if (/^[.,;:!?]$/.test(m[0]) || STOP.has(m[0].toLowerCase())) flush();
    else run.push(m);
  }
  flush();
  return out;
}

/** Personal data by shape: e-mail addresses, phone numbers, US SSNs, card numbers, IP addresses, URLs. */
export function piiOf(text: string): Span[] {
  return [
    ...spans(text, /[\w.+-]+@[\w-]+\.[\w.-]+/g, 'EMAIL'),
    ...spans(text, /\b\d{3}-\d{2}-\d{4}\b/g, 'SSN'),
    ...spans(text, /\b(?:\d{4}[ -]?){3}\d{4}\b/g, 'CREDIT_DEBIT_NUMBER'),
    ...spans(text, /(?<![\w-])\+?\d{1,3}[ -]?\(?\d{3}\)?[ -]?\d{3}[ -]?\d{4}\b/g, 'PHONE'),
    ...spans(text, /\b(?:\d{1,3}\.){3}\d{1,3}\b/g, 'IP_ADDRESS'),
    ...spans(text, /https?:\/\/[^\s]+/g, 'URL'),
  ].sort((a, b) => a.BeginOffset - b.BeginOffset);
}
