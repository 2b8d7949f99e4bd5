import { tryParseArn } from './arn.js';
import type { ArchiveDefinition, BusDefinition, RuleDefinition, TargetDefinition } from './events/definitions.js';
import { parseFunctionName } from './lambda/function-reference.js';
import type { FunctionDefinition } from './lambda/function-runtime.js';
import { runtimeWarnings } from './lambda/runtimes.js';
import type { SqsMappingDefinition } from './lambda/sqs-event-source.js';
import { applyAsyncConfig, applyVersionsAndAliases, functionLayers, inlineCodeFolder, layerFolders } from './lambda/template-config.js';
import type { LoadedApp } from './template/load.js';

/** What the local services need from the loaded templates, by service. */
export interface ServiceDefinitions {
  readonly queues: readonly { name: string; attributes: Record<string, string> }[];
  readonly tables: readonly { name: string; definition: Record<string, unknown>; ttlAttribute?: string; streamLabel?: string }[];
  readonly functions: readonly FunctionDefinition[];
  readonly sqsMappings: readonly SqsMappingDefinition[];
  readonly buses: readonly BusDefinition[];
  readonly rules: readonly RuleDefinition[];
  readonly archives: readonly ArchiveDefinition[];
  readonly stateMachines: readonly {
    name: string;
    arn: string;
    type: string;
    definition: string;
    roleArn?: string;
    loggingConfiguration?: unknown;
  }[];
  /** Resources that were loaded but that no local service runs, beyond the loader's own warnings. */
  readonly warnings: readonly string[];
}

type Props = Record<string, unknown>;

/** Translates the loaded template resources into each local service's definitions. */
export function serviceDefinitions(app: LoadedApp): ServiceDefinitions {
  // What only backs custom resources runs while CloudFormation deploys, never locally.
  const resources = app.stacks.flatMap((stack) => stack.resources).filter((r) => !r.customResourceProvider);
  const byType = (type: string) => resources.filter((r) => r.type === type);
  const warnings: string[] = [];
  const logGroupNames = new Map(
    byType('AWS::Logs::LogGroup').flatMap((r) => [
      [r.ref, r.physicalName],
      [r.attributes.Arn ?? '', r.physicalName],
    ]),
  );

  const queues = byType('AWS::SQS::Queue').map((r) => ({ name: r.physicalName, attributes: queueAttributes(r.properties) }));

  const tables = byType('AWS::DynamoDB::Table').map((r) => {
    const p = r.properties as Props;
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    const definition: Record<string, unknown> = {
      TableName: r.physicalName,
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: p.BillingMode ?? 'PROVISIONED',
      ...(p.BillingMode === 'PAY_PER_REQUEST'
        ? {}
        : { ProvisionedThroughput: p.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }),
      ...(p.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes } : {}),
      ...(p.LocalSecondaryIndexes ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes } : {}),
      ...(p.StreamSpecification ? { StreamSpecification: { StreamEnabled: true, ...(p.StreamSpecification as Props) } } : {}),
    };
    // Time to live and the stream are run by local/dynamodb/ (dynalite has neither); the stream keeps the label of the template's StreamArn.
    const streamLabel = r.attributes.StreamArn?.split('/stream/')[1];
    return { name: r.physicalName, definition, ttlAttribute: ttl?.Enabled ? ttl.AttributeName : undefined, streamLabel };
  });

  const functions: FunctionDefinition[] = [];
  const layers = layerFolders(byType('AWS::Lambda::LayerVersion'), warnings);
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
      layers: functionLayers(r, layers, warnings),
      template: p,
    });
  }
  applyAsyncConfig(functions, byType('AWS::Lambda::Function'), byType('AWS::Lambda::EventInvokeConfig'), warnings);
  applyVersionsAndAliases(functions, byType('AWS::Lambda::Version'), byType('AWS::Lambda::Alias'));
  warnings.push(...runtimeWarnings(functions));
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
    // Mappings from DynamoDB streams are read by local/pipes/ (pipeDefinitions).
    const sourceArn = tryParseArn(source);
    if (sourceArn?.service === 'dynamodb' && sourceArn.qualifier?.startsWith('stream/')) continue;
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
      reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
      enabled: p.Enabled !== false,
    });
  }

  const buses: BusDefinition[] = byType('AWS::Events::EventBus').map((r) => ({ name: r.physicalName, arn: r.attributes.Arn ?? '' }));
  const busName = (value: unknown) => {
    const text = value === undefined ? 'default' : String(value);
    if (!text.startsWith('arn:')) return text;
    const arn = tryParseArn(text);
    return arn?.resourceType === 'event-bus' ? arn.resourceId : 'default';
  };

  const rules: RuleDefinition[] = byType('AWS::Events::Rule').map((r) => {
    const p = r.properties as Props;
    if (p.ScheduleExpression !== undefined && busName(p.EventBusName) !== 'default') {
      warnings.push(
        `${r.stackName}/${r.logicalId} (AWS::Events::Rule): ScheduleExpression on event bus ${busName(p.EventBusName)} never fires: EventBridge runs schedules only on the default bus`,
      );
    }
    return {
      name: r.physicalName,
      arn: r.attributes.Arn ?? '',
      busName: busName(p.EventBusName),
      eventPattern: p.EventPattern,
      scheduleExpression: p.ScheduleExpression === undefined ? undefined : String(p.ScheduleExpression),
      state: p.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      description: p.Description === undefined ? undefined : String(p.Description),
      targets: ((p.Targets as Props[] | undefined) ?? []).map(
        (t): TargetDefinition => ({
          id: String(t.Id),
          arn: String(t.Arn),
          input: t.Input === undefined ? undefined : String(t.Input),
          inputPath: t.InputPath === undefined ? undefined : String(t.InputPath),
          inputTransformer: t.InputTransformer as TargetDefinition['inputTransformer'],
          retryPolicy: t.RetryPolicy
            ? {
                maximumRetryAttempts: (t.RetryPolicy as Props).MaximumRetryAttempts as number | undefined,
                maximumEventAgeInSeconds: (t.RetryPolicy as Props).MaximumEventAgeInSeconds as number | undefined,
              }
            : undefined,
          deadLetterArn: (t.DeadLetterConfig as { Arn?: string } | undefined)?.Arn,
          messageGroupId: (t.SqsParameters as { MessageGroupId?: string } | undefined)?.MessageGroupId,
        }),
      ),
    };
  });

  const archives: ArchiveDefinition[] = byType('AWS::Events::Archive').map((r) => {
    const p = r.properties as Props;
    return {
      name: r.physicalName,
      arn: r.attributes.Arn ?? '',
      sourceArn: String(p.SourceArn),
      eventPattern: p.EventPattern,
      retentionDays: Number(p.RetentionDays ?? 0),
      description: p.Description === undefined ? undefined : String(p.Description),
    };
  });

  const stateMachines = byType('AWS::StepFunctions::StateMachine').map((r) => {
    const p = r.properties as Props;
    return {
      name: r.physicalName,
      arn: r.ref,
      type: String(p.StateMachineType ?? 'STANDARD'),
      definition: typeof p.DefinitionString === 'string' ? p.DefinitionString : JSON.stringify(p.Definition ?? {}),
      roleArn: p.RoleArn === undefined ? undefined : String(p.RoleArn),
      loggingConfiguration: stateMachineLogging(p.LoggingConfiguration),
    };
  });

  return { queues, tables, functions, sqsMappings, buses, rules, archives, stateMachines, warnings };
}

