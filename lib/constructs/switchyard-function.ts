import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Aspects, Duration, type IAspect, RemovalPolicy, Token, Validations } from 'aws-cdk-lib/core';
import type { Construct, IConstruct } from 'constructs';
import { ENV, TRACING_BUNDLED_DEFINE } from '../../contracts/wiring.js';
import { bundleAliases, checkDurableLambdaClientImports, DURABLE_LAMBDA_CLIENT_EXPORTS } from './bundle-aliases.js';
import { SwitchyardEncryption } from './encryption.js';
import { OTLP_EXPORT_ACTIONS, type TracingMode, tracingModeOf } from './tracing.js';
import { invalidProp, type ValidationSubject, validateRange } from './validation.js';

/** The Lambda runtime every Switchyard function runs; the repo's tools and tests run the same Node major. */
export const SWITCHYARD_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface SwitchyardFunctionProps {
  /** Path of the handler's TypeScript entry file (it must export `handler`). */
  readonly entry: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /**
   * Service name on every log line, trace and metric (POWERTOOLS_SERVICE_NAME).
   * @default - the construct id
   */
  readonly serviceName?: string;
  /**
   * Maximum run time of one invocation (1 s to 900 s).
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MiB (128 to 10240); CPU share grows with it.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Extra environment variables for the handler's configuration.
   * @default - only the Powertools and Node variables the factory sets
   */
  readonly environment?: Record<string, string>;
  /**
   * How long to keep the function's logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Reserved concurrency: caps this function and guarantees it that much capacity.
   * @default - unreserved (the account's shared pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Identifiers esbuild replaces at bundle time (its `define`); each value is JavaScript
   * source, usually `JSON.stringify(value)`.
   * @default - none
   */
  readonly define?: Record<string, string>;
  /**
   * The CloudWatch namespace of the function's metrics (POWERTOOLS_METRICS_NAMESPACE).
   * @default 'Switchyard'
   */
  readonly metricsNamespace?: string;
  /**
   * Files shipped in the function's asset beside its bundle (`index.mjs`): the name the
   * handler finds each by (`new URL(name, import.meta.url)`) and the path of the file to copy.
   * For data a handler reads only when its configuration needs it (a local model): imported,
   * it would be JavaScript in the bundle, parsed at every cold start whether used or not.
   * @default - none: the asset holds the bundle and its source map
   */
  readonly assetFiles?: Readonly<Record<string, string>>;
  /**
   * Bundle `@aws-sdk/client-lambda` as the kit's durable subset (`lambdas/kit/durable-lambda-client`):
   * `LambdaClient`, the two commands the durable execution SDK sends, `InvokeCommand` and
   * `DurableExecutionAlreadyStartedException`, with the schemas of those operations only. The
   * package's own client carries every schema and error of the service, and the durable SDK's
   * `import()` of it every export (~60 KB and ~50 KB). A handler that imports another name from
   * the package fails synthesis naming this option; set `false` for it.
   * @default false (DurableFlow's starter: true; its function: true where the app sets the
   *   `@switchyard/constructs:durableLambdaClient` context, as a new app's cdk.json does)
   */
  readonly durableLambdaClient?: boolean;
  /**
   * The durable handler (its entry file, exporting `handler = withDurableExecution(...)`) that
   * `entry` wraps: bundled in place of `switchyard-cdk/durable-flow-handler`, the module the
   * kit's DurableFlow entry imports the app's handler from (DurableFlow's `forks` sets both).
   * @default - none: `entry` is the handler
   */
  readonly wrappedHandler?: string;
  /**
   * Bundle the AWS SDK's event-stream codec. `false` replaces it with `lambdas/kit/no-event-streams`
   * (~15 KB less): only for a function that calls no event-stream operation (Lambda
   * InvokeWithResponseStream, Bedrock ConverseStream, S3 SelectObjectContent, CloudWatch Logs
   * StartLiveTail ...), as such a call then fails with an error naming this option.
   * @default true (DurableFlow's starter: false)
   */
  readonly eventStreams?: boolean;
  /**
   * How the function is traced (docs/tracing.md). `active`: X-Ray active tracing, Lambda records
   * each invocation and the AWS SDK passes its trace header on. `opentelemetry`: active tracing,
   * and the kit records OpenTelemetry spans (the invocation, each record, the idempotency claim,
   * flow control, `emit`, each call of a captured client, each model call as a GenAI span) and
   * exports them to X-Ray's OTLP endpoint, which needs CloudWatch Transaction Search on in the
   * account (the role is granted `xray:PutSpans`); set `OTEL_EXPORTER_OTLP_ENDPOINT` in
   * `environment` to send them to a collector of your own instead. `off`: no tracing.
   * @default - the `switchyard:tracing` context (TRACING_CONTEXT_KEY), else 'active'
   */
  readonly tracing?: TracingMode;
}

