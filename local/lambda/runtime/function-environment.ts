import type { FunctionDefinition } from '../core/function-definition.js';

/** The credentials of a function's execution role session, as Lambda puts them in its environment. */
export type RoleCredentials = (
  roleArn: string,
  functionName: string,
) => { accessKeyId: string; secretAccessKey: string; sessionToken: string };

/**
 * A function's environment as Lambda sets it: the runtime's own variables (endpoint,
 * region), the function's, its role session's credentials (the endpoint knows the function's
 * role by them), and Lambda's reserved variables.
 */
export function functionEnvironment(
  definition: FunctionDefinition,
  base: Readonly<Record<string, string>>,
  roleCredentials?: RoleCredentials,
): Record<string, string> {
  const role = definition.template?.Role;
  const session = typeof role === 'string' ? roleCredentials?.(role, definition.name) : undefined;
  return {
    ...base,
    ...definition.environment,
    ...(session
      ? {
          AWS_ACCESS_KEY_ID: session.accessKeyId,
          AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
          AWS_SESSION_TOKEN: session.sessionToken,
        }
      : {}),
    AWS_LAMBDA_FUNCTION_NAME: definition.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: definition.logGroupName,
    AWS_EXECUTION_ENV: `AWS_Lambda_${definition.runtime}`,
    // Powertools reports cold starts only for on-demand environments, as Lambda labels them.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: definition.codePath,
    _HANDLER: definition.handler,
  };
}
