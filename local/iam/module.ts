import type { ServiceModule, ServiceOption } from '../service-registry/service-module.js';
import { resourceChanges } from '../template/changes.js';
import { IamCheck, type IamMode, parseIamMode } from './iam-check.js';
import { iamReads } from './read-routes.js';
import { IAM_RESOURCE_TYPES } from './resource-types.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    iam: IamCheck;
  }
  interface ServiceOptions {
    /**
     * What IAM does with a request the app's policies do not allow: `warn` prints it and lets
     * it run, `enforce` refuses it as AWS does, `off` evaluates nothing.
     * @default process.env.SWITCHYARD_IAM, else 'off'
     */
    readonly iam?: 'off' | 'warn' | 'enforce';
  }
}

/** `--iam`, else SWITCHYARD_IAM, else warn: the mode `switchyard dev` and `npm start` run IAM in. */
const IAM_OPTION: ServiceOption<'iam'> = {
  name: 'iam',
  flag: 'iam',
  env: 'SWITCHYARD_IAM',
  default: 'warn',
  help: `  --iam       what a request the app's IAM policies do not allow does: warn (default: it runs
              and is printed once; switchyard iam lists it), enforce (refused as AWS refuses
              it), off; default SWITCHYARD_IAM, else warn`,
  parse: parseIamMode,
};

/** The IAM mode: the runtime's option, else SWITCHYARD_IAM, else off (`switchyard dev` and `npm start` pass warn). */
export function iamModeOf(option: IamMode | undefined, env: NodeJS.ProcessEnv = process.env): IamMode {
  if (option !== undefined) return option;
  const setting = env[IAM_OPTION.env];
  return setting === undefined || setting === '' ? 'off' : parseIamMode(setting, IAM_OPTION.env);
}

/** What the start-up report says of IAM: the mode, and what it means against AWS. */
export function iamModeLine(mode: IamMode): string {
  if (mode === 'enforce') return '  iam: enforce (requests AWS would refuse are refused as AWS refuses them; `switchyard iam` lists them)';
  if (mode === 'warn') {
    return '  iam: warn (requests AWS would refuse still run; each is printed once and listed by `switchyard iam` and `switchyard failures`)';
  }
  return '  iam: off (no policy is evaluated)';
}

/**
 * IAM: the template's roles and policies, evaluated on the requests principals make
 * (local/iam/iam-check.ts). Created right after the template, so that every service that
 * authorizes (the endpoint's operations, deliveries, Step Functions' tasks) finds it.
 */
const IAM_TYPES: ReadonlySet<string> = new Set(Object.keys(IAM_RESOURCE_TYPES));

export const iamModule: ServiceModule<'iam'> = {
  name: 'iam',
  needs: ['template'],
  options: [IAM_OPTION],
  resourceTypes: IAM_RESOURCE_TYPES,
  // Every policy the store reads from the template (policy-store.ts), removals included: what runs next is checked against the new ones.
  // Its own types and every type that is only a resource policy (a queue policy, a Lambda permission), removals included:
  // IAM's store reads every policy again at each reload, so what runs next is checked against the new ones.
  reloads: { types: Object.keys(IAM_RESOURCE_TYPES), resourcePolicies: true, removals: true },

  // Every module's operations the endpoint runs are checked against what that module's `iam` declares.
  checkOperation: (iam, declared, operation, input) => iam.authorizeCall(declared.prefix, operation, input),
  create({ settings, services, iamServices, resourcePolicies, warn }) {
    const mode = iamModeOf(settings.options.iam);
    const template = services.get('template');
    const iam = new IamCheck(template.app, {
      mode,
      services: iamServices,
      resourcePolicies,
      accountId: settings.accountId,
      region: settings.region,
      masterSecret: settings.credentials.secretAccessKey,
      log: settings.log,
      now: () => settings.clock.now(),
      // Looked up when asked: KMS and SQS are created after IAM, which they authorize with.
      lookups: {
        kmsKeyArn: (reference) => services.get('kms').customerKeyArn(reference),
        secretArn: (secretId) => services.get('secretsmanager').arnOf(secretId),
        sesIdentity: (address) => services.get('ses').identities.verifiedFor(address)?.name,
        topicKmsKey: (topicArn) => {
          const key = services.get('sns').attributeOf(topicArn, 'KmsMasterKeyId');
          return key === undefined ? undefined : services.get('kms').customerKeyArn(key);
        },
        queueKmsKey: (queueArn) => {
          const key = services.get('sqs').attributeOf(queueArn, 'KmsMasterKeyId');
          return key === undefined ? undefined : services.get('kms').customerKeyArn(key);
        },
      },
    });
    // The mode itself is a line of the start-up report (iamModeLine), not a warning.
    // AWS accepts these policies and they grant nothing: said once, at start-up, with what holds them.
    warn(iam.problems.map((p) => `${p.asInAws ? '[as in AWS] ' : ''}IAM policy of ${p.holder}: ${p.problem}`));
    return {
      service: iam,
      mounts: { reads: iamReads(iam) },
      reload: ({ app, before }) => {
        iam.reload(app);
        // Every grant is evaluated anew: say which roles and policies changed.
        const changes = resourceChanges(before.app, app, IAM_TYPES);
        return {
          reloaded: changes.map(
            ({ resource, how }) =>
              `IAM ${resource.type.slice('AWS::IAM::'.length)} ${resource.logicalId}${how === 'changed' ? '' : ` (${how})`}`,
          ),
        };
      },
    };
  },
  report: (iam) => ({ lines: [iamModeLine(iam.mode)] }),
};

/**
 * Start-up lines for the resources whose role the service may not assume (its trust policy
 * does not name the service, or its conditions do not hold for the resource, `sourceArn`,
 * where the service names it): AWS refuses to create such a resource, so the deploy would
 * fail; the local runtime runs it all the same and says so. Nothing with IAM off.
 */
export async function untrustedRoleWarnings(
  iam: IamCheck,
  service: string,
  resources: readonly { readonly what: string; readonly roleArn?: string; readonly sourceArn?: string }[],
): Promise<string[]> {
  const lines: string[] = [];
  for (const { what, roleArn, sourceArn } of resources) {
    const reason = roleArn === undefined ? undefined : await iam.untrustedBy(roleArn, service, sourceArn);
    if (reason) lines.push(`${what}: AWS would refuse to create it: ${reason} (its AssumeRolePolicyDocument); it runs here all the same`);
  }
  return lines;
}
