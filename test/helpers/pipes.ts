import { Match, type Template } from 'aws-cdk-lib/assertions';

/** The template's one pipe reads the stream of the table `table` through the function `enrichment` onto the bus `Bus`, with `targetParameters`. */
export function expectOneStreamPipe(template: Template, table: string, enrichment: string, targetParameters: object): void {
  template.resourceCountIs('AWS::Pipes::Pipe', 1);
  template.hasResourceProperties('AWS::Pipes::Pipe', {
    Source: { 'Fn::GetAtt': [Match.stringLikeRegexp(table), 'StreamArn'] },
    Enrichment: { 'Fn::GetAtt': [Match.stringLikeRegexp(enrichment), 'Arn'] },
    Target: { 'Fn::GetAtt': [Match.stringLikeRegexp('Bus'), 'Arn'] },
    TargetParameters: targetParameters,
  });
}

/**
 * A stream pipe's DynamoDBStreamParameters unless told otherwise: AWS's defaults, batches bisected
 * on a failure, and the dead-letter queue whose ARN `deadLetterQueueArn` matches.
 */
export function streamSourceDefaults(deadLetterQueueArn: unknown) {
  return {
    StartingPosition: 'TRIM_HORIZON',
    BatchSize: 10,
    MaximumBatchingWindowInSeconds: 0,
    MaximumRetryAttempts: 3,
    MaximumRecordAgeInSeconds: 86_400,
    OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
    DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetterQueueArn, 'Arn'] } },
  };
}
