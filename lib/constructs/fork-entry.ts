import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Stack } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { type ForkableDefinition, withForkEntry } from '../../contracts/fork.js';

/**
 * A chain's definition with the fork entry at its top (contracts/fork.ts): `switchyard fork`
 * begins a new execution at any top-level state through a plain StartExecution, in AWS as
 * locally. A ChainDefinitionBody still, so the state machine grants what the chain's tasks call.
 */
export class ForkEntryDefinitionBody extends sfn.ChainDefinitionBody {
  override bind(scope: Construct, _principal: iam.IPrincipal, props: sfn.StateMachineProps, graph?: sfn.StateGraph): sfn.DefinitionConfig {
    if (!graph) throw new Error(`${scope.node.path}: a fork entry needs the chain's state graph`);
    const definition = { ...graph.toGraphJson(props.queryLanguage), Comment: props.comment, QueryLanguage: props.queryLanguage };
    return { definitionString: Stack.of(scope).toJsonString(withForkEntry(definition as unknown as ForkableDefinition)) };
  }
}
