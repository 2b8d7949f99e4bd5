import {
  CreateStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ListExecutionsCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { BASE_PASS_RESULT, createMachine, passResult, startExecution } from './recorded-executions.js';
import type { Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded versioning tests, replayed call by call as LocalStack's
 * tests/aws/services/stepfunctions/v2/test_sfn_api_versioning.py makes them; each returns the
 * answers by the recording's keys.
 */

const update = (stateMachineArn: string, comment: string, publish?: boolean) =>
  new UpdateStateMachineCommand({ stateMachineArn, definition: JSON.stringify(passResult(comment)), ...(publish ? { publish } : {}) });

/** Creates a machine with `publish`, and describes its version and the machine (test_create_publish_describe_*). */
async function publishAndDescribe(context: ReplayContext, versionDescription?: string) {
  const created = await createMachine(context, BASE_PASS_RESULT, { publish: true, ...(versionDescription ? { versionDescription } : {}) });
  return {
    creation_resp_1: created,
    describe_resp_version: await context.call(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineVersionArn })),
    describe_resp: await context.call(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn })),
  };
}

/** Updates the same definition twice with `publish` (test_empty_revision_with_publish_*). */
async function emptyRevisions(context: ReplayContext, publishOnCreation: boolean) {
  const created = await createMachine(context, BASE_PASS_RESULT, publishOnCreation ? { publish: true } : {});
  return {
    creation_resp_1: created,
    update_resp_1: await context.call(update(created.stateMachineArn, 'BASE_PASS_RESULT', true)),
    update_resp_2: await context.call(update(created.stateMachineArn, 'BASE_PASS_RESULT', true)),
  };
}

function expectThat(condition: boolean, what: string): void {
  if (!condition) throw new Error(`the recording test asserts ${what}`);
}

