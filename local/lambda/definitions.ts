import { AwsError } from '../endpoint/aws-error.js';
import { isStreamSourceArn } from '../pipes/stream-arns.js';
import type { LoadedResource } from '../template/load.js';
import { templateTags } from '../template/tags.js';
import { applyTemplatePermissions } from './control-plane/function-permissions.js';
import {
  applyAsyncConfig,
  applyVersionsAndAliases,
  functionLayers,
  inlineCodeFolder,
  layerFolders,
} from './control-plane/template-config.js';
import { templateVpcConfig } from './control-plane/vpc-config.js';
import { parseFunctionName } from './core/function-reference.js';
import { filterPatterns } from './event-source-mappings/mapping-changes.js';
import { provisionedModeOf, type SqsMappingDefinition } from './event-source-mappings/sqs-event-source.js';
import type { FunctionDefinition } from './runtime/function-runtime.js';
import { handlerFileWarnings } from './runtime/handler-files.js';
import { runtimeWarnings } from './runtime/runtimes.js';
import { type FunctionUrlDefinition, functionUrlDefinitions } from './urls/function-url-definitions.js';

type Props = Record<string, unknown>;

/**
 * The template's functions, their SQS event source mappings (DynamoDB stream mappings are the
 * pipes') and their URLs, and the app's layers' folders (a function CreateFunction makes may name them).
 */
export function functionDefinitions(byType: (type: string) => readonly LoadedResource[]): {
  functions: FunctionDefinition[];
  sqsMappings: SqsMappingDefinition[];
  functionUrls: FunctionUrlDefinition[];
  layerFolders: Record<string, string>;
  invokedByServices: string[];
  warnings: string[];
} {
  const warnings: string[] = [];
  const logGroupNames = new Map(
    byType('AWS::Logs::LogGroup').flatMap((r) => [
      [r.ref, r.physicalName],
      [r.attributes.Arn ?? '', r.physicalName],
    ]),
  );

  const functions: FunctionDefinition[] = [];
  const layers = layerFolders(byType('AWS::Lambda::LayerVersion'), warnings);
  // The VPC of each template subnet: a function's VpcConfig answers its subnets' VpcId.
  const subnetVpcs = new Map(byType('AWS::EC2::Subnet').map((s) => [s.ref, s.attributes.VpcId ?? '']));
  for (const r of byType('AWS::Lambda::Function')) {
    const p = r.properties as Props;
    const codePath = r.assetPath ?? inlineCodeFolder(r);
    if (!codePath) {
      warnings.push(
        `${r.stackName}/${r.logicalId} (AWS::Lambda::Function): no code asset folder was found (image code and non-Node.js inline code are not run locally); it is left out`,
      );
      continue;
    }
    if (Array.isArray(p.FileSystemConfigs) && p.FileSystemConfigs.length > 0) {
      warnings.push(
        `${r.stackName}/${r.logicalId} (AWS::Lambda::Function): its EFS file systems (FileSystemConfigs) are not mounted locally`,
      );
    }
    if ((p.SnapStart as Props | undefined)?.ApplyOn === 'PublishedVersions') {
      warnings.push(
        `${r.stackName}/${r.logicalId} (AWS::Lambda::Function): SnapStart takes no snapshot locally: its versions answer OptimizationStatus On, but each execution environment runs the init phase, and no runtime hooks (before checkpoint, after restore) run`,
      );
    }
    if ((p.TracingConfig as Props | undefined)?.Mode === 'Active') {
      // The functions run with AWS_XRAY_CONTEXT_MISSING=IGNORE_ERROR and Powertools' tracer off (module.ts), so nothing says so at run time.
      warnings.push(
        `${r.stackName}/${r.logicalId} (AWS::Lambda::Function): X-Ray active tracing is not run locally: no X-Ray daemon receives the segments its X-Ray SDK or tracer sends, and no X-Ray trace or service map shows them; the runtime's own spans follow its events instead (switchyard trace <event or message id>)`,
      );
    }
    const logging = p.LoggingConfig as { LogGroup?: string } | undefined;
    functions.push({
      name: r.physicalName,
      arn: r.attributes.Arn ?? r.ref,
      handler: String(p.Handler ?? 'index.handler'),
      runtime: String(p.Runtime ?? 'nodejs24.x'),
      architecture: String((p.Architectures as string[] | undefined)?.[0] ?? 'x86_64'),
      codePath,
      timeoutSeconds: Number(p.Timeout ?? 3),
      memorySize: Number(p.MemorySize ?? 128),
      environment: ((p.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {}) as Record<string, string>,
      reservedConcurrency: p.ReservedConcurrentExecutions === undefined ? undefined : Number(p.ReservedConcurrentExecutions),
      description: p.Description === undefined ? undefined : String(p.Description),
      logGroupName: (logging?.LogGroup && logGroupNames.get(logging.LogGroup)) ?? logging?.LogGroup ?? `/aws/lambda/${r.physicalName}`,
      ...functionLayers(p.Layers, layers),
      template: templateVpcConfig(p, subnetVpcs),
    });
  }
  applyAsyncConfig(functions, byType('AWS::Lambda::Function'), byType('AWS::Lambda::EventInvokeConfig'), warnings);
  applyVersionsAndAliases(functions, byType('AWS::Lambda::Version'), byType('AWS::Lambda::Alias'));
  applyTemplatePermissions(functions, byType('AWS::Lambda::Permission'));
  warnings.push(...runtimeWarnings(functions), ...handlerFileWarnings(functions));
  const sqsMappings = sqsMappingDefinitions(byType, functions, warnings);
  const functionUrls = functionUrlDefinitions(byType('AWS::Lambda::Url'), functions, warnings);
  return { functions, sqsMappings, functionUrls, layerFolders: layers, invokedByServices: invokedByServices(byType, functions), warnings };
}

/**
 * The functions a service invokes with its own event, which `{}` is not: those an API Gateway
 * authorizer (REST or HTTP API) names in its `AuthorizerUri`, an AppSync GraphQL API's Lambda
 * authorizer, AppSync's Lambda data sources (a Direct Lambda resolver's event is the
 * resolver's context), and a Firehose stream's Lambda processors (its event is a batch of records).
 */
function invokedByServices(byType: (type: string) => readonly LoadedResource[], functions: readonly FunctionDefinition[]): string[] {
  const props = (type: string) => byType(type).map((r) => r.properties as Props);
  const obj = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Props) : {});
  const uris = [
    ...['AWS::ApiGateway::Authorizer', 'AWS::ApiGatewayV2::Authorizer'].flatMap((type) => props(type).map((p) => p.AuthorizerUri)),
    ...props('AWS::AppSync::GraphQLApi').flatMap((p) => [
      obj(p.LambdaAuthorizerConfig).AuthorizerUri,
      ...(Array.isArray(p.AdditionalAuthenticationProviders) ? p.AdditionalAuthenticationProviders : []).map(
        (provider) => obj(obj(provider).LambdaAuthorizerConfig).AuthorizerUri,
      ),
    ]),
    ...props('AWS::AppSync::DataSource').map((p) => obj(p.LambdaConfig).LambdaFunctionArn),
    ...props('AWS::KinesisFirehose::DeliveryStream').flatMap((p) => firehoseProcessorArns(p)),
  ].map((uri) => String(uri ?? ''));
  // An API Gateway URI holds the function's ARN (`.../functions/<arn>/invocations`): followed by `/`, or a qualifier's `:`; AppSync's is the ARN itself.
  const names = (fn: FunctionDefinition) => uris.some((uri) => uri === fn.arn || uri.includes(`${fn.arn}/`) || uri.includes(`${fn.arn}:`));
  return functions.filter(names).map((fn) => fn.name);
}

