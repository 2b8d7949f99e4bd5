import {
  ComprehendClient,
  DetectDominantLanguageCommand,
  DetectPiiEntitiesCommand,
  DetectSentimentCommand,
} from '@aws-sdk/client-comprehend';
import {
  GetSpeechSynthesisTaskCommand,
  ListSpeechSynthesisTasksCommand,
  PollyClient,
  StartSpeechSynthesisTaskCommand,
  SynthesizeSpeechCommand,
} from '@aws-sdk/client-polly';
import { DetectLabelsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetTranscriptionJobCommand, StartTranscriptionJobCommand, TranscribeClient } from '@aws-sdk/client-transcribe';
import { TranslateClient, TranslateTextCommand } from '@aws-sdk/client-translate';
import { describe, expect, it } from 'vitest';
import { placeholderPng } from '../../../local/bedrock/families/png.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';

describe('the leaf AI services on the endpoint', () => {
  const app = restartableRuntime({
    assembly: () => assemblyOf({ Media: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'media' } } }),
    ownsAssembly: true,
    clients: (runtime) => ({ s3: s3Client(runtime.url) }),
  });
  const config = () => sdkConfig(app.runtime.url);

  it('Comprehend: finds a negative sentiment and the dominant language by lexical rules', async () => {
    const comprehend = new ComprehendClient(config());
    const sentiment = await comprehend.send(
      new DetectSentimentCommand({ Text: 'The delivery was late and the box was broken.', LanguageCode: 'en' }),
    );
    expect(sentiment.Sentiment).toBe('NEGATIVE');
    const language = await comprehend.send(
      new DetectDominantLanguageCommand({ Text: 'Le colis est arrivé avec un jour de retard et je suis très déçu.' }),
    );
    expect(language.Languages?.[0]?.LanguageCode).toBe('fr');
    await expect(comprehend.send(new DetectSentimentCommand({ Text: 'x'.repeat(5001), LanguageCode: 'en' }))).rejects.toMatchObject({
      name: 'TextSizeLimitExceededException',
    });
    // A language outside the model's enum is the codec's refusal; one in it that the operation does not take, the service's.
    await expect(comprehend.send(new DetectSentimentCommand({ Text: 'hi', LanguageCode: 'xx' as never }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining(
        "Value 'xx' at 'languageCode' failed to satisfy constraint: Member must satisfy enum value set: [en, ",
      ),
    });
    await expect(comprehend.send(new DetectPiiEntitiesCommand({ Text: 'hi', LanguageCode: 'fr' }))).rejects.toMatchObject({
      name: 'UnsupportedLanguageException',
    });
    comprehend.destroy();
  });

  it('Translate: marks a simulated translation with its target, and fails if the pair is unsupported', async () => {
    const translate = new TranslateClient(config());
    const answer = await translate.send(
      new TranslateTextCommand({ Text: 'Where is the station?', SourceLanguageCode: 'en', TargetLanguageCode: 'de' }),
    );
    expect(answer).toMatchObject({ TranslatedText: '[de] Where is the station?', SourceLanguageCode: 'en', TargetLanguageCode: 'de' });
    await expect(
      translate.send(new TranslateTextCommand({ Text: 'hi', SourceLanguageCode: 'en', TargetLanguageCode: 'tlh' })),
    ).rejects.toMatchObject({
      name: 'UnsupportedLanguagePairException',
      message: 'Unsupported language pair: en to tlh.',
    });
    translate.destroy();
  });

  it('Rekognition: labels a PNG the same way each time, and fails if the bytes are no image', async () => {
    const rekognition = new RekognitionClient(config());
    const png = placeholderPng(16, 16, 'photo');
    const first = await rekognition.send(new DetectLabelsCommand({ Image: { Bytes: png }, MaxLabels: 3 }));
    const again = await rekognition.send(new DetectLabelsCommand({ Image: { Bytes: png }, MaxLabels: 3 }));
    expect(first.Labels?.length).toBeGreaterThan(0);
    expect(again.Labels).toEqual(first.Labels);
    await expect(rekognition.send(new DetectLabelsCommand({ Image: { Bytes: Buffer.from('not an image') } }))).rejects.toMatchObject({
      name: 'InvalidImageFormatException',
    });
    rekognition.destroy();
  });

  it('Polly and Transcribe: speech made as MP3 and uploaded transcribes back to its text in the output bucket', async () => {
    const polly = new PollyClient(config());
    const speech = await polly.send(
      new SynthesizeSpeechCommand({ Text: 'Your order has shipped.', OutputFormat: 'mp3', VoiceId: 'Joanna' }),
    );
    expect(speech.ContentType).toBe('audio/mpeg');
    const audio = Buffer.from((await speech.AudioStream?.transformToByteArray()) ?? []);
    expect(audio.subarray(0, 3).toString('latin1')).toBe('ID3');
    expect(audio.includes(Buffer.from([0xff, 0xfb, 0x90, 0x64]))).toBe(true);
    const raw = await polly.send(
      new SynthesizeSpeechCommand({ Text: 'Hello', OutputFormat: 'pcm', SampleRate: '8000', VoiceId: 'Joanna' }),
    );
    expect(((await raw.AudioStream?.transformToByteArray()) ?? []).length % 2).toBe(0);
    await app.s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'speech.mp3', Body: audio }));

    const transcribe = new TranscribeClient(config());
    await transcribe.send(
      new StartTranscriptionJobCommand({
        TranscriptionJobName: 'shipped',
        LanguageCode: 'en-US',
        Media: { MediaFileUri: 's3://media/speech.mp3' },
        OutputBucketName: 'media',
      }),
    );
    const job = await eventually(async () => {
      const { TranscriptionJob } = await transcribe.send(new GetTranscriptionJobCommand({ TranscriptionJobName: 'shipped' }));
      return TranscriptionJob?.TranscriptionJobStatus === 'COMPLETED' ? TranscriptionJob : undefined;
    });
    expect(job.Transcript?.TranscriptFileUri).toContain('/media/shipped.json');
    const file = await app.s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'shipped.json' }));
    const transcript = JSON.parse((await file.Body?.transformToString()) ?? '{}');
    expect(transcript.results.transcripts[0].transcript).toBe('Your order has shipped.');
    await expect(
      transcribe.send(
        new StartTranscriptionJobCommand({
          TranscriptionJobName: 'shipped',
          Media: { MediaFileUri: 's3://media/speech.mp3' },
          LanguageCode: 'en-US',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConflictException' });
    polly.destroy();
    transcribe.destroy();
  });

  it('Polly: a synthesis task writes its speech to the output bucket, named by its prefix and task id, and fails on a bucket that is not there', async () => {
    const polly = new PollyClient(config());
    const { SynthesisTask: started } = await polly.send(
      new StartSpeechSynthesisTaskCommand({
        Text: 'Serverless',
        OutputFormat: 'mp3',
        VoiceId: 'Joey',
        OutputS3BucketName: 'media',
        OutputS3KeyPrefix: 'words/serverless',
      }),
    );
    expect(started).toMatchObject({ TaskStatus: 'scheduled', RequestCharacters: 10, VoiceId: 'Joey', OutputFormat: 'mp3' });
    const id = String(started?.TaskId);
    expect(started?.OutputUri).toBe(`https://s3.us-east-1.amazonaws.com/media/words/serverless.${id}.mp3`);
    const done = await eventually(async () => {
      const { SynthesisTask } = await polly.send(new GetSpeechSynthesisTaskCommand({ TaskId: id }));
      return SynthesisTask?.TaskStatus === 'completed' ? SynthesisTask : undefined;
    });
    expect(done.CreationTime).toBeInstanceOf(Date);
    const object = await app.s3.send(new GetObjectCommand({ Bucket: 'media', Key: `words/serverless.${id}.mp3` }));
    expect(object.ContentType).toBe('audio/mpeg');
    expect(
      Buffer.from((await object.Body?.transformToByteArray()) ?? [])
        .subarray(0, 3)
        .toString('latin1'),
    ).toBe('ID3');

    const { SynthesisTask: lost } = await polly.send(
      new StartSpeechSynthesisTaskCommand({
        Text: 'Hi',
        OutputFormat: 'json',
        SpeechMarkTypes: ['word'],
        VoiceId: 'Joanna',
        OutputS3BucketName: 'no-such-bucket',
      }),
    );
    const failed = await eventually(async () => {
      const { SynthesisTask } = await polly.send(new GetSpeechSynthesisTaskCommand({ TaskId: String(lost?.TaskId) }));
      return SynthesisTask?.TaskStatus === 'failed' ? SynthesisTask : undefined;
    });
    expect(failed.TaskStatusReason).toContain('NoSuchBucket');
    expect(failed.OutputUri).toMatch(/\/no-such-bucket\/[0-9a-f-]{36}\.marks$/);
    const { SynthesisTasks } = await polly.send(new ListSpeechSynthesisTasksCommand({ Status: 'failed' }));
    expect(SynthesisTasks?.map((t) => t.TaskId)).toEqual([lost?.TaskId]);
    await expect(polly.send(new GetSpeechSynthesisTaskCommand({ TaskId: 'missing' }))).rejects.toMatchObject({
      name: 'SynthesisTaskNotFoundException',
    });
    await expect(
      polly.send(
        new StartSpeechSynthesisTaskCommand({
          Text: 'x'.repeat(200_001),
          OutputFormat: 'mp3',
          VoiceId: 'Joanna',
          OutputS3BucketName: 'media',
        }),
      ),
    ).rejects.toMatchObject({ name: 'TextLengthExceededException' });
    polly.destroy();
  });
});
