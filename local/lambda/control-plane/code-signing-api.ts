import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../../endpoint/aws-error.js';
import { JsonTable } from '../../store/json-table.js';
import type { Clock } from '../../time/clock.js';
import { parseFunctionName } from '../core/function-reference.js';
import { UntypedLambdaError } from '../core/lambda-errors.js';
import { listPage } from '../core/list-pages.js';
import type { Answer, ControlPlane } from './control-plane.js';
import { lastModified } from './function-requests.js';

type Input = Readonly<Record<string, unknown>>;

/** A code signing configuration as kept, and answered (`CodeSigningConfig`). */
interface CodeSigningConfig {
  readonly CodeSigningConfigId: string;
  readonly CodeSigningConfigArn: string;
  readonly Description: string;
  readonly AllowedPublishers: Readonly<Record<string, unknown>>;
  readonly CodeSigningPolicies: Readonly<Record<string, unknown>>;
  readonly LastModified: string;
}

/** The lists answer at most 50 a call. */
const LIST_PAGE = 50;

export interface CodeSigningOptions {
  readonly db: DatabaseSync;
  /** Where a function's configuration is kept (its change refused for a template's function). */
  readonly functions: ControlPlane;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  /** Every function the service runs now (ListFunctionsByCodeSigningConfig lists theirs). */
  readonly definitions: () => Iterable<{ readonly arn: string; readonly template?: Readonly<Record<string, unknown>> }>;
}

/** Lambda's 404 for a configuration it does not have, answered without `Type`, as recorded. */
const notFound = (arn: string) =>
  new UntypedLambdaError('ResourceNotFoundException', `The Lambda code signing configuration ${arn} can not be found.`, 404);

/**
 * Code signing configurations through Lambda's API: Create, Get, Update, Delete and List, and a
 * function's (PutFunctionCodeSigningConfig, DeleteFunctionCodeSigningConfig,
 * ListFunctionsByCodeSigningConfig), answered and refused as AWS answers them. The
 * configurations are kept in the Lambda database (`api_code_signing_configs`), a function's
 * with the function (its `CodeSigningConfigArn`). The local runtime checks no signatures: a
 * deployment package is taken whatever its signature and the configuration's policies say.
 */
export class CodeSigningApi {
  readonly #table: JsonTable<CodeSigningConfig>;

  constructor(private readonly options: CodeSigningOptions) {
    this.#table = new JsonTable(options.db, 'api_code_signing_configs', 'arn');
  }

  CreateCodeSigningConfig(input: Input): Answer {
    const id = `csc-${randomBytes(9).toString('hex').slice(0, 17)}`;
    const config: CodeSigningConfig = {
      CodeSigningConfigId: id,
      CodeSigningConfigArn: `arn:aws:lambda:${this.options.region}:${this.options.accountId}:code-signing-config:${id}`,
      Description: String(input.Description ?? ''),
      AllowedPublishers: (input.AllowedPublishers ?? {}) as Record<string, unknown>,
      // Lambda's default policy: a deployment that fails the checks is taken, with a warning.
      CodeSigningPolicies: (input.CodeSigningPolicies ?? { UntrustedArtifactOnDeployment: 'Warn' }) as Record<string, unknown>,
      LastModified: lastModified(this.options.clock.now()),
    };
    this.#table.put(config.CodeSigningConfigArn, config);
    return { status: 201, body: { CodeSigningConfig: config } };
  }

  GetCodeSigningConfig(input: Input): Answer {
    return { status: 200, body: { CodeSigningConfig: this.#existing(input.CodeSigningConfigArn) } };
  }

  /** The members given replace the configuration's; none given changes nothing. */
  UpdateCodeSigningConfig(input: Input): Answer {
    const current = this.#existing(input.CodeSigningConfigArn);
    const given = (member: 'Description' | 'AllowedPublishers' | 'CodeSigningPolicies') =>
      input[member] === undefined ? {} : { [member]: input[member] };
    const changed = ['Description', 'AllowedPublishers', 'CodeSigningPolicies'].some((member) => input[member] !== undefined);
    const updated: CodeSigningConfig = {
      ...current,
      ...given('Description'),
      ...given('AllowedPublishers'),
      ...given('CodeSigningPolicies'),
      ...(changed ? { LastModified: lastModified(this.options.clock.now()) } : {}),
    };
    this.#table.put(updated.CodeSigningConfigArn, updated);
    return { status: 200, body: { CodeSigningConfig: updated } };
  }

  DeleteCodeSigningConfig(input: Input): Answer {
    const config = this.#existing(input.CodeSigningConfigArn);
    this.#table.delete(config.CodeSigningConfigArn);
    return { status: 204 };
  }

  ListCodeSigningConfigs(input: Input): Answer {
    const page = listPage(this.#table.all(), input, LIST_PAGE, (config) => config.CodeSigningConfigArn);
    return { status: 200, body: { CodeSigningConfigs: page.items, ...(page.next ? { NextMarker: page.next } : {}) } };
  }

  /** The configuration is looked up before the function, as Lambda does (a missing one of both names the configuration). */
  PutFunctionCodeSigningConfig(input: Input): Answer {
    const arn = String(input.CodeSigningConfigArn ?? '');
    if (this.#table.get(arn) === undefined) {
      throw new AwsError(
        'CodeSigningConfigNotFoundException',
        `The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${arn}.`,
        404,
      );
    }
    const current = this.options.functions.changeable(input.FunctionName);
    this.options.functions.keep({ ...current, template: { ...current.template, CodeSigningConfigArn: arn } });
    return { status: 200, body: { CodeSigningConfigArn: arn, FunctionName: current.name } };
  }

  /** Removing a configuration a function does not have succeeds, as in Lambda. */
  DeleteFunctionCodeSigningConfig(input: Input): Answer {
    const current = this.options.functions.changeable(input.FunctionName);
    if (current.template?.CodeSigningConfigArn !== undefined) {
      const { CodeSigningConfigArn: _removed, ...template } = current.template;
      this.options.functions.keep({ ...current, template });
    }
    return { status: 204 };
  }

  ListFunctionsByCodeSigningConfig(input: Input): Answer {
    const config = this.#existing(input.CodeSigningConfigArn);
    const arns = [...this.options.definitions()]
      .filter((definition) => definition.template?.CodeSigningConfigArn === config.CodeSigningConfigArn)
      .map((definition) => definition.arn)
      .sort();
    const page = listPage(arns, input, LIST_PAGE, (arn) => parseFunctionName(arn).name);
    return { status: 200, body: { FunctionArns: page.items, ...(page.next ? { NextMarker: page.next } : {}) } };
  }

  /** A configuration by its ARN (the only name the API takes it by). */
  #existing(arn: unknown): CodeSigningConfig {
    const config = this.#table.get(String(arn ?? ''));
    if (!config) throw notFound(String(arn ?? ''));
    return config;
  }
}
