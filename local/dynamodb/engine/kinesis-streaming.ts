import { AwsError } from '../../endpoint/aws-error.js';
import type { TableContext } from './table-operations.js';

type Json = Record<string, unknown>;

/** The tables' Kinesis data stream destinations, as the engine's operations keep them (local/dynamodb/streams/kinesis-destinations.ts). */
export interface KinesisStreamingControl {
  of(table: string): readonly { readonly streamArn: string; readonly enabled: boolean; readonly precision: string }[];
  enable(table: string, streamArn: string, precision?: string): void;
  disable(table: string, streamArn: string): void;
}

/** A Kinesis data stream's ARN, as DynamoDB checks it before it looks for the stream. */
const STREAM_ARN = /^arn:aws[\w-]*:kinesis:[\w-]+:\d{12}:stream\/[\w.-]+$/;

function streamArnOf(input: Json): string {
  const arn = String(input.StreamArn);
  if (!STREAM_ARN.test(arn)) throw new AwsError('ValidationException', `StreamArn ${arn} is not the ARN of a Kinesis data stream`);
  return arn;
}

function precisionOf(configuration: unknown): string | undefined {
  const precision = (configuration as { ApproximateCreationDateTimePrecision?: string } | undefined)?.ApproximateCreationDateTimePrecision;
  return precision;
}

/**
 * Kinesis Data Streams for DynamoDB's operations. A destination is active at once (AWS answers
 * ENABLING and takes minutes to be ACTIVE); whether the Kinesis stream exists is known on the
 * main thread, which reports a record it cannot deliver.
 */
export function kinesisStreamingOperations(kinesis: KinesisStreamingControl) {
  const enabled = (table: string, arn: string) => kinesis.of(table).find((d) => d.streamArn === arn && d.enabled);
  return {
    EnableKinesisStreamingDestination: (context: TableContext, input: Json): Json => {
      const table = context.catalog.described(String(input.TableName));
      const arn = streamArnOf(input);
      if (enabled(table.name, arn)) {
        throw new AwsError('ResourceInUseException', `Table ${table.name} is already streaming to Kinesis data stream ${arn}`);
      }
      const precision = precisionOf(input.EnableKinesisStreamingConfiguration);
      kinesis.enable(table.name, arn, precision);
      return {
        TableName: table.name,
        StreamArn: arn,
        DestinationStatus: 'ENABLING',
        ...(input.EnableKinesisStreamingConfiguration
          ? { EnableKinesisStreamingConfiguration: input.EnableKinesisStreamingConfiguration }
          : {}),
      };
    },
    DisableKinesisStreamingDestination: (context: TableContext, input: Json): Json => {
      const table = context.catalog.described(String(input.TableName));
      const arn = streamArnOf(input);
      if (!enabled(table.name, arn)) {
        throw new AwsError('ResourceNotFoundException', `Table ${table.name} is not streaming to Kinesis data stream ${arn}`);
      }
      kinesis.disable(table.name, arn);
      return { TableName: table.name, StreamArn: arn, DestinationStatus: 'DISABLING' };
    },
    DescribeKinesisStreamingDestination: (context: TableContext, input: Json): Json => {
      const table = context.catalog.described(String(input.TableName));
      return {
        TableName: table.name,
        KinesisDataStreamDestinations: kinesis.of(table.name).map((d) => ({
          StreamArn: d.streamArn,
          DestinationStatus: d.enabled ? 'ACTIVE' : 'DISABLED',
          ApproximateCreationDateTimePrecision: d.precision,
        })),
      };
    },
    UpdateKinesisStreamingDestination: (context: TableContext, input: Json): Json => {
      const table = context.catalog.described(String(input.TableName));
      const arn = streamArnOf(input);
      const current = enabled(table.name, arn);
      if (!current) throw new AwsError('ResourceNotFoundException', `Table ${table.name} is not streaming to Kinesis data stream ${arn}`);
      const precision = precisionOf(input.UpdateKinesisStreamingConfiguration);
      if (precision === undefined) {
        throw new AwsError('ValidationException', 'UpdateKinesisStreamingConfiguration must set ApproximateCreationDateTimePrecision');
      }
      if (precision === current.precision) {
        throw new AwsError('ValidationException', `ApproximateCreationDateTimePrecision is already ${precision}`);
      }
      kinesis.enable(table.name, arn, precision);
      return {
        TableName: table.name,
        StreamArn: arn,
        DestinationStatus: 'UPDATING',
        UpdateKinesisStreamingConfiguration: input.UpdateKinesisStreamingConfiguration,
      };
    },
  };
}