/** The `LambdaArn` parameters of a delivery stream's processors, whichever destination configuration holds them. */
function firehoseProcessorArns(stream: Props): unknown[] {
  const obj = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Props) : {});
  const list = (value: unknown) => (Array.isArray(value) ? (value as unknown[]) : []);
  return Object.values(stream).flatMap((destination) =>
    list(obj(obj(destination).ProcessingConfiguration).Processors).flatMap((processor) =>
      list(obj(processor).Parameters).flatMap((parameter) =>
        obj(parameter).ParameterName === 'LambdaArn' ? [obj(parameter).ParameterValue] : [],
      ),
    ),
  );
}

/** The SQS event source mappings of the template's functions; others are warned of (DynamoDB stream mappings are the pipes'). */
function sqsMappingDefinitions(
  byType: (type: string) => readonly LoadedResource[],
  functions: readonly FunctionDefinition[],
  warnings: string[],
): SqsMappingDefinition[] {
  const functionByRef = new Map(
    functions.flatMap((f) => [
      [f.name, f.name],
      [f.arn, f.name],
    ]),
  );

  const sqsMappings: SqsMappingDefinition[] = [];
  for (const r of byType('AWS::Lambda::EventSourceMapping')) {
    const p = r.properties as Props;
    const source = String(p.EventSourceArn ?? '');
    // A function name, or a function, version or alias ARN (full or partial), as Lambda's API takes it.
    const functionName = functionByRef.get(String(p.FunctionName)) ?? parseFunctionName(String(p.FunctionName)).name;
    // Mappings from DynamoDB and Kinesis streams are read by local/pipes/ (pipeDefinitions).
    if (isStreamSourceArn(source)) continue;
    if (!source.startsWith('arn:aws:sqs:')) {
      warnings.push(
        `${r.stackName}/${r.logicalId} (AWS::Lambda::EventSourceMapping): source ${source} is not an SQS queue; only SQS event sources run locally`,
      );
      continue;
    }
    sqsMappings.push({
      uuid: r.ref,
      queueArn: source,
      functionName,
      functionReference: String(p.FunctionName),
      batchSize: Number(p.BatchSize ?? 10),
      maximumBatchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      maximumConcurrency: (p.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
      ...provisionedModeOf(p, `${r.stackName}/${r.logicalId}`, warnings),
      reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
      enabled: p.Enabled !== false,
      ...templateFilters(p.FilterCriteria, `${r.stackName}/${r.logicalId}`, warnings),
      ...templateTags(p.Tags),
    });
  }

  return sqsMappings;
}

/**
 * A template mapping's FilterCriteria as its patterns' text (an object pattern, as CloudFormation
 * takes it, as JSON); one Lambda refuses makes the mapping one that is not run (CloudFormation
 * would fail to create it), which is warned of under `where`.
 */
function templateFilters(criteria: unknown, where: string, warnings: string[]): Pick<SqsMappingDefinition, 'filters' | 'refusal'> {
  const filters = ((criteria as { Filters?: { Pattern?: unknown }[] } | undefined)?.Filters ?? []).map(({ Pattern }) =>
    typeof Pattern === 'string' ? Pattern : JSON.stringify(Pattern ?? null),
  );
  if (filters.length === 0) return {};
  try {
    return { filters: filterPatterns({ Filters: filters.map((Pattern) => ({ Pattern })) }) };
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    const refusal = `${error.code}: ${error.message}`;
    warnings.push(`${where} (AWS::Lambda::EventSourceMapping): Lambda refuses its FilterCriteria (${refusal}); the mapping is not run`);
    return { refusal };
  }
}
