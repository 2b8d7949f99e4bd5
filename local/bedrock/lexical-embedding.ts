/**
 * The local Bedrock's embeddings: a text's words (unigrams, weighted 1), its adjacent word
 * pairs (bigrams, 0.7) and its words' character trigrams (0.3, so `ingest` and `ingestion`
 * share something) are feature-hashed into `dimensions` signed buckets, each feature's weight
 * growing with the log of its count, and the vector scaled to unit length. Texts sharing
 * words and phrases get a high cosine similarity, unrelated texts one near 0; the same text
 * gets the same vector on every run and every machine. It carries no meaning beyond the
 * words: synonyms are as far apart as unrelated words (docs/local-runtime/knowledge-bases.md).
 */
export function lexicalEmbedding(text: string, dimensions: number, normalize = true): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const [feature, weight] of features(text)) {
    const hash = fnv1a(feature);
    // One bit of the hash gives the sign, so collisions cancel out on average instead of adding up.
    vector[hash % dimensions] = (vector[hash % dimensions] ?? 0) + ((hash >>> 31) & 1 ? -weight : weight);
  }
  if (!normalize) return vector;
  // Never 0: a text with no word at all (empty, punctuation) has one feature, the text itself.
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  return vector.map((v) => v / norm);
}

/** The words trigrams are taken from are at most this long (a base64 image is one long "word"). */
const MAX_TRIGRAM_WORD = 40;

/** English function words: kept (a query of only those still matches), but weighing little next to the words that carry a text. */
const STOP_WORDS = new Set(
  'a an and are as at be by can do does for from has have how i in is it its my of on or our that the their this to was we what when where which who why will with you your'.split(
    ' ',
  ),
);

/** Each feature of the text with its weight: (1 + ln count) times the feature kind's weight. */
function features(text: string): Map<string, number> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const counts = new Map<string, { count: number; weight: number }>();
  const add = (feature: string, weight: number) => {
    const seen = counts.get(feature);
    if (seen) seen.count++;
    else counts.set(feature, { count: 1, weight });
  };
  words.forEach((word, i) => {
    add(`w:${word}`, STOP_WORDS.has(word) ? 0.2 : 1);
    if (i > 0) add(`b:${words[i - 1]} ${word}`, 0.7);
    if (word.length > 3 && word.length <= MAX_TRIGRAM_WORD) {
      const padded = `^${word}$`;
      for (let at = 0; at + 3 <= padded.length; at++) add(`c:${padded.slice(at, at + 3)}`, 0.3 / (padded.length - 2));
    }
  });
  if (words.length === 0) add(`t:${text}`, 1);
  return new Map([...counts].map(([feature, { count, weight }]) => [feature, weight * (1 + Math.log(count))]));
}

/** FNV-1a, 32 bits: fast, and the same on every platform. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The cosine similarity of two vectors of the same length (their dot product when both are unit length). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
