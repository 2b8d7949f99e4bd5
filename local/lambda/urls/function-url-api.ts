import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { type CorsConfiguration, corsConfigurationOf } from '../../apigateway/cors.js';
import { AwsError } from '../../endpoint/aws-error.js';
import { JsonTable } from '../../store/json-table.js';
import type { Clock } from '../../time/clock.js';
import { type FunctionDirectory, requestQualifier } from '../core/function-reference.js';
import { validateLambdaInput } from '../core/input-validation.js';
import { listPage } from '../core/list-pages.js';
import type { FunctionDefinition } from '../runtime/function-runtime.js';
import type { FunctionUrlDefinition } from './function-url-definitions.js';

/** A function URL CreateFunctionUrlConfig made, as kept (and answered). */
interface UrlConfig {
  readonly functionName: string;
  readonly qualifier?: string;
  readonly urlId: string;
  readonly authType: 'NONE' | 'AWS_IAM';
  /** The Cors member as given (answered as given; served as `cors`). */
  readonly cors?: Record<string, unknown>;
  readonly invokeMode?: 'BUFFERED' | 'RESPONSE_STREAM';
  readonly creationTime: string;
  readonly lastModifiedTime: string;
}

/** Where the function URLs are served (FunctionUrls): the template's, and those the API made, which it serves beside them. */
export interface ServedUrls {
  templateUrls(): readonly FunctionUrlDefinition[];
  setMade(urls: readonly FunctionUrlDefinition[]): void;
}

export interface FunctionUrlApiOptions {
  readonly db: DatabaseSync;
  readonly directory: FunctionDirectory<{ readonly definition: FunctionDefinition }>;
  readonly served?: ServedUrls;
  readonly clock: Clock;
  readonly region: string;
  /** The endpoint's URL: a URL made here answers at `http://<url-id>.lambda-url.<region>.localhost:<port>/`. */
  readonly url?: string;
}

type Input = Readonly<Record<string, unknown>>;

/** ListFunctionUrlConfigs answers at most 50 a call. */
const LIST_PAGE = 50;

const notFound = () => new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404);
const noFunction = () => new AwsError('ResourceNotFoundException', 'Function does not exist', 404);

/**
 * Lambda's function URL configurations through its API: CreateFunctionUrlConfig,
 * GetFunctionUrlConfig, UpdateFunctionUrlConfig, DeleteFunctionUrlConfig and
 * ListFunctionUrlConfigs, answered and refused as AWS answers them. A URL made here is kept in
 * the Lambda database (`api_function_urls`) and served beside the template's (function-urls.ts)
 * at once and after a restart; the template's are answered, and change with the next synthesis only.
 */
export class FunctionUrlApi {
  readonly #table: JsonTable<UrlConfig>;

  constructor(private readonly options: FunctionUrlApiOptions) {
    this.#table = new JsonTable(options.db, 'api_function_urls', 'arn');
    this.#serve();
  }

  async CreateFunctionUrlConfig(input: Input) {
    const { name, qualifier } = this.#target(input, 'CreateFunctionUrlConfig');
    return this.#create(name, qualifier, input);
  }

  async GetFunctionUrlConfig(input: Input) {
    const { name, qualifier } = this.#target(input, 'GetFunctionUrlConfig');
    return this.#answer(this.#existing(name, qualifier, notFound));
  }

  async UpdateFunctionUrlConfig(input: Input) {
    const { name, qualifier } = this.#target(input, 'UpdateFunctionUrlConfig');
    return this.#update(name, qualifier, input);
  }

  async DeleteFunctionUrlConfig(input: Input) {
    const { name, qualifier } = this.#target(input, 'DeleteFunctionUrlConfig');
    this.#delete(name, qualifier);
    return {};
  }

  async ListFunctionUrlConfigs(input: Input) {
    return this.#list(this.#target(input, 'ListFunctionUrlConfigs').name, input);
  }

