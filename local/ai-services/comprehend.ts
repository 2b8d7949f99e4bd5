import { AwsError } from '../endpoint/aws-error.js';
import { member } from '../iam/authorizations.js';
import type { Input, LeafOperation, LeafServiceDeclaration } from './declaration.js';
import { dominantLanguages, entitiesOf, keyPhrasesOf, piiOf, sentimentOf } from './lexical.js';

/** Comprehend's real-time limit on a document: 100 KB for language detection, 5,000 bytes (UTF-8) for the rest. */
function checkedText(input: Input, limit = 5000): string {
  const text = String(input.Text ?? '');
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limit) {
    throw new AwsError(
      'TextSizeLimitExceededException',
      `Input text size exceeds limit. Max length of request text allowed is ${limit} bytes while in this request the text size is ${size} bytes`,
    );
  }
  return text;
}

/** PII takes these of the model's languages; the model's enum (the codec's check) is what the other operations take. */
function checkedLanguage(input: Input, takes: readonly string[]): void {
  const code = String(input.LanguageCode ?? 'en');
  if (!takes.includes(code)) {
    throw new AwsError('UnsupportedLanguageException', `The language code ${code} is not supported for this operation.`);
  }
}

const lexical = (answer: (text: string) => unknown, languages: readonly string[] | undefined, limit?: number): LeafOperation => ({
  simulate(input) {
    const text = checkedText(input, limit);
    if (languages) checkedLanguage(input, languages);
    return answer(text);
  },
});

/**
 * Amazon Comprehend: dominant language, sentiment, entities, key phrases and PII from simple
 * lexical rules (lexical.ts); a custom classifier's ClassifyDocument as a model call when a
 * model backend answers Comprehend, else a schema-valid class.
 */
export const COMPREHEND: LeafServiceDeclaration = {
  name: 'comprehend',
  // A custom classifier's endpoint, which ClassifyDocument names.
  iamResources: { ClassifyDocument: (input) => member(input, 'EndpointArn') ?? '*' },
  title: 'Comprehend',
  sdkClient: { package: '@aws-sdk/client-comprehend', serviceId: 'Comprehend', baseException: 'ComprehendServiceException' },
  operations: {
    DetectDominantLanguage: lexical((text) => ({ Languages: dominantLanguages(text) }), undefined, 100_000),
    DetectSentiment: lexical((text) => sentimentOf(text), undefined),
    DetectEntities: lexical((text) => ({ Entities: entitiesOf(text) }), undefined),
    DetectKeyPhrases: lexical((text) => ({ KeyPhrases: keyPhrasesOf(text) }), undefined),
    DetectPiiEntities: lexical((text) => ({ Entities: piiOf(text).map(({ Text: _, ...span }) => span) }), ['en', 'es']),
    BatchDetectSentiment: {
      simulate(input) {
        const list = (input.TextList as string[] | undefined) ?? [];
        if (list.length > 25)
          throw new AwsError('BatchSizeLimitExceededException', 'The number of documents in the request exceeds the limit of 25.');
        return { ResultList: list.map((text, Index) => ({ Index, ...sentimentOf(checkedText({ Text: text })) })), ErrorList: [] };
      },
    },
    ClassifyDocument: {
      modelCall: {
        prompt: (input) => ({
          system: `You are the document classifier ${String(input.EndpointArn)}. Answer with the name of the one class the document belongs to, and nothing else.`,
          text: String(input.Text ?? ''),
        }),
        output: (answer) => ({ Classes: [{ Name: answer.split('\n')[0]?.trim() ?? answer, Score: 1 }] }),
      },
    },
  },
};
