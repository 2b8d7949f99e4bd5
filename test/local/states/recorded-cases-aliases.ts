import {
  CreateStateMachineAliasCommand,
  DeleteStateMachineAliasCommand,
  DeleteStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  ListExecutionsCommand,
  ListStateMachineAliasesCommand,
  type RoutingConfigurationListItem,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { BASE_PASS_RESULT, createMachine, startExecution } from './recorded-executions.js';
import type { Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded aliasing tests, replayed call by call as LocalStack's
 * tests/aws/services/stepfunctions/v2/test_sfn_api_aliasing.py makes them; each returns the
 * answers by the recording's keys.
 */

const DESCRIPTION = 'create state machine alias description';
const only = (stateMachineVersionArn: string, weight = 100): RoutingConfigurationListItem[] => [{ stateMachineVersionArn, weight }];

/** A machine created with `publish` (its role shown as `sfn_role_arn`), and its first version. */
async function published(context: ReplayContext) {
  const created = await createMachine(context, BASE_PASS_RESULT, { publish: true, role: 'sfn_role_arn' });
  return { arn: created.stateMachineArn, version: created.stateMachineVersionArn as string };
}

/** A machine with versions 1 to 1 + `more`, each another definition. */
async function withVersions(context: ReplayContext, more: number, comment: (n: number) => string) {
  const { arn, version } = await published(context);
  const versions = [version];
  for (let n = 0; n < more; n++) {
    const definition = JSON.stringify({ ...BASE_PASS_RESULT, Comment: comment(n) });
    const updated = await context.call(new UpdateStateMachineCommand({ stateMachineArn: arn, definition, publish: true }));
    versions.push(updated.stateMachineVersionArn as string);
  }
  return { arn, versions };
}

/** A fresh alias name, shown as `placeholder`. */
function aliasName(context: ReplayContext, placeholder = 'state_machine_alias_name'): string {
  const name = context.name('AliasName-');
  context.replace(name, placeholder);
  return name;
}

const create = (name: string, routingConfiguration: RoutingConfigurationListItem[], description?: string) =>
  new CreateStateMachineAliasCommand({ name, routingConfiguration, ...(description === undefined ? {} : { description }) });

/** A machine's version and an alias of it (the start of most cases). */
async function aliased(context: ReplayContext) {
  const { arn, version } = await published(context);
  const created = await context.call(create(aliasName(context), only(version), DESCRIPTION));
  return { arn, version, created, alias: created.stateMachineAliasArn as string };
}

/** Three aliases, each followed by an update of the machine; then the page limits of ListStateMachineAliases. */
async function paginated(context: ReplayContext, withLimits: boolean, maxResults: number) {
  const { arn, version } = await published(context);
  const answers: Record<string, unknown> = {};
  for (let i = 1; i <= 3; i++) {
    answers[`create_state_machine_alias_response-${i}`] = await context.call(
      create(`AliasName-${i}`, only(version), `Description ${i} - create state machine alias`),
    );
    const definition = JSON.stringify({ ...BASE_PASS_RESULT, Comment: `Comment ${i}` });
    await context.call(new UpdateStateMachineCommand({ stateMachineArn: arn, definition }));
  }
  const list = (input: { maxResults?: number; nextToken?: string }) =>
    new ListStateMachineAliasesCommand({ stateMachineArn: arn, ...input });
  if (withLimits) {
    answers['list_state_machine_aliases_max_results_-1_response'] = (await context.raise(list({ maxResults: -1 }))).exception_value;
    answers.list_state_machine_aliases_max_results_1001_response = await context.call(list({ maxResults: 1001 }));
  }
  if (maxResults === 0) {
    answers.list_state_machine_aliases_max_results_0_response = await context.call(list({ maxResults: 0 }));
    return answers;
  }
  const first = await context.call(list({ maxResults: 1 }));
  answers.list_state_machine_aliases_max_results_1_response = first;
  answers.list_state_machine_aliases_next_token_response = await context.call(list({ nextToken: first.nextToken as string }));
  return answers;
}

export const ALIAS_CASES: Record<string, Replay> = {
  async test_base_create_alias_single_router_config(context) {
    const { version } = await published(context);
    return { create_state_machine_alias_response: await context.call(create(aliasName(context), only(version), DESCRIPTION)) };
  },
  async test_error_create_alias_with_state_machine_arn(context) {
    const { arn } = await published(context);
    return { exception: await context.raise(create(context.name('AliasName-'), only(arn), DESCRIPTION)) };
  },
  async test_error_create_alias_not_idempotent(context) {
    const { versions } = await withVersions(context, 1, () => 'Definition v1');
    const [v0 = '', v1 = ''] = versions;
    const name = aliasName(context);
    return {
      create_state_machine_alias_response: await context.call(create(name, only(v0), DESCRIPTION)),
      not_idempotent_description: await context.raise(create(name, only(v0), 'This is a different description')),
      not_idempotent_routing_configuration: await context.raise(create(name, [...only(v0, 50), ...only(v1, 50)], DESCRIPTION)),
    };
  },
  async test_idempotent_create_alias(context) {
    const { arn, version } = await published(context);
    const name = aliasName(context);
    return {
      create_state_machine_alias_response_attempt_0: await context.call(create(name, only(version), DESCRIPTION)),
      create_state_machine_alias_response_attempt_1: await context.call(create(name, only(version), DESCRIPTION)),
      create_state_machine_alias_response_different_name: await context.call(create(`${name}-second`, only(version), DESCRIPTION)),
      list_state_machine_aliases_response: await context.call(new ListStateMachineAliasesCommand({ stateMachineArn: arn })),
    };
  },
  async test_error_create_alias_invalid_router_configs(context) {
    const { arn, versions } = await withVersions(context, 2, (n) => `Definition for version ${n}`);
    const [v0 = '', v1 = '', v2 = ''] = versions;
    const refused = (routing: RoutingConfigurationListItem[]) => context.raise(create(context.name('AliasName-'), routing));
    return {
      no_routing: await refused([]),
      too_many_routing: await refused([...only(v0, 50), ...only(v1, 30), ...only(v2, 20)]),
      duplicate_routing: await refused([...only(v0, 50), ...only(v0, 50)]),
      invalid_arn: await refused([...only(arn, 70), ...only(v1, 30)]),
      weight_too_large: await refused(only(v0, 101)),
      weight_too_small: await refused(only(v0, -1)),
      sum_weights_less_than_100: await refused([...only(v0, 70), ...only(v1, 29)]),
      sum_weights_more_than_100: await refused([...only(v0, 70), ...only(v1, 31)]),
    };
  },
  async test_error_create_alias_invalid_name(context) {
    const { version } = await published(context);
    const answers: Record<string, unknown> = {};
    for (const name of ['123', '', 'A'.repeat(81), 'INVALID ALIAS', '!INVALID', 'ALIAS@'])
      answers[`exception_for_name${name}`] = await context.raise(create(name, only(version), DESCRIPTION));
    return answers;
  },
  async test_base_lifecycle_create_delete_list(context) {
    const { arn, version } = await published(context);
    const list = () => context.call(new ListStateMachineAliasesCommand({ stateMachineArn: arn }));
    const answers: Record<string, unknown> = { list_state_machine_aliases_response_empty: await list() };
    const base = aliasName(context, 'state_machine_alias_base_name');
    const aliases: string[] = [];
    for (let num = 0; num < 3; num++) {
      const created = await context.call(create(`${base}-${num}`, only(version), DESCRIPTION));
      answers[`create_state_machine_alias_response_num_${num}`] = created;
      aliases.push(created.stateMachineAliasArn as string);
      answers[`list_state_machine_aliases_response_after_creation_${num}`] = await list();
    }
    for (const [num, stateMachineAliasArn] of aliases.entries()) {
      answers[`delete_state_machine_alias_response_${num}`] = await context.call(
        new DeleteStateMachineAliasCommand({ stateMachineAliasArn }),
      );
      answers[`list_state_machine_aliases_response_after_deletion_${num}`] = await list();
    }
    return answers;
  },
  async test_update_no_such_alias_arn(context) {
    const { created, alias } = await aliased(context);
    await context.call(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: alias }));
    const update = new UpdateStateMachineAliasCommand({
      stateMachineAliasArn: alias,
      description: 'Updated state machine alias description',
    });
    return { create_state_machine_alias_response: created, update_no_such_alias_arn: await context.raise(update) };
  },
  async test_base_lifecycle_create_invoke_describe_list(context) {
    const { arn, version } = await published(context);
    const empty = await context.call(new ListStateMachineAliasesCommand({ stateMachineArn: arn }));
    const created = await context.call(create(aliasName(context), only(version), DESCRIPTION));
    const throughAlias = await startExecution(context, created.stateMachineAliasArn as string, '{}');
    await context.ended(throughAlias.executionArn);
    const describedAlias = await context.call(new DescribeExecutionCommand({ executionArn: throughAlias.executionArn }));
    const throughVersion = await startExecution(context, version, '{}', 1);
    await context.ended(throughVersion.executionArn);
    return {
      list_state_machine_aliases_response_empty: empty,
      create_state_machine_alias_response: created,
      start_execution_response_through_alias: throughAlias,
      describe_execution_response_through_alias: describedAlias,
      start_execution_response_through_version_arn: throughVersion,
      describe_execution_response_through_version_arn: await context.call(
        new DescribeExecutionCommand({ executionArn: throughVersion.executionArn }),
      ),
      list_executions_response: await context.call(new ListExecutionsCommand({ stateMachineArn: arn })),
    };
  },
  async test_base_lifecycle_create_update_describe(context) {
    const { versions } = await withVersions(context, 2, (n) => `Definition for version ${n}`);
    const [v0 = '', v1 = ''] = versions;
    const created = await context.call(create(aliasName(context), only(v0), DESCRIPTION));
    const stateMachineAliasArn = created.stateMachineAliasArn as string;
    const describe = () => context.call(new DescribeStateMachineAliasCommand({ stateMachineAliasArn }));
    const answers: Record<string, unknown> = { create_state_machine_alias_response: created };
    answers.update_state_machine_alias_description_response = await context.call(
      new UpdateStateMachineAliasCommand({ stateMachineAliasArn, description: 'new description' }),
    );
    answers.describe_state_machine_alias_update_description_response = await describe();
    answers.update_state_machine_alias_routing_configuration_response = await context.call(
      new UpdateStateMachineAliasCommand({ stateMachineAliasArn, routingConfiguration: [...only(v0, 50), ...only(v1, 50)] }),
    );
    answers.describe_state_machine_alias_update_routing_configuration_response = await describe();
    return answers;
  },
  async test_delete_version_with_alias(context) {
    const { arn, version, created, alias } = await aliased(context);
    const referenced = await context.raise(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: version }));
    const definition = JSON.stringify({ ...BASE_PASS_RESULT, Comment: 'Definition v1' });
    const updated = await context.call(new UpdateStateMachineCommand({ stateMachineArn: arn, definition, publish: true }));
    const routingConfiguration = only(updated.stateMachineVersionArn as string);
    await context.call(new UpdateStateMachineAliasCommand({ stateMachineAliasArn: alias, routingConfiguration }));
    return {
      create_state_machine_alias_response: created,
      exception_delete_version_with_alias_reference: referenced,
      describe_state_machine_alias_response: await context.call(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias })),
      delete_version_response: await context.call(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: version })),
    };
  },
  async test_delete_revision_with_alias(context) {
    const { arn, created } = await aliased(context);
    return {
      create_state_machine_alias_response: created,
      delete_state_machine_response: await context.call(new DeleteStateMachineCommand({ stateMachineArn: arn })),
    };
  },
  async test_delete_no_such_alias_arn(context) {
    const { created, alias } = await aliased(context);
    await context.call(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: alias }));
    return {
      create_state_machine_alias_response: created,
      delete_state_machine_alias_response: await context.call(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: alias })),
    };
  },
  async test_list_state_machine_aliases_pagination_invalid_next_token(context) {
    const { arn, created } = await aliased(context);
    const list = new ListStateMachineAliasesCommand({ stateMachineArn: arn, nextToken: 'InvalidToken' });
    return { create_state_machine_alias_response: created, invalidTokenException: await context.raise(list) };
  },
  'test_list_state_machine_aliases_pagination_max_results[0]': (context) => paginated(context, true, 0),
  'test_list_state_machine_aliases_pagination_max_results[1]': (context) => paginated(context, true, 1),
  // The recording of the test before it was parametrized: the same calls without the limits.
  test_list_state_machine_aliases_pagination_max_results_1_next_token: (context) => paginated(context, false, 1),
};
