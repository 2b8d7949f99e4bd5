import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { FORK_ENTRY_STATE } from '../../../contracts/fork-names.js';
import { ENV } from '../../../contracts/wiring.js';
import { DurableFlow } from '../../../lib/constructs/durable-flow.js';
import {
  DURABLE_FLOW_FORKS,
  DURABLE_LAMBDA_CLIENT,
  FEATURE_FLAGS,
  NEW_APP_CONTEXT,
  WORKFLOW_FORK_ENTRY,
} from '../../../lib/constructs/feature-flags.js';
import { Workflow } from '../../../lib/constructs/workflow.js';
import { definitionOf, TEST_ENV } from '../../helpers/synth.js';

const ROOT = path.join(import.meta.dirname, '../../..');
/** A durable handler that imports ListFunctionsCommand, which the kit's durable subset of the Lambda client does not export. */
const INVOKER = path.join(ROOT, 'test/fixtures/durable-invoke-handler.ts');

/** A stack in an app with `context` and no bundling: what `cdk synth` makes of an app whose cdk.json has that context. */
function stackWith(context: Record<string, unknown>): Stack {
  return new Stack(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } }), 'Test', { env: TEST_ENV });
}

function workflowIn(context: Record<string, unknown>, forkEntry?: boolean) {
  const stack = stackWith(context);
  const bus = new events.EventBus(stack, 'Bus');
  new Workflow(stack, 'Flow', {
    eventBus: bus,
    definition: new sfn.Pass(stack, 'Step'),
    ...(forkEntry === undefined ? {} : { forkEntry }),
  });
  const template = Template.fromStack(stack);
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
  return { startAt: definitionOf(machine ?? {}).StartAt, warnings: Annotations.fromStack(stack).findWarning('*', Match.anyValue()) };
}

function durableFlowIn(context: Record<string, unknown>, durableLambdaClient?: boolean) {
  const stack = stackWith(context);
  new DurableFlow(stack, 'Flow', {
    eventBus: new events.EventBus(stack, 'Bus'),
    handler: { entry: INVOKER, description: 'A durable flow', ...(durableLambdaClient === undefined ? {} : { durableLambdaClient }) },
  });
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue());
}

/** Whether a DurableFlow (with a handler that bundles either way) forks in AWS, and the warnings of its synth. */
function forkingIn(context: Record<string, unknown>, forks?: boolean) {
  const stack = stackWith(context);
  new DurableFlow(stack, 'Flow', {
    eventBus: new events.EventBus(stack, 'Bus'),
    handler: { entry: path.join(ROOT, 'lambdas/orders/durable-saga-handler.ts'), description: 'A durable flow' },
    ...(forks === undefined ? {} : { forks }),
  });
  const fn = Object.values(
    Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { DurableConfig: Match.anyValue() } }),
  )[0];
  const forking = fn?.Properties?.Environment?.Variables?.[ENV.durableForks] === '1';
  return { forking, warnings: warningsNaming(Annotations.fromStack(stack).findWarning('*', Match.anyValue()), DURABLE_FLOW_FORKS.key) };
}

const warningsNaming = (warnings: { entry: { data?: unknown } }[], key: string) =>
  warnings.filter(({ entry }) => String(entry.data).includes(key));

