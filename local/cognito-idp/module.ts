import type { RawRequest, RawResponse, RestProtocolService } from '../endpoint/protocols.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { apiOperations, operationTable } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { AuthApi } from './auth-api.js';
import type { CognitoContext, CognitoMail } from './context.js';
import { cognitoDefinitions } from './definitions.js';
import { MfaApi } from './mfa-api.js';
import { domainLocalUrls, type PoolDomain, poolDomains, tokenEndpoint } from './oauth2-token.js';
import { PasswordApi } from './password-api.js';
import { PoolApi } from './pool-api.js';
import { COGNITO_TYPE_SPECS } from './resource-types.js';
import { CognitoStore } from './store.js';
import { PoolKeys } from './tokens.js';
import { Triggers } from './triggers.js';
import { UserApi } from './user-api.js';

/** The running Cognito user pools: their store and signing keys, and the context the APIs share. */
export interface LocalCognito {
  readonly context: CognitoContext;
  /** The app's user pool domains as loaded now (a reload may add one). */
  readonly domains: () => readonly PoolDomain[];
}

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    cognito: LocalCognito;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    'cognito-idp': 'cognito';
  }
}

/** Where Cognito's own email comes from when a pool sends none through SES (`COGNITO_DEFAULT`). */
const COGNITO_SENDER = 'no-reply@verificationemail.com';

/** `/<poolId>/.well-known/jwks.json` and `/.well-known/openid-configuration`: the issuer's documents. */
const WELL_KNOWN = /^\/([\w-]+_[A-Za-z0-9]+)\/\.well-known\/(jwks\.json|openid-configuration)$/;

function wellKnown(context: CognitoContext): RestProtocolService {
  return {
    handles: (request) => request.method === 'GET' && WELL_KNOWN.test(request.path),
    handle: async (request: RawRequest): Promise<RawResponse> => {
      const [, poolId = '', document] = WELL_KNOWN.exec(request.path) ?? [];
      const json = (status: number, body: unknown) => ({
        status,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (context.store.pools.get(poolId) === undefined) return json(404, { message: `User pool ${poolId} does not exist.` });
      if (document === 'jwks.json') return json(200, context.keys.jwks(poolId));
      const issuer = context.issuer(poolId);
      return json(200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        id_token_signing_alg_values_supported: ['RS256'],
        subject_types_supported: ['public'],
        response_types_supported: ['code', 'token'],
        scopes_supported: ['openid', 'email', 'phone', 'profile'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    },
  };
}

const OPERATION_TYPES = [PoolApi, UserApi, AuthApi, PasswordApi, MfaApi] as const;

/** Cognito user pools (`cognito-idp`): the template's pools, clients and groups and the API's, users, sign-up and sign-in, tokens. */
export const cognitoModule: ServiceModule<'cognito', ReturnType<typeof cognitoDefinitions>> = {
  name: 'cognito',
  apis: [{ model: 'cognito-idp', operations: OPERATION_TYPES.flatMap((type) => apiOperations(type)) }],
  sdkClients: [{ package: '@aws-sdk/client-cognito-identity-provider', serviceId: 'Cognito Identity Provider' }],
  needs: ['ses', 'lambda', 'template'],
  databases: ['cognito-idp'],
  localUrls: domainLocalUrls,
  resourceTypes: COGNITO_TYPE_SPECS,
  definitions: (app, { clock }) => cognitoDefinitions(app, { now: clock.now() }),
  create({ settings, database, services }, template) {
    const { clock, accountId, region, url } = settings;
    const store = new CognitoStore(database('cognito-idp'));
    const ses = services.get('ses');
    // Composed and kept by the mailbox, as SES's own mail and SNS's are.
    const mail = async (message: CognitoMail) => {
      await ses.mailbox.deliver({
        from: COGNITO_SENDER,
        source: COGNITO_SENDER,
        to: message.to,
        subject: message.subject,
        text: message.text,
        operation: `cognito-idp:${message.operation}`,
        sentAt: clock.now(),
      });
    };
    const context: CognitoContext = {
      store,
      keys: new PoolKeys(store),
      // Cognito invokes its triggers synchronously and waits for their answer.
      triggers: new Triggers((arn, event) => services.get('lambda').invoke(arn, event), region),
      clock,
      region,
      accountId,
      issuer: (poolId) => `${url}/${poolId}`,
      mail,
    };
    // The template's pools, clients and groups as it declares them; the users and what the API made stay.
    store.transaction(() => {
      for (const pool of template.pools) {
        store.pools.put(pool.Id, { ...pool, CreationDate: store.pools.get(pool.Id)?.CreationDate ?? pool.CreationDate });
        // Its tags are the template's again, as a Lambda function's are.
        store.tags.replace(pool.Arn, Object.entries(template.tags.get(pool.Arn) ?? {}));
      }
      for (const client of template.clients) store.clients.put(client.ClientId, client);
      for (const group of template.groups) store.groups.put(`${group.UserPoolId}/${group.GroupName}`, group);
    });
    const operations = Object.assign({}, ...OPERATION_TYPES.map((type) => operationTable(new type(context), type)));
    const domains = () => poolDomains(services.get('template').app.stacks.flatMap((stack) => stack.resources));
    return {
      service: { context, domains },
      mounts: {
        json: [
          { targetPrefix: 'AWSCognitoIdentityProviderService', jsonVersion: '1.1', operations, validate: modelValidator('cognito-idp') },
        ],
        rest: [wellKnown(context), tokenEndpoint(context, domains)],
      },
    };
  },
  report: ({ context, domains: poolDomainsNow }, { url }) => {
    const pools = context.store.pools.all();
    const domains = poolDomainsNow();
    return {
      counts: { 'user pools': pools.length },
      ...(domains.length === 0
        ? {}
        : {
            serves: domains.map(
              ({ domain, poolId }) =>
                `  cognito domain ${domain} (${poolId}): token endpoint ${url}/_aws/cognito-idp/${domain}/oauth2/token (the client credentials grant; the hosted UI and the other grants are not served)`,
            ),
          }),
      ...(pools.length === 0
        ? {}
        : {
            lines: [
              `  cognito user pools: ${pools.map((p) => `${p.Name} (${p.Id})`).join(', ')}; tokens' issuer is <endpoint>/<poolId>, not cognito-idp.<region>.amazonaws.com; SMS and email MFA, custom auth and triggers other than pre sign-up, post confirmation and pre token generation are not run (docs/local-runtime/cognito-idp.md)`,
            ],
          }),
    };
  },
};
