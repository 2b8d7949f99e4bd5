import { GetDurableExecutionCommand, type GetDurableExecutionCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { eventually } from '../local/helpers.js';

/** The durable execution `arn` once it no longer runs, as GetDurableExecution answers; `what` names the wait if it times out. */
export function durableExecutionEnded(
  lambda: LambdaClient,
  arn: string,
  what = `${arn} to end`,
): Promise<GetDurableExecutionCommandOutput> {
  return eventually(
    async () => {
      const execution = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
      return execution.Status === 'RUNNING' ? undefined : execution;
    },
    30_000,
    what,
  );
}
