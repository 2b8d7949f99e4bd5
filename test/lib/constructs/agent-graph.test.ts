import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ResearchCompleted, ResearchStopped } from '../../../domain/index.js';
import { AgentGraph, type AgentGraphProps, type AgentNode } from '../../../lib/constructs/agent-graph.js';
import { layersOf } from '../../../lib/constructs/agent-graph-layers.js';
import { BedrockModel } from '../../../lib/constructs/bedrock-model.js';
import { FlowControlTable } from '../../../lib/constructs/flow-control-table.js';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { SwitchyardFunction } from '../../../lib/constructs/switchyard-function.js';
import { definitionOf, flowStartOf, testStack } from '../../helpers/synth.js';

// biome-ignore lint/suspicious/noExplicitAny: ASL states read as plain JSON
type State = Record<string, any>;

const HANDLERS = path.join(import.meta.dirname, '../../../lambdas/agents');

function graph(
  nodes: (fn: SwitchyardFunction) => AgentNode[],
  override: Partial<AgentGraphProps> | ((stack: ReturnType<typeof testStack>['stack']) => Partial<AgentGraphProps>) = {},
) {
  const { stack, bus } = testStack();
  const fn = new SwitchyardFunction(stack, 'Fn', { entry: path.join(HANDLERS, 'plan.ts'), description: 'steps' });
  const construct = new AgentGraph(stack, 'Agents', {
    eventBus: bus,
    nodes: nodes(fn),
    models: { Fast: { modelId: 'fast-1', maxConcurrency: 4 }, Large: { modelId: 'large-1', maxConcurrency: 2 } },
    modelCalls: { entry: path.join(HANDLERS, 'model-call.ts') },
    budget: { maxModelCalls: 10, perExecution: '$states.context.Execution.Input.detail.maxModelCalls' },
    transientErrors: ['ModelUnavailable'],
    completed: { contract: ResearchCompleted, detail: { requestId: 'x' } },
    stopped: { contract: ResearchStopped, detail: { requestId: 'x', reason: '{% $stopped.reason %}' } },
    idempotencyStore: new IdempotencyStore(stack, 'Store'),
    trigger: { description: 'test', eventPattern: { detailType: ['ResearchRequested'] } },
    ...(typeof override === 'function' ? override(stack) : override),
  });
  const template = Template.fromStack(stack);
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const definition = definitionOf(machine ?? {}) as { StartAt: string; States: Record<string, State> };
  return { construct, template, definition, states: definition.States };
}

const research = (fn: SwitchyardFunction): AgentNode[] => [
  { id: 'plan', kind: 'task', function: fn },
  {
    id: 'research',
    kind: 'fanOut',
    dependsOn: ['plan'],
    items: { from: 'plan', path: 'subTasks' },
    routeBy: 'type',
    routes: { search: 'Fast', summarise: 'Large' },
    toleratedFailurePercentage: 25,
  },
  { id: 'outline', kind: 'task', dependsOn: ['plan'], function: fn },
  { id: 'report', kind: 'reduce', dependsOn: ['plan', 'outline', 'research'], function: fn },
];

const task =
  (id: string, dependsOn?: string[]) =>
  (fn: SwitchyardFunction): AgentNode => ({ id, kind: 'task', function: fn, dependsOn });

/** The states inside a state's Parallel branches and Map processors, and itself, by name. */
function allStates(states: Record<string, State>): Record<string, State> {
  const out: Record<string, State> = {};
  for (const [name, state] of Object.entries(states)) {
    out[name] = state;
    for (const branch of state.Branches ?? []) Object.assign(out, allStates(branch.States));
    if (state.ItemProcessor) Object.assign(out, allStates(state.ItemProcessor.States));
  }
  return out;
}

