import { AwsError } from '../aws-error.js';
import type { LambdaForSns } from './delivery.js';

/**
 * Asynchronous invocation on top of LambdaService's synchronous `invoke`, until Lambda has
 * an `invokeAsync` of its own: an unknown function is refused at once (as Lambda answers
 * InvocationType=Event), a known one is accepted and run in the background.
 */
export function asyncInvokerStandIn(lambda: {
  readonly functionNames: readonly string[];
  invoke(name: string, event: unknown): Promise<unknown>;
}): LambdaForSns {
  return {
    invokeAsync: async (name, event) => {
      const short = name.startsWith('arn:') ? (name.split(':')[6] ?? name) : name;
      if (!lambda.functionNames.includes(short)) throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
      void lambda.invoke(name, event).catch(() => {});
      return { requestId: '' };
    },
  };
}