/**
 * The one way Switchyard makes a Lambda function: Node 24 on arm64, X-Ray tracing (or OpenTelemetry, `tracing`),
 * JSON logs into a log group the stack owns (with a retention), an execution role
 * that may write only to that log group, and esbuild bundling to one ESM file.
 */
export class SwitchyardFunction extends NodejsFunction {
  /** The timeout the function was created with (consumers size queue visibility from it). */
  public override readonly timeout: Duration;
  /** How the function is traced (its `tracing` prop, else the app's `switchyard:tracing` context, else `active`). */
  public readonly tracingMode: TracingMode;

  constructor(scope: Construct, id: string, props: SwitchyardFunctionProps) {
    const timeout = props.timeout ?? Duration.seconds(30);
    // Checked before super(), so the error names the path this function is being created at.
    const subject = { scope, id };
    validateRange(subject, 'timeout', timeout.toSeconds(), 1, 900, 'seconds');
    validateRange(subject, 'memorySize', props.memorySize, 128, 10_240, 'MiB');
    const assetFiles = Object.entries(props.assetFiles ?? {});
    validateAssetFiles(subject, assetFiles);
    const tracing = tracingModeOf(subject, props.tracing);
    if (props.durableLambdaClient) checkDurableLambdaClientImports(subject, props.wrappedHandler ?? props.entry);
    const { logGroup, role } = logsAndRole(scope, id, props.logRetention, tracing);

    try {
      super(scope, id, {
        entry: props.entry,
        handler: 'handler',
        description: props.description,
        runtime: SWITCHYARD_RUNTIME,
        architecture: lambda.Architecture.ARM_64,
        tracing: tracing === 'off' ? lambda.Tracing.DISABLED : lambda.Tracing.ACTIVE,
        timeout,
        memorySize: props.memorySize ?? 512,
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        reservedConcurrentExecutions: props.reservedConcurrentExecutions,
        environment: {
          POWERTOOLS_SERVICE_NAME: props.serviceName ?? id,
          POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'Switchyard',
          NODE_OPTIONS: '--enable-source-maps',
          ...(tracing === 'opentelemetry' ? { [ENV.tracing]: tracing } : {}),
          ...props.environment,
        },
        bundling: bundlingOptions(props, tracing, assetFiles),
      });
    } catch (error) {
      // esbuild prints its error to stderr; the message CDK throws only says the bundle failed.
      if (props.durableLambdaClient && error instanceof Error && error.message.includes('Failed to bundle asset')) {
        invalidProp(
          subject,
          `bundling failed with durableLambdaClient on. If esbuild's error above is No matching export in ".../durable-lambda-client", a file of the handler imports a name of @aws-sdk/client-lambda that the kit's durable subset does not have (it has ${DURABLE_LAMBDA_CLIENT_EXPORTS.join(', ')}): set durableLambdaClient: false on the handler to bundle the whole client`,
          { cause: error },
        );
      }
      throw error;
    }
    this.timeout = timeout;
    this.tracingMode = tracing;

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments, PutTelemetryRecords and PutSpans support no resource-level permissions.',
    });
    Aspects.of(this).add(new ForwardAcknowledgements(this, [role, logGroup]));
  }
}

