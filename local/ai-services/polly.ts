import { AwsError } from '../endpoint/aws-error.js';
import { law8, mp3, oggOpus, pcm } from './audio.js';
import type { LeafServiceDeclaration } from './declaration.js';

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
 * Amazon Polly: SynthesizeSpeech answers a small stream of the requested format that players
 * read (silence as long as the text takes to say; an MP3 carries the text for the simulated
 * Transcribe), speech marks as JSON lines; DescribeVoices a few voices.
 */
export const POLLY: LeafServiceDeclaration = {
  name: 'polly',
  title: 'Polly',
  sdkClient: { package: '@aws-sdk/client-polly', serviceId: 'Polly', baseException: 'PollyServiceException' },
  restPaths: /^\/v1\/(speech|voices|lexicons|synthesisTasks)(\/|$)/,
  operations: {
    SynthesizeSpeech: {
      simulate(input) {
        const text = String(input.Text ?? '');
        if (text.length > 3000) {
          throw new AwsError(
            'TextLengthExceededException',
            `Maximum text length has been exceeded (text length: ${text.length}, max length: 3000)`,
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
        return { AudioStream: audio, ContentType: CONTENT_TYPES[format] ?? 'audio/mpeg', RequestCharacters: text.length };
      },
    },
    DescribeVoices: {
      simulate: () => ({
        Voices: [
          {
            Id: 'Joanna',
            Name: 'Joanna',
            Gender: 'Female',
            LanguageCode: 'en-US',
            LanguageName: 'US English',
            SupportedEngines: ['neural', 'standard'],
          },
          {
            Id: 'Matthew',
            Name: 'Matthew',
            Gender: 'Male',
            LanguageCode: 'en-US',
            LanguageName: 'US English',
            SupportedEngines: ['neural', 'standard'],
          },
          {
            Id: 'Lea',
            Name: 'Léa',
            Gender: 'Female',
            LanguageCode: 'fr-FR',
            LanguageName: 'French',
            SupportedEngines: ['neural', 'standard'],
          },
          {
            Id: 'Vicki',
            Name: 'Vicki',
            Gender: 'Female',
            LanguageCode: 'de-DE',
            LanguageName: 'German',
            SupportedEngines: ['neural', 'standard'],
          },
        ],
      }),
    },
  },
};
