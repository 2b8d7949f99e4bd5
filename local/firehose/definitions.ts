import type { LoadedApp } from '../template/load.js';
import type { DeliveryStreamDefinition } from './delivery.js';

/** Firehose's defaults when BufferingHints or a processor's NumberOfRetries leave them out (CloudFormation, ExtendedS3DestinationConfiguration). */
const DEFAULT_INTERVAL_SECONDS = 300;
const DEFAULT_SIZE_MB = 5;
const DEFAULT_RETRIES = 3;

type Props = Record<string, unknown>;

const obj = (value: unknown): Props => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Props) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The destinations other than S3 a stream may name: kept in the template, delivered nowhere locally. */
const OTHER_DESTINATIONS = [
  'AmazonOpenSearchServerlessDestinationConfiguration',
  'AmazonopensearchserviceDestinationConfiguration',
  'ElasticsearchDestinationConfiguration',
  'HttpEndpointDestinationConfiguration',
  'IcebergDestinationConfiguration',
  'RedshiftDestinationConfiguration',
  'SnowflakeDestinationConfiguration',
  'SplunkDestinationConfiguration',
];

/**
 * The template's DirectPut delivery streams to S3, with CloudFormation's defaults filled in;
 * what the runtime does not do (another destination, a Kinesis stream as source, compression,
 * dynamic partitioning, format conversion) is warned of, naming the stream.
 */
export function firehoseDefinitions(app: LoadedApp): { streams: DeliveryStreamDefinition[]; warnings: string[] } {
  const warnings: string[] = [];
  const streams: DeliveryStreamDefinition[] = [];
  for (const r of app.stacks.flatMap((stack) => stack.resources).filter((c) => c.type === 'AWS::KinesisFirehose::DeliveryStream')) {
    const p = r.properties as Props;
    const where = `${r.stackName}/${r.logicalId} (AWS::KinesisFirehose::DeliveryStream)`;
    const other = OTHER_DESTINATIONS.find((key) => p[key] !== undefined);
    if (p.DeliveryStreamType !== undefined && p.DeliveryStreamType !== 'DirectPut') {
      warnings.push(
        `${where}: DeliveryStreamType ${String(p.DeliveryStreamType)} is not run locally (only DirectPut: PutRecord and PutRecordBatch); the stream is not created`,
      );
      continue;
    }
    const s3 = obj(p.ExtendedS3DestinationConfiguration ?? p.S3DestinationConfiguration);
    if (typeof s3.BucketARN !== 'string') {
      warnings.push(`${where}: its ${other ?? 'destination'} is not run locally (only an S3 destination is); the stream is not created`);
      continue;
    }
    for (const key of ['DynamicPartitioningConfiguration', 'DataFormatConversionConfiguration']) {
      if (obj(s3[key]).Enabled === true) {
        warnings.push(`${where}: ${key} is not applied locally (records are delivered as the processor answers them)`);
      }
    }
    const backup = obj(s3.S3BackupConfiguration);
    if (s3.CompressionFormat !== undefined && s3.CompressionFormat !== 'UNCOMPRESSED') {
      warnings.push(
        `${where}: CompressionFormat ${String(s3.CompressionFormat)} is not applied locally (objects are written UNCOMPRESSED)`,
      );
    }
    const hints = obj(s3.BufferingHints);
    streams.push({
      name: r.physicalName,
      bucketArn: s3.BucketARN,
      ...(typeof s3.Prefix === 'string' ? { prefix: s3.Prefix } : {}),
      ...(typeof s3.ErrorOutputPrefix === 'string' ? { errorOutputPrefix: s3.ErrorOutputPrefix } : {}),
      intervalSeconds: Number(hints.IntervalInSeconds ?? DEFAULT_INTERVAL_SECONDS),
      sizeMb: Number(hints.SizeInMBs ?? DEFAULT_SIZE_MB),
      ...processorOf(obj(s3.ProcessingConfiguration), where, warnings),
      ...(s3.S3BackupMode === 'Enabled' && typeof backup.BucketARN === 'string'
        ? { backup: { bucketArn: backup.BucketARN, ...(typeof backup.Prefix === 'string' ? { prefix: backup.Prefix } : {}) } }
        : {}),
    });
  }
  return { streams, warnings };
}

/** The stream's Lambda processor, when its ProcessingConfiguration is enabled; other processor types are warned of. */
function processorOf(config: Props, where: string, warnings: string[]): Pick<DeliveryStreamDefinition, 'processor'> {
  if (config.Enabled === false) return {};
  let processor: DeliveryStreamDefinition['processor'];
  for (const p of list(config.Processors).map(obj)) {
    const parameters = new Map(list(p.Parameters).map((x) => [String(obj(x).ParameterName), obj(x).ParameterValue]));
    if (p.Type === 'Lambda' && parameters.has('LambdaArn')) {
      processor = { lambdaArn: String(parameters.get('LambdaArn')), retries: Number(parameters.get('NumberOfRetries') ?? DEFAULT_RETRIES) };
    } else {
      warnings.push(`${where}: its ${String(p.Type)} processor is not run locally`);
    }
  }
  return processor ? { processor } : {};
}
