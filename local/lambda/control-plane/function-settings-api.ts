import { AwsError } from '../../endpoint/aws-error.js';
import type { Clock } from '../../time/clock.js';
import type { FunctionDefinition } from '../core/function-definition.js';
import { parseFunctionName, requestQualifier } from '../core/function-reference.js';
import { listPage } from '../core/list-pages.js';
import type { Answer, ControlPlane, FunctionHost } from './control-plane.js';
import { lastModified } from './function-requests.js';
import {
  checkProvisionedConflict,
  checkProvisionedLimits,
  checkPublished,
  provisionedAnswer,
  provisionedPutAnswer,
  provisionedTarget,
  withoutQualifier,
} from './provisioned-concurrency.js';

type Input = Readonly<Record<string, unknown>>;

/** ListProvisionedConcurrencyConfigs answers at most 50 a call. */
const LIST_PAGE = 50;

export interface FunctionSettingsOptions {
  /** Where a change of a function the API made is kept and run. */
  readonly functions: ControlPlane;
  /** The service's functions, which the reads answer for (the template's too). */
  readonly host: FunctionHost;
  readonly clock: Clock;
  /** Every function the service runs now (the account's concurrency is theirs). */
  readonly definitions: () => Iterable<FunctionDefinition>;
}

/**
 * A function's settings beside its configuration, through Lambda's API: its provisioned
 * concurrency per version or alias (provisioned-concurrency.ts) and its recursive loop setting
 * (`RecursiveLoop`, Terminate unless Allow was put; a template's function reads its template's).
 * What the API sets is kept with the function in the data folder, as its other settings are;
 * a template's function changes with the next synthesis only, as ControlPlane refuses.
 */
export class FunctionSettingsApi {
  constructor(private readonly options: FunctionSettingsOptions) {}

  PutProvisionedConcurrencyConfig(input: Input): Answer {
    const { definition, qualifier } = this.#target(input, true);
    const current = this.options.functions.changeable(definition.name);
    checkProvisionedConflict(current, qualifier);
    const requested = Number(input.ProvisionedConcurrentExecutions);
    checkProvisionedLimits([...this.options.definitions()], current, qualifier, requested);
    const config = { requested, lastModified: lastModified(this.options.clock.now()) };
    this.options.functions.keep({ ...current, provisionedConcurrency: { ...current.provisionedConcurrency, [qualifier]: config } });
    return { status: 202, body: provisionedPutAnswer(config) };
  }

  GetProvisionedConcurrencyConfig(input: Input): Answer {
    const { definition, qualifier } = this.#target(input, false);
    const config = definition.provisionedConcurrency?.[qualifier];
    if (!config) {
      throw new AwsError('ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function', 404);
    }
    return { status: 200, body: provisionedAnswer(config) };
  }

  /** Deleting a configuration the version or alias does not have succeeds, as in Lambda. */
  DeleteProvisionedConcurrencyConfig(input: Input): Answer {
    const { definition, qualifier } = this.#target(input, false);
    if (definition.provisionedConcurrency?.[qualifier] !== undefined) {
      this.options.functions.keep(withoutQualifier(this.options.functions.changeable(definition.name), qualifier));
    }
    return { status: 204 };
  }

  ListProvisionedConcurrencyConfigs(input: Input): Answer {
    const definition = this.#function(input.FunctionName);
    const all = Object.entries(definition.provisionedConcurrency ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const page = listPage(all, input, LIST_PAGE, ([qualifier]) => qualifier);
    return {
      status: 200,
      body: {
        ProvisionedConcurrencyConfigs: page.items.map(([qualifier, config]) => ({
          FunctionArn: `${definition.arn}:${qualifier}`,
          ...provisionedAnswer(config),
        })),
        ...(page.next ? { NextMarker: page.next } : {}),
      },
    };
  }

  PutFunctionRecursionConfig(input: Input): Answer {
    const current = this.options.functions.changeable(input.FunctionName);
    const RecursiveLoop = String(input.RecursiveLoop);
    this.options.functions.keep({ ...current, template: { ...current.template, RecursiveLoop } });
    return { status: 200, body: { RecursiveLoop } };
  }

  GetFunctionRecursionConfig(input: Input): Answer {
    const definition = this.#function(input.FunctionName);
    return { status: 200, body: { RecursiveLoop: String(definition.template?.RecursiveLoop ?? 'Terminate') } };
  }

  /** The function a call names, unqualified: Lambda's 404 names its unqualified ARN. */
  #function(functionName: unknown): FunctionDefinition {
    return this.options.host.directory.functionOf(parseFunctionName(String(functionName ?? '')).name).definition;
  }

  /**
   * The function and the version or alias a provisioned concurrency call names (by `Qualifier`
   * or the name's suffix): `$LATEST` refused first, then one that does not exist.
   */
  #target(input: Input, write: boolean): { definition: FunctionDefinition; qualifier: string } {
    const { name, qualifier = '' } = requestQualifier(String(input.FunctionName ?? ''), input.Qualifier);
    checkPublished(qualifier, write);
    const definition = this.options.host.definitionOf(name);
    provisionedTarget(definition, this.options.host.directory.arnOf(name), qualifier);
    return { definition: definition as FunctionDefinition, qualifier };
  }
}
