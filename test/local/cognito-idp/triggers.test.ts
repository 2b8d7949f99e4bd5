import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { arnOf, inlineFunction, userPool, userPoolClient } from '../template-resources.js';
import { failure, useCognitoRuntime } from './cognito-client.js';

const PRE_SIGN_UP = `exports.handler = async (event) => {
  const email = event.request.userAttributes.email;
  if (email.endsWith('@blocked.example')) throw new Error('Sign-ups from this domain are closed');
  if (email.endsWith('@trusted.example')) { event.response.autoConfirmUser = true; event.response.autoVerifyEmail = true; }
  return event;
};`;
const POST_CONFIRMATION = `exports.handler = async (event) => {
  if (event.request.userAttributes.email.startsWith('fail')) throw new Error('welcome mail failed for ' + event.triggerSource);
  return event;
};`;
const PRE_TOKEN = `exports.handler = async (event) => {
  event.response = { claimsOverrideDetails: {
    claimsToAddOrOverride: { source: event.triggerSource, pool: event.userPoolId, sub: 'forged' },
    claimsToSuppress: ['email_verified'],
    groupOverrideDetails: { groupsToOverride: ['readers'] },
  } };
  return event;
};`;

function assembly() {
  return assemblyOf(
    {
      PreSignUp: inlineFunction(PRE_SIGN_UP),
      PostConfirmation: inlineFunction(POST_CONFIRMATION),
      PreToken: inlineFunction(PRE_TOKEN),
      Users: userPool('triggered', {
        AutoVerifiedAttributes: ['email'],
        Policies: { PasswordPolicy: { MinimumLength: 8, RequireSymbols: false } },
        LambdaConfig: {
          PreSignUp: arnOf('PreSignUp'),
          PostConfirmation: arnOf('PostConfirmation'),
          PreTokenGeneration: arnOf('PreToken'),
        },
      }),
      Client: userPoolClient('Users', { ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
    },
    'Auth',
  );
}

describe('Cognito Lambda triggers', () => {
  const { call } = useCognitoRuntime(assembly);
  let clientId: string;
  let poolId: string;

  beforeAll(async () => {
    poolId = (await call('ListUserPools', { MaxResults: 10 })).UserPools[0].Id;
    clientId = (await call('ListUserPoolClients', { UserPoolId: poolId })).UserPoolClients[0].ClientId;
  });

  const signUp = (Username: string) =>
    call('SignUp', { ClientId: clientId, Username, Password: 'Password123', UserAttributes: [{ Name: 'email', Value: Username }] });

  it('confirms a user its pre sign-up trigger confirms, and runs pre token generation on sign-in', async () => {
    expect(await signUp('ada@trusted.example')).toMatchObject({ UserConfirmed: true });
    const { AuthenticationResult } = await call('InitiateAuth', {
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'ada@trusted.example', PASSWORD: 'Password123' },
    });
    const id = decodeJwt(AuthenticationResult.IdToken);
    expect(id).toMatchObject({ source: 'TokenGeneration_Authentication', pool: poolId, 'cognito:groups': ['readers'] });
    // A trigger cannot change the protected claims (sub), and what it suppresses is gone.
    expect(id.sub).not.toBe('forged');
    expect(id.email_verified).toBeUndefined();
  });

  it('fails sign-up with UserLambdaValidationException when the pre sign-up trigger throws', async () => {
    expect(await failure(signUp('bob@blocked.example'))).toEqual({
      code: 'UserLambdaValidationException',
      message: 'PreSignUp failed with error Sign-ups from this domain are closed.',
    });
    const { Users } = await call('ListUsers', { UserPoolId: poolId, Filter: 'email = "bob@blocked.example"' });
    expect(Users).toEqual([]);
  });

  it('runs post confirmation when a user confirms, failing the call with its error', async () => {
    expect(await failure(signUp('fail@trusted.example'))).toEqual({
      code: 'UserLambdaValidationException',
      message: 'PostConfirmation failed with error welcome mail failed for PostConfirmation_ConfirmSignUp.',
    });
  });
});
