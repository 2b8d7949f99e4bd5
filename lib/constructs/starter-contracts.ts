import type * as events from 'aws-cdk-lib/aws-events';
import { Token } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import { type AnyEventContract, type ContractDefinition, contractDefinition } from '../../contracts/contract.js';
import { invalidProp } from './validation.js';

/**
 * The contracts a starter (a Workflow's or a DurableFlow's) is bundled with: the trigger's
 * own, or one accepting any detail for each detail-type its pattern lists literally. A
 * pattern that lists none fails synthesis: the starter must know which events it accepts.
 */
export function starterContractDefinitions(
  scope: IConstruct,
  contracts: readonly AnyEventContract[] | undefined,
  pattern: events.EventPattern,
): ContractDefinition[] {
  if (contracts) return contracts.map(contractDefinition);
  const detailTypes = (pattern.detailType ?? []).filter((t): t is string => typeof t === 'string' && !Token.isUnresolved(t));
  if (detailTypes.length === 0) {
    invalidProp(
      scope,
      `trigger.contracts is required when trigger.eventPattern lists no detail-type (got ${JSON.stringify(pattern.detailType ?? null)}): the starter must know which events it accepts`,
    );
  }
  return detailTypes.map((detailType) => ({
    detailType,
    source: pattern.source?.find((s): s is string => typeof s === 'string') ?? '',
    description: `Any ${detailType} the trigger lets through`,
    schema: { type: 'object' },
  }));
}
