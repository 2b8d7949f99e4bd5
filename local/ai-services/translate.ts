import { AwsError } from '../endpoint/aws-error.js';
import type { Input, LeafServiceDeclaration } from './declaration.js';
import { dominantLanguages } from './lexical.js';

/** The languages Amazon Translate translates between (its ListLanguages), by code. */
const LANGUAGES: Readonly<Record<string, string>> = {
  af: 'Afrikaans',
  ar: 'Arabic',
  bg: 'Bulgarian',
  bn: 'Bengali',
  cs: 'Czech',
  da: 'Danish',
  de: 'German',
  el: 'Greek',
  en: 'English',
  es: 'Spanish',
  et: 'Estonian',
  fa: 'Farsi',
  fi: 'Finnish',
  fr: 'French',
  he: 'Hebrew',
  hi: 'Hindi',
  hr: 'Croatian',
  hu: 'Hungarian',
  id: 'Indonesian',
  it: 'Italian',
  ja: 'Japanese',
  ko: 'Korean',
  lt: 'Lithuanian',
  lv: 'Latvian',
  ms: 'Malay',
  nl: 'Dutch',
  no: 'Norwegian',
  pl: 'Polish',
  pt: 'Portuguese (Brazil)',
  ro: 'Romanian',
  ru: 'Russian',
  sk: 'Slovak',
  sl: 'Slovenian',
  sv: 'Swedish',
  sw: 'Swahili',
  th: 'Thai',
  tr: 'Turkish',
  uk: 'Ukrainian',
  ur: 'Urdu',
  vi: 'Vietnamese',
  zh: 'Chinese (Simplified)',
  'zh-TW': 'Chinese (Traditional)',
};

/** The pair a request names, `auto` resolved to the text's dominant language; UnsupportedLanguagePairException for a code Translate does not have. */
function pairOf(input: Input): { source: string; target: string; text: string } {
  const text = String(input.Text ?? '');
  const size = Buffer.byteLength(text, 'utf8');
  if (size > 10_000) {
    throw new AwsError(
      'TextSizeLimitExceededException',
      `Input text size exceeds limit. Max length of request text allowed is 10000 bytes while in this request the text size is ${size} bytes`,
    );
  }
  const asked = String(input.SourceLanguageCode ?? '');
  const source = asked === 'auto' ? (dominantLanguages(text)[0]?.LanguageCode ?? 'en') : asked;
  const target = String(input.TargetLanguageCode ?? '');
  if (LANGUAGES[source] === undefined || LANGUAGES[target] === undefined) {
    throw new AwsError('UnsupportedLanguagePairException', `Unsupported language pair: ${source} to ${target}.`);
  }
  return { source, target, text };
}

/**
 * Amazon Translate: a model call when a model backend answers Translate; simulated, the text
 * marked with its target language (`[fr] Hello`), the same text for the same pair; ListLanguages.
 */
export const TRANSLATE: LeafServiceDeclaration = {
  name: 'translate',
  title: 'Translate',
  sdkClient: { package: '@aws-sdk/client-translate', serviceId: 'Translate', baseException: 'TranslateServiceException' },
  operations: {
    TranslateText: {
      simulate(input) {
        const { source, target, text } = pairOf(input);
        return { TranslatedText: source === target ? text : `[${target}] ${text}`, SourceLanguageCode: source, TargetLanguageCode: target };
      },
      modelCall: {
        prompt(input) {
          const { source, target, text } = pairOf(input);
          return {
            system: `Translate the user's text from ${LANGUAGES[source]} (${source}) to ${LANGUAGES[target]} (${target}). Answer with the translation only.`,
            text,
          };
        },
        output(answer, input) {
          const { source, target } = pairOf(input);
          return { TranslatedText: answer, SourceLanguageCode: source, TargetLanguageCode: target };
        },
      },
    },
    ListLanguages: {
      simulate: () => ({
        Languages: Object.entries(LANGUAGES).map(([LanguageCode, LanguageName]) => ({ LanguageCode, LanguageName })),
        DisplayLanguageCode: 'en',
      }),
    },
  },
};
