/**
 * What SwitchyardFunction bundles in place of `@aws-sdk/credential-provider-node` (an esbuild
 * alias): in Lambda the execution role's credentials are always in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), which is the first source the
 * SDK's default chain tries, and the local runtime sets the same variables for every function.
 * The rest of the chain (SSO, INI files, credential_process, web identity, the ECS and EC2
 * metadata endpoints, the login provider), and the STS and SSO clients they carry, are ~100 KB
 * of every bundle that Lambda never runs. Not exported from `switchyard-cdk/kit`: only the bundler
 * reads it.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** The shape of `@aws-sdk/credential-provider-node`'s `defaultProvider`, reading only the environment. */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
