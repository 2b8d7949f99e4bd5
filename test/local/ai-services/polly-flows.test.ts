import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { eventually, executionEnded, region } from '../helpers.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';
import { ROLE } from '../states/helpers.js';
import { stateMachine } from '../template-resources.js';

/** serverless-patterns' stepfunction-polly-s3-cdk: a Map over words, each a Polly synthesis task writing an MP3 to the bucket. */
const WORDS = {
  StartAt: 'WordsIterator',
  States: {
    WordsIterator: {
      Type: 'Map',
      MaxConcurrency: 5,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'StartSpeechSynthesisTask',
        States: {
          StartSpeechSynthesisTask: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:polly:startSpeechSynthesisTask',
            Parameters: { OutputFormat: 'mp3', OutputS3BucketName: 'words', 'Text.$': '$.word', VoiceId: 'Joey' },
            ResultPath: '$.result',
            End: true,
          },
        },
      },
      End: true,
    },
  },
};

describe('Polly in flows', () => {
  const app = restartableRuntime({
    assembly: () =>
      assemblyOf({
        Words: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'words' } },
        Synthesiser: stateMachine(WORDS, { StateMachineName: 'words', RoleArn: ROLE }),
      }),
    ownsAssembly: true,
    clients: (runtime) => ({ s3: s3Client(runtime.url), sfn: new SFNClient(sdkConfig(runtime.url)) }),
  });

  it('starts a synthesis task per word with aws-sdk:polly, and each writes its MP3 to the bucket', async () => {
    const { executionArn } = await app.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: `arn:aws:states:${region}:000000000000:stateMachine:words`,
        input: JSON.stringify([{ word: 'Serverless' }, { word: 'Learning' }]),
      }),
    );
    const ended = await executionEnded(app.sfn, executionArn as string);
    expect(ended.status).toBe('SUCCEEDED');
    const tasks = (JSON.parse(ended.output ?? '[]') as { result: { SynthesisTask: Record<string, unknown> } }[]).map(
      (item) => item.result.SynthesisTask,
    );
    expect(tasks.map((task) => [task.TaskStatus, task.RequestCharacters])).toEqual([
      ['scheduled', 10],
      ['scheduled', 8],
    ]);
    // Step Functions gives the SDK's timestamps as ISO-8601 text.
    expect(String(tasks[0]?.CreationTime)).toMatch(/^\d{4}-\d\d-\d\dT/);
    const keys = await eventually(async () => {
      const { Contents = [] } = await app.s3.send(new ListObjectsV2Command({ Bucket: 'words' }));
      return Contents.length === 2 ? Contents.map((object) => object.Key).sort() : undefined;
    });
    expect(keys).toEqual(tasks.map((task) => `${task.TaskId}.mp3`).sort());
  });
});