export const VERSION_CASES: Record<string, Replay> = {
  async test_create_with_publish(context) {
    return { creation_resp_1: await createMachine(context, BASE_PASS_RESULT, { publish: true }) };
  },
  async test_create_express_with_publish(context) {
    return { creation_resp_1: await createMachine(context, BASE_PASS_RESULT, { publish: true, type: 'EXPRESS' }) };
  },
  async test_create_with_version_description_no_publish(context) {
    const name = context.name('statemachine_');
    const refused = await context.call(
      new CreateStateMachineCommand({
        name,
        definition: JSON.stringify(BASE_PASS_RESULT),
        roleArn: context.roleArn,
        versionDescription: 'HelloWorld!',
      }),
    );
    return { validation_exception: refused };
  },
  test_create_publish_describe_no_version_description: (context) => publishAndDescribe(context),
  test_create_publish_describe_with_version_description: (context) => publishAndDescribe(context, 'HelloWorld!'),
  async test_list_state_machine_versions_pagination(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const arn = created.stateMachineArn;
    const versions: string[] = [];
    let comment = 'BASE_PASS_RESULT';
    for (let revision = 1; revision <= 13; revision++) {
      comment = `${comment}-R${revision}`;
      const updated = await context.call(update(arn, comment, true));
      expectThat(updated.stateMachineVersionArn === `${arn}:${revision}`, `version ${revision} is ${arn}:${revision}`);
      versions.push(updated.stateMachineVersionArn as string);
    }
    const page1 = await context.call(new ListStateMachineVersionsCommand({ stateMachineArn: arn, maxResults: 10 }));
    const page2 = await context.call(
      new ListStateMachineVersionsCommand({ stateMachineArn: arn, maxResults: 3, nextToken: page1.nextToken as string }),
    );
    const tooLarge = await context.call(new ListStateMachineVersionsCommand({ stateMachineArn: arn, maxResults: 1001 }));
    const shortToken = await context.raise(new ListStateMachineVersionsCommand({ stateMachineArn: arn, nextToken: '' }));
    const longToken = 'x'.repeat(1025);
    context.replace(longToken, '<invalid_token_1025_chars>');
    const longTokenAnswer = await context.call(new ListStateMachineVersionsCommand({ stateMachineArn: arn, nextToken: longToken }));
    const all = await context.call(new ListStateMachineVersionsCommand({ stateMachineArn: arn, maxResults: 0 }));
    expectThat((all.stateMachineVersions as unknown[]).length === 13 && all.nextToken === undefined, 'maxResults 0 lists all 13');
    for (const stateMachineVersionArn of versions) await context.call(new DeleteStateMachineVersionCommand({ stateMachineVersionArn }));
    const none = await context.call(new ListStateMachineVersionsCommand({ stateMachineArn: arn, maxResults: versions.length }));
    expectThat((none.stateMachineVersions as unknown[]).length === 0, 'no version is listed once all are deleted');
    return {
      creation_resp_1: created,
      'list-state-machine-versions-page-1': page1,
      'list-state-machine-versions-page-2': page2,
      'list-state-machine-versions-invalid-param-too-large': tooLarge,
      'list-state-machine-versions-param-short-nextToken': shortToken,
      'list-state-machine-versions-invalid-param-long-nextToken': longTokenAnswer,
    };
  },
  async test_list_delete_version(context) {
    const created = await createMachine(context, BASE_PASS_RESULT, { publish: true });
    const { stateMachineArn, stateMachineVersionArn } = created;
    const list = () => context.call(new ListStateMachineVersionsCommand({ stateMachineArn }));
    const remove = () => context.call(new DeleteStateMachineVersionCommand({ stateMachineVersionArn }));
    return {
      creation_resp_1: created,
      describe_resp_version: await context.call(new DescribeStateMachineCommand({ stateMachineArn: stateMachineVersionArn })),
      list_versions_resp_1: await list(),
      delete_version_resp: await remove(),
      list_versions_resp_2: await list(),
      delete_version_resp_after_del: await remove(),
    };
  },
  async test_update_state_machine(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const arn = created.stateMachineArn;
    const list = () => context.call(new ListStateMachineVersionsCommand({ stateMachineArn: arn }));
    const update1 = await context.call(update(arn, 'BASE_PASS_RESULT-R1', true));
    const list1 = await list();
    const update2 = await context.call(update(arn, 'BASE_PASS_RESULT-R2', true));
    const list2 = await list();
    const version2 = update2.stateMachineVersionArn as string;
    return {
      creation_resp_1: created,
      update_resp_1: update1,
      list_versions_resp_1: list1,
      update_resp_2: update2,
      list_versions_resp_2: list2,
      invalid_arn_1: await context.call(update(version2, 'BASE_PASS_RESULT-R3')),
      invalid_arn_2: await context.call(update(version2, 'BASE_PASS_RESULT-R3', true)),
    };
  },
  async test_publish_state_machine_version(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const arn = created.stateMachineArn;
    const answers: Record<string, unknown> = { creation_resp_1: created };
    answers.update_resp_1 = await context.call(update(arn, 'BASE_PASS_RESULT-R1'));
    answers.publish_v1 = await context.call(new PublishStateMachineVersionCommand({ stateMachineArn: arn }));
    answers.list_versions_resp_1 = await context.call(new ListStateMachineVersionsCommand({ stateMachineArn: arn }));
    answers.describe_v1 = await context.call(new DescribeStateMachineCommand({ stateMachineArn: `${arn}:1` }));
    const update2 = await context.call(update(arn, 'BASE_PASS_RESULT-R2'));
    answers.update_resp_2 = update2;
    answers.publish_v2 = await context.call(
      new PublishStateMachineVersionCommand({ stateMachineArn: arn, description: 'PublishedV2Description' }),
    );
    answers.list_versions_resp_2 = await context.call(new ListStateMachineVersionsCommand({ stateMachineArn: arn }));
    answers.describe_v2 = await context.call(new DescribeStateMachineCommand({ stateMachineArn: `${arn}:2` }));
    answers.update_resp_3 = await context.call(update(arn, 'BASE_PASS_RESULT-R3'));
    const conflict = await context.raise(
      new PublishStateMachineVersionCommand({ stateMachineArn: arn, revisionId: update2.revisionId as string }),
    );
    // The recording matched the exception itself: its text.
    answers.conflict_exception = conflict.exception_value;
    return answers;
  },
  async test_start_version_execution(context) {
    const created = await createMachine(context, BASE_PASS_RESULT, { publish: true });
    const { stateMachineArn, stateMachineVersionArn = '' } = created;
    const execution = await startExecution(context, stateMachineArn);
    await context.ended(execution.executionArn);
    const listed = await context.call(new ListExecutionsCommand({ stateMachineArn }));
    const versionExecution = await startExecution(context, stateMachineVersionArn, undefined, 1);
    await context.ended(versionExecution.executionArn);
    return {
      creation_resp_1: created,
      execution_resp: execution,
      exec_list_resp: listed,
      execution_version_resp: versionExecution,
      exec_version_list_resp: await context.call(new ListExecutionsCommand({ stateMachineArn: stateMachineVersionArn })),
    };
  },
  async test_version_ids_between_deletions(context) {
    const created = await createMachine(context, BASE_PASS_RESULT, { publish: true });
    const arn = created.stateMachineArn;
    await context.call(update(arn, 'BASE_PASS_RESULT-R2', true));
    await context.call(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: `${arn}:2` }));
    return {
      creation_resp_1: created,
      publish_res_v2_2: await context.call(new PublishStateMachineVersionCommand({ stateMachineArn: arn })),
    };
  },
  async test_idempotent_publish(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const stateMachineArn = created.stateMachineArn;
    return {
      creation_resp_1: created,
      publish_v1_1: await context.call(new PublishStateMachineVersionCommand({ stateMachineArn })),
      publish_v1_2: await context.call(new PublishStateMachineVersionCommand({ stateMachineArn })),
      list_versions_resp: await context.call(new ListStateMachineVersionsCommand({ stateMachineArn })),
    };
  },
  async test_publish_state_machine_version_no_such_machine(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const missing = `${created.stateMachineArn.slice(0, created.stateMachineArn.lastIndexOf(':'))}:${context.name('statemachine_')}`;
    context.replace(missing, 'ssm_nonexistent_arn');
    return { exception: await context.raise(new PublishStateMachineVersionCommand({ stateMachineArn: missing })) };
  },
  async test_publish_state_machine_version_invalid_arn(context) {
    return { exception: await context.raise(new PublishStateMachineVersionCommand({ stateMachineArn: 'invalid_arn' })) };
  },
  test_empty_revision_with_publish_and_publish_on_creation: (context) => emptyRevisions(context, true),
  test_empty_revision_with_publish_and_no_publish_on_creation: (context) => emptyRevisions(context, false),
  async test_describe_state_machine_for_execution_of_version(context) {
    const created = await createMachine(context, BASE_PASS_RESULT, { publish: true });
    const execution = await startExecution(context, created.stateMachineVersionArn as string);
    await context.ended(execution.executionArn);
    return {
      creation_resp_1: created,
      execution_resp: execution,
      describe_resp: await context.call(new DescribeStateMachineForExecutionCommand({ executionArn: execution.executionArn })),
    };
  },
  async test_describe_state_machine_for_execution_of_version_with_revision(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const arn = created.stateMachineArn;
    const updated = await context.call(update(arn, 'BASE_PASS_RESULT-R2', true));
    const execution = await startExecution(context, `${arn}:1`);
    await context.ended(execution.executionArn);
    return {
      creation_resp_1: created,
      update_resp: updated,
      execution_resp: execution,
      describe_resp: await context.call(new DescribeStateMachineForExecutionCommand({ executionArn: execution.executionArn })),
    };
  },
};
