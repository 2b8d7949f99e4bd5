import type { LeafServiceDeclaration } from './declaration.js';
import { speech } from './polly-speech.js';
import { SPEECH_SYNTHESIS_JOBS, SPEECH_SYNTHESIS_TASKS } from './polly-tasks.js';

/**
 * Amazon Polly: SynthesizeSpeech answers a small stream of the requested format that players
 * read (silence as long as the text takes to say; an MP3 carries the text for the simulated
 * Transcribe), speech marks as JSON lines; DescribeVoices a few voices; a synthesis task (StartSpeechSynthesisTask)
 * writes the same bytes to S3 (polly-tasks.ts).
 */
export const POLLY: LeafServiceDeclaration = {
  name: 'polly',
  title: 'Polly',
  sdkClient: { package: '@aws-sdk/client-polly', serviceId: 'Polly', baseException: 'PollyServiceException' },
  restPaths: /^\/v1\/(speech|voices|lexicons|synthesisTasks)(\/|$)/,
  operations: {
    SynthesizeSpeech: {
      simulate(input) {
        const { audio, contentType } = speech(input, 3000);
        return { AudioStream: audio, ContentType: contentType, RequestCharacters: String(input.Text ?? '').length };
      },
    },
    ...SPEECH_SYNTHESIS_TASKS,
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
  jobs: SPEECH_SYNTHESIS_JOBS,
};
