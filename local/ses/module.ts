import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelQueryProtocol } from '../endpoint/model-protocols/query-codec.js';
import { ModelRestJsonProtocol } from '../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator, violationsMessage } from '../endpoint/validation/validator.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { TargetDispatcher } from '../targets/dispatcher.js';
import { sesV1Operations } from './api-v1.js';
import { sesV2Operations, v2Error } from './api-v2.js';
import { sesDefinitions } from './definitions.js';
import { sesIam } from './iam-authorizations.js';
import { MailView } from './mail-view.js';
import { mailReads } from './read-routes.js';
import { SES_RUN_TYPES, SES_TYPE_SPECS } from './resource-types.js';
import { MAX_MESSAGE_BYTES } from './send-checks.js';
import { SesService } from './ses-service.js';
import { SesStore } from './ses-store.js';
import { SES_SANDBOX_OPTION, sandboxLine, sesSandboxOf } from './settings.js';
import { sesStepFunctions } from './step-functions.js';
import { VerificationLink } from './verification-link.js';

/**
 * Routes of SES v2 that the AWS SDK for JavaScript v3 sends and the pinned botocore model
 * predates: its lists of identities and configuration sets moved to POSTs with their paging
 * members in the body. The model's GET routes are served too (older SDKs and the CLI send them).
 */
const NEWER_V2_ROUTES = [
  { operation: 'ListEmailIdentities', method: 'POST', requestUri: '/v2/email/list-identities' },
  { operation: 'ListConfigurationSets', method: 'POST', requestUri: '/v2/email/list-configuration-sets' },
] as const;

/**
 * The v2 API's request bodies: a message of up to 40 MB after base64 encoding (SendEmail's raw
 * `Data` is that base64 text in the JSON body), and a mebibyte more for the rest of the request,
 * above the endpoint's 20 MiB: a message between the two gets SES's own size check, not a 413.
 */
const V2_MAX_BODY_BYTES = MAX_MESSAGE_BYTES.v2 + 1024 * 1024;

/** SES as the runtime runs it, and the line the start-up report gives it. */
export interface LocalSes extends SesService {
  /** The start-up report's line: the sandbox, and where sent mail goes. */
  describe(): string;
  /** The mailbox as the read API shows it. */
  readonly mailView: MailView;
  /** Each API's operations in its shapes, for Step Functions' aws-sdk integrations (`aws-sdk:ses:*`, `aws-sdk:sesv2:*`). */
  readonly sdkOperations: { readonly v1: ModelOperations; readonly v2: ModelOperations };
}

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    ses: LocalSes;
  }
  interface ServiceOptions {
    /**
     * Whether SES runs in its sandbox (mail only to verified identities and the mailbox
     * simulator, 200 recipients a day), as a new AWS account's does.
     * @default process.env.SWITCHYARD_SES_SANDBOX (on or off), else true
     */
    readonly sesSandbox?: boolean;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    ses: 'ses';
    sesv2: 'ses';
  }
}

/**
 * SES, both of its APIs (v1's query protocol, v2's REST-JSON), each spoken from its model:
 * identities, templates, configuration sets with SNS and EventBridge event destinations,
 * the sandbox and quotas; sent mail is kept in the local mailbox (the read API's `/mail`).
 */
