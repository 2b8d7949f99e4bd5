import { readFileSync } from 'node:fs';
import type { LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import { DefinitionSubstitutionError, placeholdersIn, substituteDefinition, substitutionValues } from './definition-substitutions.js';

type Props = Record<string, unknown>;

const TYPE = 'AWS::StepFunctions::StateMachine';

/** A state machine as the template defines it. */
export interface StateMachineTemplate {
  readonly name: string;
  readonly arn: string;
  readonly type: string;
  /** The definition as CloudFormation would create the machine with it: its DefinitionSubstitutions applied. */
  readonly definition: string;
  readonly roleArn?: string;
  readonly loggingConfiguration?: unknown;
  /**
   * Why CloudFormation would not create the machine (its definition is not JSON once
   * substituted), naming the resource: said at start-up and by StartExecution's InvalidDefinition.
   */
  readonly problem?: string;
}

/** The template's state machines, and a warning for each one whose definition cannot be read or would not deploy. */
export function stateMachineDefinitions(byType: (type: string) => readonly LoadedResource[]): {
  stateMachines: StateMachineTemplate[];
  warnings: string[];
} {
  const stateMachines: StateMachineTemplate[] = [];
  const warnings: string[] = [];
  for (const r of byType(TYPE)) {
    const p = r.properties as Props;
    const where = whereOf(r);
    const definition = definitionOf(r, where, warnings);
    if (definition === undefined) continue;
    const problem = hasDefinition(p) ? definitionProblem(definition, p.DefinitionSubstitutions !== undefined) : NO_DEFINITION;
    if (problem?.fatal) warnings.push(`${where}: ${problem.text}; StartExecution answers InvalidDefinition`);
    else if (problem) warnings.push(`${where}: ${problem.text}`);
    stateMachines.push({
      name: r.physicalName,
      arn: r.ref,
      type: String(p.StateMachineType ?? 'STANDARD'),
      definition,
      roleArn: p.RoleArn === undefined ? undefined : String(p.RoleArn),
      loggingConfiguration: stateMachineLogging(p.LoggingConfiguration),
      ...(problem?.fatal ? { problem: `${r.stackName}/${r.logicalId}: ${problem.text}` } : {}),
    });
  }
  return { stateMachines, warnings };
}

/**
 * The definition's text with its substitutions applied: `DefinitionString`, `Definition`
 * (as JSON) or the file `DefinitionS3Location` names (an asset of the assembly), in that
 * order, as the provider reads them. Undefined (with a warning) when it cannot be read:
 * the machine is left out.
 */
function definitionOf(r: LoadedResource, where: string, warnings: string[]): string | undefined {
  const p = r.properties as Props;
  let text: string;
  if (typeof p.DefinitionString === 'string') text = p.DefinitionString;
  else if (p.Definition !== undefined) text = JSON.stringify(p.Definition);
  else if (p.DefinitionS3Location !== undefined) {
    if (r.assetPath === undefined) {
      warnings.push(
        `${where}: its DefinitionS3Location is not a file of the cloud assembly, so its definition cannot be read; it is left out`,
      );
      return undefined;
    }
    try {
      text = readFileSync(r.assetPath, 'utf8');
    } catch (error) {
      warnings.push(`${where}: its definition file ${r.assetPath} cannot be read (${(error as Error).message}); it is left out`);
      return undefined;
    }
  } else text = '{}';
  try {
    return substituteDefinition(text, substitutionValues(p.DefinitionSubstitutions));
  } catch (error) {
    if (!(error instanceof DefinitionSubstitutionError)) throw error;
    warnings.push(`${where}: ${error.message}, which CloudFormation refuses; it is left out`);
    return undefined;
  }
}

/**
 * A machine none of whose definition properties has a value: locally, one whose
 * definition did not resolve (an import or attribute the runtime cannot know, warned about
 * above). Fatal, so StartExecution says why rather than judging an empty definition.
 */
const NO_DEFINITION = {
  text: 'none of DefinitionString, Definition and DefinitionS3Location has a value here (a line above names what did not resolve)',
  fatal: true,
};

function hasDefinition(p: Props): boolean {
  return p.DefinitionString !== undefined || p.Definition !== undefined || p.DefinitionS3Location !== undefined;
}

/**
 * What stands out in a substituted definition: not JSON (fatal: CloudFormation would fail
 * the machine; a YAML file is not read locally), or `${...}` placeholders that substitutions
 * were given for but not these (they stay as written, as AWS leaves them).
 */
function definitionProblem(definition: string, substituted: boolean): { text: string; fatal: boolean } | undefined {
  const left = placeholdersIn(definition);
  const unmatched = left.length > 0 ? `; DefinitionSubstitutions gives no value for ${left.join(', ')}` : '';
  try {
    JSON.parse(definition);
  } catch (error) {
    const after = substituted ? ' after its DefinitionSubstitutions' : '';
    return { text: `the definition is not JSON${after} (${(error as Error).message})${unmatched}`, fatal: true };
  }
  if (substituted && left.length > 0) {
    return {
      text: `the definition holds ${left.join(', ')}, which DefinitionSubstitutions gives no value for: the text stays as written, as AWS leaves it`,
      fatal: false,
    };
  }
  return undefined;
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
