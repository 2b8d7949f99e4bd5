import type { LoadedResource } from '../template/load.js';

type Props = Record<string, unknown>;

/** A state machine as the template defines it. */
export interface StateMachineTemplate {
  readonly name: string;
  readonly arn: string;
  readonly type: string;
  readonly definition: string;
  readonly roleArn?: string;
  readonly loggingConfiguration?: unknown;
}

/** The template's state machines. */
export function stateMachineDefinitions(byType: (type: string) => readonly LoadedResource[]): StateMachineTemplate[] {
  return byType('AWS::StepFunctions::StateMachine').map((r) => {
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
