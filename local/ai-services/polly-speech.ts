import { AwsError } from '../endpoint/aws-error.js';
import { law8, mp3, oggOpus, pcm } from './audio.js';
import type { Input } from './declaration.js';

/** How long a text takes to say: about 15 characters a second. */
const secondsOf = (text: string) => Math.max(0.2, text.length / 15);

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  mp3: 'audio/mpeg',
  ogg_vorbis: 'audio/ogg',
  ogg_opus: 'audio/ogg',
  pcm: 'audio/pcm',
  mulaw: 'audio/basic',
  alaw: 'audio/basic',
  json: 'application/x-json-stream',
};

/** Speech marks (`json`): a `word` mark for each word, timed at the pace the audio takes, and a `sentence` mark. */
function speechMarks(text: string, types: readonly string[]): Buffer {
  const lines: string[] = [];
  if (types.includes('sentence'))
    lines.push(JSON.stringify({ time: 0, type: 'sentence', start: 0, end: Buffer.byteLength(text), value: text }));
  if (types.includes('word')) {
    for (const m of text.matchAll(/\S+/g)) {
      const start = Buffer.byteLength(text.slice(0, m.index));
      lines.push(
        JSON.stringify({
          time: Math.round(((m.index ?? 0) / 15) * 1000),
          type: 'word',
          start,
          end: start + Buffer.byteLength(m[0]),
          value: m[0],
        }),
      );
    }
  }
  return Buffer.from(lines.map((l) => `${l}\n`).join(''));
}

/** The text a request speaks: SSML's tags left out. */
const spoken = (text: string, type: unknown) => (type === 'ssml' ? text.replace(/<[^>]+>/g, '').trim() : text);

/**
 * The speech a request makes, as SynthesizeSpeech answers it and a synthesis task writes it: its
 * bytes and content type. `limit` is the operation's text length (3,000 characters synchronously,
 * 200,000 for a task).
 */
export function speech(input: Input, limit: number): { readonly audio: Buffer; readonly contentType: string } {
  const text = String(input.Text ?? '');
  if (text.length > limit) {
    throw new AwsError(
      'TextLengthExceededException',
      `Maximum text length has been exceeded (text length: ${text.length}, max length: ${limit})`,
    );
  }
  if (input.TextType === 'ssml' && !/^\s*<speak[\s>][\s\S]*<\/speak>\s*$/.test(text)) {
    throw new AwsError('InvalidSsmlException', 'Invalid SSML request');
  }
  const format = String(input.OutputFormat);
  const said = spoken(text, input.TextType);
  const seconds = secondsOf(said);
  const rate = Number(input.SampleRate ?? (format === 'pcm' ? 16000 : 22050));
  const audio =
    format === 'mp3'
      ? mp3(said, seconds)
      : format === 'pcm'
        ? pcm(rate, seconds)
        : format === 'mulaw' || format === 'alaw'
          ? law8(format, seconds)
          : format === 'json'
            ? speechMarks(said, (input.SpeechMarkTypes as string[] | undefined) ?? [])
            : oggOpus(said, seconds);
  return { audio, contentType: CONTENT_TYPES[format] ?? 'audio/mpeg' };
}