/** A state machine's CloudFormation `LoggingConfiguration` in the shape DescribeStateMachine answers. */
function stateMachineLogging(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  const p = value as { Level?: unknown; IncludeExecutionData?: unknown; Destinations?: unknown };
  const destinations = Array.isArray(p.Destinations)
    ? (p.Destinations as { CloudWatchLogsLogGroup?: { LogGroupArn?: unknown } }[]).map((d) => ({
        cloudWatchLogsLogGroup: { logGroupArn: String(d.CloudWatchLogsLogGroup?.LogGroupArn ?? '') },
      }))
    : undefined;
  return {
    level: typeof p.Level === 'string' ? p.Level : 'OFF',
    includeExecutionData: p.IncludeExecutionData === true || p.IncludeExecutionData === 'true',
    ...(destinations ? { destinations } : {}),
  };
}

/** CloudFormation queue properties -> SQS CreateQueue attributes (all strings). */
function queueAttributes(p: Record<string, unknown>): Record<string, string> {
  const attributes: Record<string, string> = {};
  const copy = [
    'VisibilityTimeout',
    'MessageRetentionPeriod',
    'DelaySeconds',
    'MaximumMessageSize',
    'ReceiveMessageWaitTimeSeconds',
    'FifoQueue',
    'ContentBasedDeduplication',
    'SqsManagedSseEnabled',
    'KmsMasterKeyId',
    'KmsDataKeyReusePeriodSeconds',
    'DeduplicationScope',
    'FifoThroughputLimit',
  ];
  for (const name of copy) if (p[name] !== undefined) attributes[name] = String(p[name]);
  if (p.RedrivePolicy !== undefined)
    attributes.RedrivePolicy = typeof p.RedrivePolicy === 'string' ? p.RedrivePolicy : JSON.stringify(p.RedrivePolicy);
  if (p.RedriveAllowPolicy !== undefined) {
    attributes.RedriveAllowPolicy = typeof p.RedriveAllowPolicy === 'string' ? p.RedriveAllowPolicy : JSON.stringify(p.RedriveAllowPolicy);
  }
  return attributes;
}