export const sesModule: ServiceModule<'ses', ReturnType<typeof sesDefinitions>> = {
  name: 'ses',
  iam: sesIam,
  stepFunctions: sesStepFunctions,
  // What each API serves is its operation table's keys (built without a service: the table's
  // functions reach SES only when called), so the list the endpoint's models are refreshed from
  // and the operations the protocol answers are one list.
  apis: [
    { model: 'ses', operations: Object.keys(sesV1Operations(undefined as never)), protocolFromModel: true },
    { model: 'sesv2', operations: Object.keys(sesV2Operations(undefined as never)), protocolFromModel: true },
  ],
  sdkClients: [
    { package: '@aws-sdk/client-ses', serviceId: 'SES' },
    { package: '@aws-sdk/client-sesv2', serviceId: 'SESv2' },
  ],
  needs: ['iam', 'sns', 'events'],
  databases: ['ses'],
  options: [SES_SANDBOX_OPTION],
  resourceTypes: SES_TYPE_SPECS,
  // A newer template's identities, templates, configuration sets and destinations apply in place; removed ones go.
  reloads: { types: SES_RUN_TYPES, removals: true },
  definitions: sesDefinitions,
  create({ settings, database, services }, definitions) {
    const { clock, accountId, region, url, log } = settings;
    const sns = services.get('sns');
    const setting = { sandbox: sesSandboxOf(settings.options.sesSandbox) };
    const ses = new SesService({
      store: new SesStore(database('ses')),
      clock,
      region,
      accountId,
      baseUrl: url,
      setting,
      // SES publishes events to topics and buses as the service, through the one dispatcher.
      dispatcher: new TargetDispatcher({ sns, events: services.get('events') }),
      topicExists: (topicArn) =>
        sns.GetTopicAttributes({ TopicArn: topicArn }).then(
          () => true,
          (error: unknown) => {
            if (error instanceof AwsError && error.code === 'NotFound') return false;
            throw error;
          },
        ),
      log: (line) => log(`[ses] ${line}`),
    });
    const sdkOperations = { v1: sesV1Operations(ses), v2: sesV2Operations(ses) };
    const v1 = new ModelQueryProtocol(loadModel('ses'), sdkOperations.v1, {
      serviceName: 'SES',
      // SES's query API answers model violations as the query services do: ValidationError, AWS's summary;
      // a number or boolean that does not read as one is refused the same way, in the deserializer's words.
      validate: modelValidator('ses', {
        wrongType: (finding) => new AwsError('ValidationError', finding.message, 400),
        violations: (violations) => new AwsError('ValidationError', violationsMessage(violations), 400),
      }),
    });
    const v2 = new ModelRestJsonProtocol(
      loadModel('sesv2'),
      sdkOperations.v2,
      {
        serviceName: 'SESv2',
        validate: modelValidator('sesv2', {
          wrongType: (finding) => new AwsError('BadRequestException', finding.message, 400),
          violations: (violations) => new AwsError('BadRequestException', violationsMessage(violations), 400),
        }),
        // IAM's refusal in v2's words (AccessDeniedException), as its operations' errors are.
        refusal: v2Error,
      },
      { newerRoutes: NEWER_V2_ROUTES, maxBodyBytes: V2_MAX_BODY_BYTES },
    );
    const local: LocalSes = Object.assign(ses, {
      describe: () => sandboxLine(setting.sandbox),
      mailView: new MailView(ses.mailbox),
      sdkOperations,
    });
    return {
      service: local,
      mounts: {
        query: [v1, new VerificationLink(ses.identities)],
        rest: [v2],
        reads: mailReads({
          list: (query) => local.mailView.list(query),
          message: (id) => local.mailView.message(id),
          raw: (id) => ses.mailbox.get(id)?.raw,
        }),
      },
      // After SNS and EventBridge start: the template's resources, then the events a crash left owed.
      start: () => {
        ses.declare(definitions);
        ses.start();
      },
      reload: ({ app, before }) => {
        const next = sesDefinitions(app);
        const removed = ses.declare(next);
        const was = described(sesDefinitions(before.app));
        const changed = [...described(next)].filter(([line, text]) => was.get(line) !== text);
        return { reloaded: [...changed.map(([line]) => (was.has(line) ? line : `${line} (new)`)), ...removed] };
      },
      stop: () => ses.stop(),
    };
  },
  report: (ses) => ({ lines: [ses.describe()] }),
};

/** Each resource SES runs from a template, by its line in a reload's report, with what it declares. */
function described(definitions: ReturnType<typeof sesDefinitions>): Map<string, string> {
  return new Map([
    ...definitions.identities.map((i) => [`identity ${i.name}`, JSON.stringify(i)] as const),
    ...definitions.templates.map((t) => [`template ${t.name}`, JSON.stringify(t)] as const),
    ...definitions.configurationSets.map((c) => [`configuration set ${c.name}`, JSON.stringify(c)] as const),
    ...definitions.eventDestinations.map((d) => [`event destination ${d.configurationSet}/${d.name}`, JSON.stringify(d)] as const),
  ]);
}
