import { AwsError } from '../endpoint/aws-error.js';
import type { LoadedApp } from '../template/load.js';
import type { Json } from '../template/resolve.js';
import { invalidValue } from './cloudwatch-errors.js';

/** An alarm as DescribeAlarms answers it (`MetricAlarm`). */
export type MetricAlarm = Readonly<Record<string, unknown>>;

/** The template's alarms' properties DescribeAlarms answers as they are declared. */
const DECLARED = [
  'AlarmDescription',
  'MetricName',
  'Namespace',
  'Statistic',
  'ExtendedStatistic',
  'Dimensions',
  'Period',
  'Unit',
  'EvaluationPeriods',
  'DatapointsToAlarm',
  'Threshold',
  'ComparisonOperator',
  'TreatMissingData',
  'EvaluateLowSampleCountPercentile',
  'Metrics',
  'ThresholdMetricId',
] as const;

/** The state of an alarm that has never been evaluated, as CloudWatch gives a new alarm. */
const UNCHECKED = { StateValue: 'INSUFFICIENT_DATA', StateReason: 'Unchecked: Initial alarm creation' } as const;

/**
 * The template's alarms (`AWS::CloudWatch::Alarm`) as DescribeAlarms lists them: as declared,
 * in INSUFFICIENT_DATA since the runtime started, because alarms are not evaluated locally (the
 * start-up report says so). `startedAt`: when the runtime loaded them (epoch ms).
 */
export function templateAlarms(app: LoadedApp, accountId: string, region: string, startedAt: number): MetricAlarm[] {
  const at = new Date(startedAt);
  return app.stacks
    .flatMap((stack) => stack.resources.filter((resource) => resource.type === 'AWS::CloudWatch::Alarm'))
    .map((resource) => {
      const p = resource.properties;
      const declared = Object.fromEntries(DECLARED.flatMap((key) => (p[key] === undefined ? [] : [[key, numbers(key, p[key])]])));
      return {
        AlarmName: resource.physicalName,
        AlarmArn: resource.attributes.Arn ?? `arn:aws:cloudwatch:${region}:${accountId}:alarm:${resource.physicalName}`,
        AlarmConfigurationUpdatedTimestamp: at,
        ActionsEnabled: p.ActionsEnabled !== false,
        OKActions: texts(p.OKActions),
        AlarmActions: texts(p.AlarmActions),
        InsufficientDataActions: texts(p.InsufficientDataActions),
        ...UNCHECKED,
        StateUpdatedTimestamp: at,
        StateTransitionedTimestamp: at,
        Dimensions: [],
        ...declared,
      };
    })
    .sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : a.AlarmName > b.AlarmName ? 1 : 0));
}

/** A template's numbers may be written as text (`"Threshold": "5"`); DescribeAlarms answers numbers. */
function numbers(key: string, value: Json): unknown {
  const numeric = ['Period', 'EvaluationPeriods', 'DatapointsToAlarm', 'Threshold'];
  return numeric.includes(key) && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
    ? Number(value)
    : value;
}

function texts(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export interface DescribeAlarmsInput {
  readonly AlarmNames?: readonly string[];
  readonly AlarmNamePrefix?: string;
  readonly AlarmTypes?: readonly string[];
  readonly StateValue?: string;
  readonly ActionPrefix?: string;
  readonly MaxRecords?: number;
  readonly NextToken?: string;
}

/** DescribeAlarms over the alarms: its filters, and pages of MaxRecords (50 unless given) whose token is the next alarm's place. */
export function describeAlarms(alarms: readonly MetricAlarm[], input: DescribeAlarmsInput) {
  if (input.AlarmNames !== undefined && input.AlarmNamePrefix !== undefined)
    throw invalidValue('The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.');
  const wanted = (alarm: MetricAlarm) => {
    const name = alarm.AlarmName as string;
    const actions = [alarm.OKActions, alarm.AlarmActions, alarm.InsufficientDataActions].flat() as string[];
    return (
      (input.AlarmNames === undefined || input.AlarmNames.includes(name)) &&
      (input.AlarmNamePrefix === undefined || name.startsWith(input.AlarmNamePrefix)) &&
      (input.StateValue === undefined || alarm.StateValue === input.StateValue) &&
      (input.ActionPrefix === undefined || actions.some((action) => action.startsWith(input.ActionPrefix as string)))
    );
  };
  const metricAlarms = input.AlarmTypes === undefined || input.AlarmTypes.includes('MetricAlarm') ? alarms.filter(wanted) : [];
  const from = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isSafeInteger(from) || from < 0 || from > metricAlarms.length)
    throw new AwsError('InvalidNextToken', `The value ${input.NextToken} for parameter NextToken is invalid.`, 400);
  const size = input.MaxRecords ?? 50;
  const page = metricAlarms.slice(from, from + size);
  return {
    MetricAlarms: page,
    CompositeAlarms: [],
    ...(from + size < metricAlarms.length ? { NextToken: String(from + size) } : {}),
  };
}