describe('AgentGraph', () => {
  it('runs the nodes in layers: a single task as itself, independent nodes as the branches of one Parallel', () => {
    const { construct, definition, states } = graph(research);
    expect(construct.layers).toEqual([['plan'], ['research', 'outline'], ['report']]);
    expect(flowStartOf(definition)).toBe('plan');
    expect(states.plan).toMatchObject({ Type: 'Task', Next: 'Layer2', Assign: { plan: '{% $states.result.Payload %}' } });
    expect(states.Layer2?.Type).toBe('Parallel');
    expect(states.Layer2?.Branches.map((b: State) => b.StartAt)).toEqual(['researchRoute', 'outline']);
    expect(states.Layer2?.Assign).toEqual({ research: '{% $states.result[0] %}', outline: '{% $states.result[1] %}' });
    expect(states.Layer2?.Next).toBe('report');
    expect(states.report?.Next).toBe('PublishCompleted');
    expect(states.report?.Arguments.Payload).toContain('"results": { "plan": $plan, "outline": $outline, "research": $research }');
  });

  it('adds a step by adding a node: a node depending on two layers runs after the later one', () => {
    const { construct } = graph((fn) => [...research(fn), task('critique', ['plan'])(fn), task('publish', ['report', 'critique'])(fn)]);
    expect(construct.layers).toEqual([['plan'], ['research', 'outline', 'critique'], ['report'], ['publish']]);
  });

  it('sends each item type to its model in a Map of its own, with that model’s MaxConcurrency', () => {
    const { states } = graph(research);
    const models = allStates(states).researchModels as State;
    const maps = models.Branches.map((b: State) => b.States[b.StartAt]);
    expect(maps.map((m: State) => [m.MaxConcurrency, m.Items])).toEqual([
      [4, expect.stringContaining('in ["search"]')],
      [2, expect.stringContaining('in ["summarise"]')],
    ]);
    expect(maps.every((m: State) => m.ItemProcessor.ProcessorConfig.Mode === 'INLINE')).toBe(true);
    expect(maps.every((m: State) => m.ToleratedFailurePercentage === undefined)).toBe(true);
  });

  it("grants a model's function bedrock:InvokeModel on its Bedrock model, and no other function", () => {
    const nova = BedrockModel.fromModelId('amazon.nova-lite-v1:0');
    const { template } = graph(research, {
      models: { Fast: { modelId: nova.modelId, maxConcurrency: 4, bedrock: nova }, Large: { modelId: 'large-1', maxConcurrency: 2 } },
    });
    const granting = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, policy]) =>
      JSON.stringify(policy).includes('bedrock:InvokeModel'),
    );
    expect(granting.map(([id]) => id)).toEqual([expect.stringMatching(/^AgentsFastModel/)]);
    expect(JSON.stringify(granting[0]?.[1])).toContain('foundation-model/amazon.nova-lite-v1:0');
  });

  it('gives each model a function whose reserved concurrency is its quota across executions', () => {
    const { template } = graph(research);
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment?.Variables?.AGENT_MODEL_NAME,
    );
    expect(
      functions.map((f) => [f.Properties.Environment.Variables.AGENT_MODEL_NAME, f.Properties.ReservedConcurrentExecutions]).sort(),
    ).toEqual([
      ['Fast', 4],
      ['Large', 2],
    ]);
  });

  it('makes every model call a Task of its own, retried with backoff, full jitter and a per-attempt timeout', () => {
    const call = allStates(graph(research, { retry: { maxAttempts: 2, attemptTimeout: Duration.seconds(20) } }).states)
      .researchCallFast as State;
    expect(call.Type).toBe('Task');
    expect(call.TimeoutSeconds).toBe(20);
    expect(call.Retry).toEqual([
      // A throttle waits for the model's quota, far longer than a transient failure is retried.
      expect.objectContaining({ ErrorEquals: ['Lambda.TooManyRequestsException'], MaxAttempts: 12, JitterStrategy: 'FULL' }),
      expect.objectContaining({
        ErrorEquals: expect.arrayContaining(['ModelUnavailable', 'Lambda.ServiceException', 'States.Timeout']),
        MaxAttempts: 2,
        JitterStrategy: 'FULL',
      }),
    ]);
    expect(call.Arguments.Payload).toContain('"attempt": $states.context.State.RetryCount + 1');
    expect(call.Arguments.Payload).toContain(
      '"maxModelCalls": ($exists($states.context.Execution.Input.detail.maxModelCalls) ? $min([$states.context.Execution.Input.detail.maxModelCalls, 10]) : 10)',
    );
  });

  it('limits a model by tokens per minute and day instead of reserved concurrency, in a flow control table of its own', () => {
    const { template, states } = graph(research, {
      models: {
        Fast: { modelId: 'fast-1', maxConcurrency: 4, tokensPerMinute: 10_000, tokensPerDay: 1_000_000 },
        Large: { modelId: 'large-1', maxConcurrency: 2 },
      },
    });
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment?.Variables?.AGENT_MODEL_NAME,
    );
    expect(
      functions.map((f) => [
        f.Properties.Environment.Variables.AGENT_MODEL_NAME,
        f.Properties.ReservedConcurrentExecutions,
        f.Properties.Environment.Variables.FLOW_CONTROL_TABLE_NAME === undefined,
      ]),
    ).toEqual([
      ['Fast', undefined, false],
      ['Large', 2, false],
    ]);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    const all = allStates(states);
    const fast = all.researchCallFast as State;
    expect(fast.Arguments.Payload).toContain('"modelTokens": { "perMinute": 10000, "perDay": 1000000 }');
    expect((all.researchCallLarge as State).Arguments.Payload).not.toContain('modelTokens');
    // A full window is waited for (retried up to a minute apart), before and apart from the transient retrier.
    expect(fast.Retry.map((r: State) => r.ErrorEquals[0])).toEqual([
      'Lambda.TooManyRequestsException',
      'TokenLimitReached',
      'ModelUnavailable',
    ]);
    expect(fast.Retry[1]).toEqual({
      ErrorEquals: ['TokenLimitReached'],
      IntervalSeconds: 5,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      MaxAttempts: 20,
      JitterStrategy: 'FULL',
    });
  });

  it("counts an execution's tokens, lowered per execution, and each tenant's tokens per minute", () => {
    const input = '$states.context.Execution.Input.detail';
    const call = allStates(
      graph(research, {
        budget: {
          maxTokens: 5_000,
          perExecutionTokens: `${input}.maxTokens`,
          perTenant: { key: `${input}.customerId`, tokensPerMinute: 2_000 },
        },
      }).states,
    ).researchCallFast as State;
    expect(call.Arguments.Payload).toContain(
      `"budget": { "key": $states.context.Execution.Id, "maxTokens": ($exists(${input}.maxTokens) ? $min([${input}.maxTokens, 5000]) : 5000), "tenantTokens": ($exists(${input}.customerId) ? { "key": $string(${input}.customerId), "perMinute": 2000 }) }`,
    );
    expect(call.Arguments.Payload).not.toContain('maxModelCalls');
    expect(call.Retry.map((r: State) => r.ErrorEquals[0])).toContain('TokenLimitReached');
  });

  it('keeps token windows in the flow control table it is given, making none of its own', () => {
    const { template } = graph(research, (stack) => ({
      flowControlTable: new FlowControlTable(stack, 'Shared').table,
      models: { Fast: { modelId: 'fast-1', maxConcurrency: 4, tokensPerMinute: 10_000 }, Large: { modelId: 'large-1', maxConcurrency: 2 } },
    }));
    const tables = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    expect(tables.filter((id) => id.includes('FlowControl') || id.includes('Shared'))).toEqual([expect.stringMatching(/^Shared/)]);
  });

  it('ends the Map on BudgetExhausted (caught before the per-item catch-all) and stops the flow from every layer', () => {
    const { states } = graph(research);
    const all = allStates(states);
    const call = all.researchCallFast as State;
    expect(call.Catch.map((c: State) => c.ErrorEquals)).toEqual([['BudgetExhausted'], ['States.ALL']]);
    expect(all[call.Catch[0].Next]).toMatchObject({ Type: 'Fail', Error: 'BudgetExhausted' });
    expect(all[call.Catch[1].Next]?.Type).toBe('Pass');
    for (const name of ['plan', 'Layer2', 'report']) {
      expect(states[name]?.Catch).toEqual([
        expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'PublishStopped', Assign: { stopped: expect.any(Object) } }),
      ]);
    }
    expect(states.PublishStopped?.Next).toBe('Stopped');
    expect(states.Stopped).toMatchObject({ Type: 'Fail', Error: '{% $stopped.reason %}' });
  });

  it('checks the tolerated failure percentage after the fan-out and fails with TooManyFailures above it', () => {
    const all = allStates(graph(research).states);
    expect(all.researchModels?.Next).toBe('researchTolerance');
    expect(all.researchTolerance?.Choices[0].Condition).toBe('{% $count($states.input[failed]) * 100 > 25 * $count($states.input) %}');
    expect(all.researchTooManyFailures).toMatchObject({ Type: 'Fail', Error: 'TooManyFailures' });
  });

  it('is a STANDARD state machine with the given timeout', () => {
    const { template } = graph(research, { timeout: Duration.minutes(30) });
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machine?.Properties.StateMachineType).toBe('STANDARD');
    expect(definitionOf(machine ?? {}).TimeoutSeconds).toBe(1800);
  });

  it('layers a diamond as its depth says, keeping the declared order within a layer', () => {
    const nodes = [
      task('a')(undefined as never),
      task('c', ['a'])(undefined as never),
      task('b', ['a'])(undefined as never),
      task('d', ['b', 'c'])(undefined as never),
    ];
    expect(layersOf(nodes).map((layer) => layer.map((n) => n.id))).toEqual([['a'], ['c', 'b'], ['d']]);
  });

  describe('fails if', () => {
    const fails = (nodes: (fn: SwitchyardFunction) => AgentNode[], message: string, override: Partial<AgentGraphProps> = {}) =>
      expect(() => graph(nodes, override)).toThrow(message);

    it('fails if the graph is empty', () => fails(() => [], 'Test/Agents: nodes must hold at least one node (got none)'));
    it('fails if two nodes share an id', () =>
      fails((fn) => [task('plan')(fn), task('plan')(fn)], 'Test/Agents: node ids must be unique (got plan twice)'));
    it('fails if a node depends on an unknown node', () =>
      fails(
        (fn) => [task('plan')(fn), task('report', ['plam'])(fn)],
        'Test/Agents: node report depends on plam, which is not a node (nodes: plan, report)',
      ));
    it('fails if the nodes form a cycle, naming it', () =>
      fails(
        (fn) => [task('plan')(fn), task('a', ['plan', 'c'])(fn), task('b', ['a'])(fn), task('c', ['b'])(fn)],
        'Test/Agents: nodes must not form a cycle (got a -> b -> c -> a)',
      ));
    it('fails if a node depends on itself', () => fails((fn) => [task('a', ['a'])(fn)], 'nodes must not form a cycle (got a -> a)'));
    it('fails if a fan-out takes its items from a node it does not depend on', () =>
      fails(
        (fn) => research(fn).map((n) => (n.id === 'research' ? { ...n, dependsOn: ['outline'] } : n)),
        'Test/Agents: node research takes its items from plan, which it does not depend on (dependsOn: outline)',
      ));
    it('fails if a fan-out routes to an unknown model', () =>
      fails(
        (fn) => research(fn).map((n) => (n.kind === 'fanOut' ? { ...n, routes: { search: 'Tiny' } } : n)),
        'Test/Agents: node research routes "search" to model Tiny, which is not one of the models (Fast, Large)',
      ));
    it('fails if a reduce depends on nothing', () =>
      fails(
        (fn) => [{ id: 'sum', kind: 'reduce', function: fn }],
        'Test/Agents: node sum is a reduce, which must depend on the nodes it combines (got none)',
      ));
    it('fails if a node id is not letters and digits', () =>
      fails((fn) => [task('my-step')(fn)], 'node ids must be 1 to 40 letters and digits'));
    it('fails if a node takes the reserved id', () => fails((fn) => [task('stopped')(fn)], 'node stopped: the id stopped is reserved'));
    it('fails if the tolerated failure percentage is out of range', () =>
      fails(
        (fn) => research(fn).map((n) => (n.kind === 'fanOut' ? { ...n, toleratedFailurePercentage: 120 } : n)),
        'toleratedFailurePercentage',
      ));
    it('fails if a model allows more concurrency than an inline Map runs', () =>
      fails(research, 'models.Fast.maxConcurrency', {
        models: { Fast: { modelId: 'f', maxConcurrency: 41 }, Large: { modelId: 'l', maxConcurrency: 1 } },
      }));
    it("fails if a model's Bedrock model has another id than its modelId", () =>
      fails(research, 'model Fast: bedrock is amazon.nova-lite-v1:0 but modelId is f', {
        models: {
          Fast: { modelId: 'f', maxConcurrency: 4, bedrock: BedrockModel.fromModelId('amazon.nova-lite-v1:0') },
          Large: { modelId: 'l', maxConcurrency: 1 },
        },
      }));
    const tokenModels = (fast: Record<string, number>): Partial<AgentGraphProps> => ({
      models: { Fast: { modelId: 'f', maxConcurrency: 4, ...fast }, Large: { modelId: 'l', maxConcurrency: 1 } },
    });
    it('fails if a model has a token limit of 0', () =>
      fails(
        research,
        'Test/Agents: models.Fast.tokensPerMinute must be from 1 to 1000000000 (got 0)',
        tokenModels({ tokensPerMinute: 0 }),
      ));
    it('fails if a model allows fewer tokens per day than per minute', () =>
      fails(
        research,
        'Test/Agents: models.Fast.tokensPerDay must be from 1000 to 1000000000 (got 500)',
        tokenModels({ tokensPerMinute: 1_000, tokensPerDay: 500 }),
      ));
    it('fails if a model has tokens per day without tokens per minute', () =>
      fails(research, 'models.Fast.tokensPerDay needs tokensPerMinute', tokenModels({ tokensPerDay: 500 })));
    it('fails if the budget limits neither tokens nor calls', () =>
      fails(research, 'Test/Agents: budget must limit maxTokens (or the deprecated maxModelCalls) (got neither)', { budget: {} }));
    it('fails if the budget has a token limit of 0', () =>
      fails(research, 'Test/Agents: budget.maxTokens must be from 1 to', { budget: { maxTokens: 0 } }));
    it("fails if a tenant's token limit is 0", () =>
      fails(research, 'Test/Agents: budget.perTenant.tokensPerMinute must be from 1 to', {
        budget: { maxTokens: 100, perTenant: { key: '$states.input.tenant', tokensPerMinute: 0 } },
      }));
    it('fails if the budget lowers per execution a limit it does not set', () =>
      fails(research, 'budget.perExecutionTokens lowers maxTokens, which is not set', {
        budget: { maxModelCalls: 5, perExecutionTokens: '$states.input.tokens' },
      }));
    it('fails if waiting for token windows cannot fit in the execution timeout', () =>
      fails(
        research,
        "Test/Agents: timeout (600 s) must fit one model call's retries: 4 attempts of up to 60 s and their delays, with up to 1035 s waiting for token windows, take up to 1289 s",
        {
          ...tokenModels({ tokensPerMinute: 1_000 }),
          timeout: Duration.minutes(10),
        },
      ));
    it("fails if one model call's retries cannot fit in the execution timeout", () =>
      fails(research, 'timeout (60 s) must fit one model call', {
        timeout: Duration.seconds(60),
        retry: { attemptTimeout: Duration.seconds(30) },
      }));
  });
});