/** How a SwitchyardFunction is bundled: esbuild, one minified ESM file with the SDK in it. */
function bundlingOptions(props: SwitchyardFunctionProps, tracing: TracingMode, assetFiles: [string, string][]): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node24',
    platform: 'node',
    mainFields: ['module', 'main'],
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: false,
    // Bundle the AWS SDK too: the version that was tested is the version that runs.
    externalModules: [],
    // Some CommonJS dependencies call require() on Node built-ins; ESM has no require.
    banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
    forceDockerBundling: false,
    // Modules bundled in place of others (bundle-aliases.ts): the SDK's credential chain always,
    // the Lambda client and the SDK's event streams as `durableLambdaClient` and `eventStreams` say.
    esbuildArgs: { '--alias': Object.entries(bundleAliases(props)).map(([from, to]) => `${from}=${to}`) },
    // Without OpenTelemetry the kit's span recording and export are dead code esbuild drops (~16 KB).
    define: { ...props.define, [TRACING_BUNDLED_DEFINE]: String(tracing === 'opentelemetry') },
    ...(assetFiles.length === 0
      ? {}
      : {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) =>
              assetFiles.map(([name, source]) => copyCommand(source, path.join(outputDir, name))),
          },
        }),
  };
}

/**
 * Makes what is acknowledged on a function (`Validations.of(fn).acknowledge(...)`) hold for the
 * role and log group SwitchyardFunction makes for it. cdk-nag looks for an acknowledgement on a
 * finding's resource and the constructs above it, and those two sit beside the function (as
 * they always have: moving them under it would change their logical ids, and so replace every
 * deployed function's role), so the call a user makes first did nothing for a finding on the
 * role's policy. An aspect, so that what is acknowledged after the function is made counts too:
 * aspects run before the validation plugins.
 */
class ForwardAcknowledgements implements IAspect {
  readonly #forwarded = new Set<unknown>();

  constructor(
    private readonly fn: IConstruct,
    private readonly to: readonly IConstruct[],
  ) {}

  visit(node: IConstruct): void {
    if (node !== this.fn) return;
    for (const entry of this.fn.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || this.#forwarded.has(entry.data)) continue;
      this.#forwarded.add(entry.data);
      for (const target of this.to) target.node.addMetadata(entry.type, entry.data);
    }
  }
}

/**
 * The function's log group, and its execution role: our own instead of the
 * AWSLambdaBasicExecutionRole managed policy (which lets the function write to every log group
 * in the account), allowed to write to that log group and, with OpenTelemetry tracing, to send
 * spans to X-Ray's OTLP endpoint (the kit exports with the function's own credentials).
 */
function logsAndRole(scope: Construct, id: string, retention: logs.RetentionDays | undefined, tracing: TracingMode) {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: retention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
    encryptionKey: SwitchyardEncryption.keyOf(scope),
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of ${id}`,
  });
  logGroup.grantWrite(role);
  if (tracing === 'opentelemetry') {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...OTLP_EXPORT_ACTIONS], resources: ['*'] }));
  }
  return { logGroup, role };
}

/** The bundle's own files in the asset, which an asset file must not replace. */
const BUNDLE_FILES = ['index.mjs', 'index.mjs.map'];

function validateAssetFiles(subject: ValidationSubject, files: readonly (readonly [string, string])[]): void {
  for (const [name, source] of files) {
    if (!/^[\w.-]{1,255}$/.test(name) || name === '.' || name === '..' || BUNDLE_FILES.includes(name)) {
      invalidProp(
        subject,
        `assetFiles: ${JSON.stringify(name)} must be a file name (letters, digits, _ . -) other than ${BUNDLE_FILES.join(' and ')}`,
      );
    }
    if (Token.isUnresolved(source) || !existsSync(source) || !statSync(source).isFile()) {
      invalidProp(subject, `assetFiles: ${name} must be the path of a file at synth (got ${JSON.stringify(source)})`);
    }
  }
}

/** A copy the bundling step runs after esbuild, in the shell NodejsFunction runs hooks with (bash, or cmd on Windows). */
function copyCommand(source: string, target: string): string {
  if (process.platform === 'win32') return `copy /Y "${source}" "${target}"`;
  const quoted = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  return `cp ${quoted(source)} ${quoted(target)}`;
}