  /** The function (and alias) an operation names, once its input is checked as Lambda checks it. */
  #target(input: Input, operation: string) {
    validateLambdaInput(operation, input);
    return requestQualifier(String(input.FunctionName), input.Qualifier);
  }

  /** The URLs of a function DeleteFunction deleted go with it; the URL of an alias DeleteAlias deleted (`alias`) with it. */
  forget(functionName: string, alias?: string): void {
    for (const [arn, config] of this.#table.entries()) {
      if (config.functionName === functionName && (alias === undefined || config.qualifier === alias)) this.#table.delete(arn);
    }
    this.#serve();
  }

  #create(name: string, qualifier: string | undefined, input: Input) {
    const definition = this.#function(name, noFunction);
    const arn = qualifiedArn(definition, qualifier);
    if (this.#all().some((config) => qualifiedArnOf(this.options.directory, config) === arn)) {
      throw new AwsError(
        'ResourceConflictException',
        `Failed to create function url config for [functionArn = ${arn}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
        409,
      );
    }
    if (qualifier !== undefined && !definition.aliases?.some((alias) => alias.name === qualifier)) throw noFunction();
    const now = new Date(this.options.clock.now()).toISOString();
    const config: UrlConfig = {
      functionName: name,
      ...(qualifier === undefined ? {} : { qualifier }),
      urlId: randomBytes(16).toString('hex'),
      authType: input.AuthType === 'NONE' ? 'NONE' : 'AWS_IAM',
      ...(input.Cors === undefined ? {} : { cors: input.Cors as Record<string, unknown> }),
      ...(input.InvokeMode === undefined ? {} : { invokeMode: input.InvokeMode as UrlConfig['invokeMode'] }),
      creationTime: now,
      lastModifiedTime: now,
    };
    this.#table.put(arn, config);
    this.#serve();
    const { LastModifiedTime: _l, InvokeMode: _i, ...created } = this.#answer(config);
    return { ...created, ...(config.invokeMode ? { InvokeMode: config.invokeMode } : {}) };
  }

  #update(name: string, qualifier: string | undefined, input: Input) {
    const current = this.#existing(name, qualifier, noFunction);
    const arn = qualifiedArnOf(this.options.directory, current);
    if (this.#table.get(arn) === undefined) throw templateUrl(arn);
    const next: UrlConfig = {
      ...current,
      ...(input.AuthType === undefined ? {} : { authType: input.AuthType === 'NONE' ? 'NONE' : 'AWS_IAM' }),
      ...(input.Cors === undefined ? {} : { cors: input.Cors as Record<string, unknown> }),
      ...(input.InvokeMode === undefined ? {} : { invokeMode: input.InvokeMode as UrlConfig['invokeMode'] }),
      lastModifiedTime: new Date(this.options.clock.now()).toISOString(),
    };
    this.#table.put(arn, next);
    this.#serve();
    // As CreateFunctionUrlConfig's: InvokeMode once one was set (by this update or before), kept when this one names none.
    const { InvokeMode: _i, ...updated } = this.#answer(next);
    return { ...updated, ...(next.invokeMode ? { InvokeMode: next.invokeMode } : {}) };
  }

  #delete(name: string, qualifier: string | undefined): void {
    const arn = qualifiedArnOf(this.options.directory, this.#existing(name, qualifier, notFound));
    if (this.#table.get(arn) === undefined) throw templateUrl(arn);
    this.#table.delete(arn);
    this.#serve();
  }

  #list(name: string, page: Input) {
    this.#function(name, noFunction);
    const configs = this.#all()
      .filter((config) => config.functionName === name)
      .map((config) => this.#answer(config));
    const { items, next } = listPage(configs, page, LIST_PAGE, (c) => c.FunctionArn);
    return { FunctionUrlConfigs: items, ...(next ? { NextMarker: next } : {}) };
  }

  /** The function's (or its alias's) URL config; `missing` is the error when there is none, or no such function. */
  #existing(name: string, qualifier: string | undefined, missing: () => AwsError): UrlConfig {
    const definition = this.#function(name, missing);
    const arn = qualifiedArn(definition, qualifier);
    const config = this.#all().find((c) => qualifiedArnOf(this.options.directory, c) === arn);
    if (config === undefined) throw missing === noFunction && qualifier !== undefined ? noFunction() : notFound();
    return config;
  }

  #function(name: string, missing: () => AwsError): FunctionDefinition {
    try {
      return this.options.directory.functionOf(name).definition;
    } catch (error) {
      if (error instanceof AwsError && error.code === 'ResourceNotFoundException') throw missing();
      throw error;
    }
  }

  /** The template's URLs (answered, never changed here) and those the API made. */
  #all(): UrlConfig[] {
    const template = (this.options.served?.templateUrls() ?? []).map(
      (url): UrlConfig => ({
        functionName: url.functionName,
        ...(url.qualifier === undefined ? {} : { qualifier: url.qualifier }),
        urlId: url.urlId,
        authType: url.authType,
        invokeMode: url.invokeMode,
        creationTime: STARTED,
        lastModifiedTime: STARTED,
      }),
    );
    return [...template, ...this.#table.all()];
  }

  /** A config as GetFunctionUrlConfig answers it. */
  #answer(config: UrlConfig) {
    return {
      FunctionUrl: this.#localUrl(config.urlId),
      FunctionArn: qualifiedArnOf(this.options.directory, config),
      AuthType: config.authType,
      ...(config.cors === undefined ? {} : { Cors: config.cors }),
      CreationTime: config.creationTime,
      LastModifiedTime: config.lastModifiedTime,
      InvokeMode: config.invokeMode ?? 'BUFFERED',
    };
  }

  /** Where the URL answers locally, host-style (as the start-up report names the template's). */
  #localUrl(urlId: string): string {
    const port = this.options.url === undefined ? '' : `:${new URL(this.options.url).port}`;
    return `http://${urlId}.lambda-url.${this.options.region}.localhost${port}/`;
  }

  /** Hands the URLs the API made to where they are served. */
  #serve(): void {
    this.options.served?.setMade(
      this.#table.entries().map(([arn, config]) => {
        const cors: CorsConfiguration | undefined = config.cors === undefined ? undefined : corsConfigurationOf(config.cors);
        return {
          urlId: config.urlId,
          resource: `function URL ${arn} (made through Lambda's API)`,
          functionName: config.functionName,
          functionArn: arn,
          ...(config.qualifier === undefined ? {} : { qualifier: config.qualifier }),
          authType: config.authType,
          ...(cors ? { cors } : {}),
          invokeMode: config.invokeMode ?? 'BUFFERED',
          awsUrl: this.#localUrl(config.urlId),
        };
      }),
    );
  }
}

/** When the runtime loaded the template's URLs: what their times are answered as. */
const STARTED = new Date().toISOString();

const qualifiedArn = (definition: FunctionDefinition, qualifier: string | undefined) =>
  qualifier === undefined ? definition.arn : `${definition.arn}:${qualifier}`;

function qualifiedArnOf(directory: FunctionUrlApiOptions['directory'], config: UrlConfig): string {
  const arn = directory.arnOf(config.functionName);
  return config.qualifier === undefined ? arn : `${arn}:${config.qualifier}`;
}

const templateUrl = (arn: string) =>
  new AwsError(
    'InvalidParameterValueException',
    `The function URL of ${arn} comes from the app's cloud assembly: the local runtime changes it with the next synthesis, not through Lambda's API`,
  );