describe('Workflow forkEntry', () => {
  it('has no fork entry in an app without the flag, and warns once naming forkEntry, the flag and the next minor release', () => {
    const { startAt, warnings } = workflowIn({});
    expect(startAt).toBe('Step');
    const flagged = warningsNaming(warnings, WORKFLOW_FORK_ENTRY.key);
    expect(flagged).toHaveLength(1);
    expect(String(flagged[0]?.entry.data)).toContain("Workflow's forkEntry defaults to false here");
    expect(String(flagged[0]?.entry.data)).toContain('the next minor release makes it true');
    expect(String(flagged[0]?.entry.data)).toContain(`[ack: ${WORKFLOW_FORK_ENTRY.key}]`);
  });

  it('begins with the fork entry in an app whose cdk.json sets the flag, without a warning', () => {
    const { startAt, warnings } = workflowIn({ [WORKFLOW_FORK_ENTRY.key]: true });
    expect(startAt).toBe(FORK_ENTRY_STATE);
    expect(warningsNaming(warnings, WORKFLOW_FORK_ENTRY.key)).toEqual([]);
  });

  it('takes the flag as -c gives it, a string', () => {
    expect(workflowIn({ [WORKFLOW_FORK_ENTRY.key]: 'true' }).startAt).toBe(FORK_ENTRY_STATE);
    expect(workflowIn({ [WORKFLOW_FORK_ENTRY.key]: 'false' }).startAt).toBe('Step');
  });

  it('keeps the old default, silently, where the flag is false', () => {
    const { startAt, warnings } = workflowIn({ [WORKFLOW_FORK_ENTRY.key]: false });
    expect(startAt).toBe('Step');
    expect(warningsNaming(warnings, WORKFLOW_FORK_ENTRY.key)).toEqual([]);
  });

  it('does as its forkEntry prop says whatever the flag, without a warning', () => {
    expect(workflowIn({}, true)).toEqual({ startAt: FORK_ENTRY_STATE, warnings: [] });
    expect(workflowIn({ [WORKFLOW_FORK_ENTRY.key]: true }, false)).toEqual({ startAt: 'Step', warnings: [] });
  });

  it('fails if the flag is neither true nor false, naming it', () => {
    expect(() => workflowIn({ [WORKFLOW_FORK_ENTRY.key]: 'yes' })).toThrow(
      `Test/Flow: the ${WORKFLOW_FORK_ENTRY.key} context must be true or false (got "yes")`,
    );
  });
});

describe('DurableFlow durableLambdaClient', () => {
  it("bundles the whole Lambda client in an app without the flag (a handler's other command builds), and warns once naming the prop and the flag", () => {
    const flagged = warningsNaming(durableFlowIn({}), DURABLE_LAMBDA_CLIENT.key);
    expect(flagged).toHaveLength(1);
    expect(String(flagged[0]?.entry.data)).toContain("DurableFlow's handler.durableLambdaClient defaults to false here");
  });

  it("bundles the client subset in an app whose cdk.json sets the flag: a handler's other command fails synthesis naming durableLambdaClient: false", () => {
    expect(() => durableFlowIn({ [DURABLE_LAMBDA_CLIENT.key]: true })).toThrow(
      /Test\/Flow\/Function: durable-invoke-handler\.ts imports ListFunctionsCommand from @aws-sdk\/client-lambda, .*Set durableLambdaClient: false on the handler/,
    );
  });

  it('does as the handler says whatever the flag, without a warning', () => {
    expect(warningsNaming(durableFlowIn({ [DURABLE_LAMBDA_CLIENT.key]: true }, false), DURABLE_LAMBDA_CLIENT.key)).toEqual([]);
    expect(() => durableFlowIn({}, true)).toThrow(/Set durableLambdaClient: false on the handler/);
  });
});

describe('DurableFlow forks', () => {
  it('bundles the handler as it is in an app without the flag, and warns once naming forks and the flag', () => {
    const { forking, warnings } = forkingIn({});
    expect(forking).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.entry.data)).toContain("DurableFlow's forks defaults to false here");
  });

  it("bundles the handler inside the kit's fork support in an app whose cdk.json sets the flag, without a warning", () => {
    expect(forkingIn({ [DURABLE_FLOW_FORKS.key]: true })).toEqual({ forking: true, warnings: [] });
  });

  it('does as its forks prop says whatever the flag, without a warning', () => {
    expect(forkingIn({}, true)).toEqual({ forking: true, warnings: [] });
    expect(forkingIn({ [DURABLE_FLOW_FORKS.key]: true }, false)).toEqual({ forking: false, warnings: [] });
  });
});

describe('FEATURE_FLAGS', () => {
  it("are all set to their new default in this repository's cdk.json and the scaffold's", () => {
    for (const file of ['cdk.json', 'cli/init/template/cdk.json.tmpl']) {
      const { context } = JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as { context: Record<string, unknown> };
      const flags = Object.fromEntries(Object.entries(context).filter(([key]) => key.startsWith('@switchyard/')));
      expect(flags, file).toEqual(NEW_APP_CONTEXT);
    }
  });

  it('are each documented in docs/constructs.md, with the prop they decide', () => {
    const page = readFileSync(path.join(ROOT, 'docs/constructs.md'), 'utf8');
    for (const flag of FEATURE_FLAGS) expect(page).toContain(`| \`${flag.key}\` | \`${flag.construct}\`'s \`${flag.prop}\``);
  });
});
