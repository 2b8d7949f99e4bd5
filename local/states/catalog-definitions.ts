import type { LoadedApp, LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import type { ActivityTemplate } from './activities.js';
import type { AliasTemplate, RoutingItem } from './aliases.js';

/** An `AWS::StepFunctions::StateMachineVersion` of the template: the machine it publishes. */
export interface VersionTemplate {
  readonly stateMachineArn: string;
  readonly description?: string;
}

/** The template's activities, state machine versions and aliases, as a deployment creates them. */
export interface StatesCatalogTemplate {
  readonly activities: readonly ActivityTemplate[];
  readonly versions: readonly VersionTemplate[];
  readonly aliases: readonly AliasTemplate[];
  readonly warnings: readonly string[];
}

type Props = Record<string, unknown>;

/**
 * Reads the template's `AWS::StepFunctions::Activity`, `::StateMachineVersion` and
 * `::StateMachineAlias` resources (their ARNs as their `Ref`s resolved them, resource-types.ts).
 * An alias takes its `RoutingConfiguration`, or the version its `DeploymentPreference` deploys
 * (all of its executions, as once a deployment has shifted them); one with neither is left out.
 */
export function statesCatalog(app: LoadedApp): StatesCatalogTemplate {
  const resources = app.stacks.flatMap((stack) => stack.resources).filter((r) => !r.customResourceProvider);
  const ofType = (type: string) => resources.filter((r) => r.type === `AWS::StepFunctions::${type}`);
  const warnings: string[] = [];
  const activities = ofType('Activity').map((r) => ({ name: r.physicalName, arn: r.ref }));
  const versions = ofType('StateMachineVersion').flatMap((r) => {
    const p = r.properties as Props;
    if (typeof p.StateMachineArn !== 'string') {
      warnings.push(`${whereOf(r)}: its StateMachineArn does not resolve to a state machine's ARN; the version is left out`);
      return [];
    }
    return [{ stateMachineArn: p.StateMachineArn, ...(typeof p.Description === 'string' ? { description: p.Description } : {}) }];
  });
  const aliases = ofType('StateMachineAlias').flatMap((r) => {
    const routing = routingOf(r);
    if (routing === undefined) {
      warnings.push(
        `${whereOf(r)}: it has neither a RoutingConfiguration nor a DeploymentPreference naming a version; the alias is left out`,
      );
      return [];
    }
    const description = (r.properties as Props).Description;
    return [
      { name: r.physicalName, arn: r.ref, routingConfiguration: routing, ...(typeof description === 'string' ? { description } : {}) },
    ];
  });
  return { activities, versions, aliases, warnings };
}

function routingOf(r: LoadedResource): RoutingItem[] | undefined {
  const p = r.properties as Props;
  if (Array.isArray(p.RoutingConfiguration) && p.RoutingConfiguration.length > 0) {
    return p.RoutingConfiguration.map((item) => {
      const { StateMachineVersionArn, Weight } = (item ?? {}) as Props;
      return { stateMachineVersionArn: String(StateMachineVersionArn), weight: Number(Weight) };
    });
  }
  const deployed = ((p.DeploymentPreference ?? {}) as Props).StateMachineVersionArn;
  return typeof deployed === 'string' ? [{ stateMachineVersionArn: deployed, weight: 100 }] : undefined;
}
