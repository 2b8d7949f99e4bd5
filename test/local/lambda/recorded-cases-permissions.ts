import {
  AddPermissionCommand,
  type AddPermissionCommandInput,
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  PublishVersionCommand,
  RemovePermissionCommand,
  waitUntilPublishedVersionActive,
} from '@aws-sdk/client-lambda';
import { isObject } from '../../helpers/recorded-answers.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/** `lambda_echo.py`, the function every permission case makes. */
const ECHO_PY =
  'import json\n\n\ndef handler(event, context):\n    # Just print the event that was passed to the Lambda\n    print(json.dumps(event))\n    return event\n';

const S3_SOURCE = 'arn:aws:s3:::test-bucket';

/** The fixture's Python echo function. */
async function echoFunction(c: ReplayContext, prefix: string): Promise<{ name: string; created: Answer }> {
  const name = c.name(prefix);
  return { name, created: await c.create(name, { Code: { ZipFile: c.archive('handler.py', ECHO_PY) } }) };
}

/** LocalStack's snapshot reads a JSON document in a string (`Statement`, `Policy`) as the document. */
export function documents(answer: Answer): Answer {
  return Object.fromEntries(
    Object.entries(answer).map(([key, value]) => {
      if (typeof value !== 'string' || !/^[[{]/.test(value)) return [key, value];
      const parsed: unknown = JSON.parse(value);
      return [key, isObject(parsed) || Array.isArray(parsed) ? parsed : value];
    }),
  );
}

const add = async (c: ReplayContext, input: Omit<AddPermissionCommandInput, 'Action'> & { Action?: string }) =>
  documents(await c.call(new AddPermissionCommand({ Action: 'lambda:InvokeFunction', ...input })));
const s3Permission = (FunctionName: string, extra: Partial<AddPermissionCommandInput> = {}) => ({
  FunctionName,
  StatementId: 's3',
  Principal: 's3.amazonaws.com',
  SourceArn: S3_SOURCE,
  ...extra,
});
const policy = async (c: ReplayContext, FunctionName: string, Qualifier?: string) =>
  documents(await c.call(new GetPolicyCommand({ FunctionName, Qualifier })));
const remove = (c: ReplayContext, FunctionName: string, StatementId: string, extra: { Qualifier?: string; RevisionId?: string } = {}) =>
  c.call(new RemovePermissionCommand({ FunctionName, StatementId, ...extra }));

/** Fails the replay where the recorded test asserts, as its `assert` would. */
function expectThat(holds: boolean, what: string): void {
  if (!holds) throw new Error(`the recorded test asserts ${what}`);
}

const revisionOf = (answer: Answer) => String(answer.RevisionId);
const functionRevision = async (c: ReplayContext, FunctionName: string) =>
  String((await c.lambda.send(new GetFunctionCommand({ FunctionName }))).Configuration?.RevisionId);

/** test_lambda_api.py's TestLambdaPermissions and TestLambdaRevisions::test_function_revisions_permissions, by snapshot key. */
export const PERMISSION_CASES: Record<string, Replay> = {
  'TestLambdaPermissions::test_permission_exceptions': async (c) => {
    const { name } = await echoFunction(c, 'lambda_func');
    const live: Answer = {
      add_permission_invalid_statement_id: await add(c, { ...s3Permission(name), StatementId: 'example.com', SourceArn: undefined }),
    };
    live.add_permission_fn_qualifier_mismatch = await add(c, s3Permission(`${name}:alias-not-42`, { Qualifier: '42' }));
    live.add_permission_fn_qualifier_latest = await add(c, s3Permission(`${name}:$LATEST`, { Qualifier: '$LATEST' }));
    live.add_permission_principal_invalid = await add(c, {
      FunctionName: name,
      StatementId: 'lambda',
      Principal: 'invalid.nonaws.com',
      SourceAccount: c.accountId,
    });
    live.get_policy_fn_doesnotexist = await policy(c, 'doesnotexist');
    live.get_policy_fn_version_doesnotexist = await policy(c, name, '77');
    live.add_permission_fn_doesnotexist = await add(c, s3Permission('doesnotexist'));
    live.remove_permission_policy_doesnotexist = await remove(c, name, 's3');
    live.add_permission_fn_alias_doesnotexist = await add(c, s3Permission(`${name}:alias-doesnotexist`));
    live.add_permission_fn_version_doesnotexist = await add(c, s3Permission(name, { Qualifier: '42' }));
    live.add_permission_fn_qualifier_invalid = await add(c, s3Permission(name, { Qualifier: 'invalid-qualifier-with-?-char' }));
    live.add_permission_fn_qualifier_valid_doesnotexist = await add(c, s3Permission(name, { Qualifier: 'valid-with-$-but-doesnotexist' }));
    await c.lambda.send(new AddPermissionCommand({ Action: 'lambda:InvokeFunction', ...s3Permission(name) }));
    live.add_permission_conflicting_statement_id = await add(c, s3Permission(name));
    live.remove_permission_fn_doesnotexist = await remove(c, 'doesnotexist', 's3');
    live.remove_permission_fn_alias_doesnotexist = await remove(c, name, 's3', { Qualifier: 'alias-doesnotexist' });
    return live;
  },
  'TestLambdaPermissions::test_add_lambda_permission_aws': async (c) => {
    const { name, created } = await echoFunction(c, 'lambda_func');
    return { create_lambda: created, add_permission: await add(c, s3Permission(name)), get_policy: await policy(c, name) };
  },
  'TestLambdaPermissions::test_lambda_permission_fn_versioning': async (c) => {
    const { name } = await echoFunction(c, 'lambda_func');
    const live: Answer = { add_permission: await add(c, s3Permission(name)) };
    live.get_policy = await policy(c, name);
    live.publish_version_result = await c.call(new PublishVersionCommand({ FunctionName: name }));
    const version = String((live.publish_version_result as { Version: string }).Version);
    await waitUntilPublishedVersionActive({ client: c.lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 }, { FunctionName: name });
    live.get_function_result_after_publishing = await c.call(new GetFunctionCommand({ FunctionName: name }));
    live.get_policy_after_publishing_latest = await policy(c, name);
    live.get_policy_after_publishing_new_version = await policy(c, name, version);
    await add(c, s3Permission(`${name}:${version}`, { Qualifier: version }));
    live.get_policy_version = await policy(c, name, version);
    const alias = 'permission-alias';
    live.create_alias_response = await c.call(new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version }));
    live.get_alias = await c.call(new GetAliasCommand({ FunctionName: name, Name: alias }));
    expectThat(
      revisionOf(live.get_alias as Answer) === revisionOf(live.create_alias_response as Answer),
      'GetAlias answers the RevisionId CreateAlias did',
    );
    live.add_permission_alias_revision_exception = await add(c, s3Permission(name, { Qualifier: alias, RevisionId: 'wrong' }));
    await add(c, s3Permission(`${name}:${alias}`, { Qualifier: alias, RevisionId: revisionOf(live.create_alias_response as Answer) }));
    live.get_policy_alias = await policy(c, name, alias);
    live.get_policy_after_adding_to_new_version = await policy(c, name);
    await add(
      c,
      s3Permission(name, { StatementId: 's3_2', RevisionId: revisionOf(live.get_policy_after_adding_to_new_version as Answer) }),
    );
    live.get_policy_after_adding_2 = await policy(c, name);
    return live;
  },
  'TestLambdaPermissions::test_add_lambda_permission_fields': async (c) => {
    const { name } = await echoFunction(c, 'lambda_func');
    const live: Answer = {
      add_permission_principal_wildcard: await add(c, {
        FunctionName: name,
        StatementId: 'wilcard',
        Principal: '*',
        SourceAccount: c.accountId,
      }),
    };
    live.add_permission_principal_service = await add(c, {
      FunctionName: name,
      StatementId: 'lambda',
      Principal: 'lambda.amazonaws.com',
      SourceAccount: c.accountId,
    });
    live.add_permission_principal_account = await add(c, { FunctionName: name, StatementId: 'account-id', Principal: c.accountId });
    const user = `arn:aws:iam::${c.accountId}:user/replay`;
    live.add_permission_principal_arn = await add(c, {
      FunctionName: name,
      StatementId: 'user-arn',
      Principal: user,
      SourceAccount: c.accountId,
    });
    live.add_permission_optional_fields = await add(c, {
      FunctionName: name,
      StatementId: 'urlPermission',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      SourceArn: S3_SOURCE,
      SourceAccount: c.accountId,
      PrincipalOrgID: 'o-1234567890',
      FunctionUrlAuthType: 'NONE',
    });
    live.add_permission_alexa_skill = await add(c, {
      FunctionName: name,
      StatementId: 'alexaSkill',
      Principal: '*',
      EventSourceToken: 'amzn1.ask.skill.xxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
    });
    return live;
  },
  'TestLambdaPermissions::test_remove_multi_permissions': async (c) => {
    const { name } = await echoFunction(c, 'lambda_func');
    const live: Answer = { add_permission_1: await add(c, { FunctionName: name, StatementId: 's3', Principal: 's3.amazonaws.com' }) };
    live.add_permission_2 = await add(c, { FunctionName: name, StatementId: 'sqs', Principal: 'sqs.amazonaws.com', SourceArn: S3_SOURCE });
    live.policy_after_2_add = await policy(c, name);
    live.remove_permission_exception_nonexisting_sid = await remove(c, name, 'non-existent');
    await c.lambda.send(new RemovePermissionCommand({ FunctionName: name, StatementId: 'sqs' }));
    live.policy_after_removal = await policy(c, name);
    live.policy_after_removal_attempt = await policy(c, name);
    await c.lambda.send(
      new RemovePermissionCommand({
        FunctionName: name,
        StatementId: 's3',
        RevisionId: revisionOf(live.policy_after_removal_attempt as Answer),
      }),
    );
    live.get_policy_exception_removed_all = await policy(c, name);
    return live;
  },
  'TestLambdaPermissions::test_create_multiple_lambda_permissions': async (c) => {
    const { name } = await echoFunction(c, 'test-function');
    const live: Answer = {
      add_permission_response_1: await add(c, { FunctionName: name, StatementId: 'logs', Principal: 'logs.amazonaws.com' }),
    };
    live.add_permission_response_2 = await add(c, { FunctionName: name, StatementId: 'kinesis', Principal: 'kinesis.amazonaws.com' });
    live.policy_after_2_add = await policy(c, name);
    return live;
  },
  'TestLambdaRevisions::test_function_revisions_permissions': async (c) => {
    const { name } = await echoFunction(c, 'fn');
    const active = await functionRevision(c, name);
    const permission = { FunctionName: name, StatementId: 's3', Principal: 's3.amazonaws.com' };
    const live: Answer = { add_permission_revision_exception: await add(c, { ...permission, RevisionId: 'wrong' }) };
    live.add_permission_response = await add(c, { ...permission, RevisionId: active });
    live.get_policy_response_rev3 = await policy(c, name);
    const added = revisionOf(live.get_policy_response_rev3 as Answer);
    expectThat(added !== active, "adding a permission changes the function's RevisionId");
    expectThat((await functionRevision(c, name)) === added, "the function's RevisionId is its policy's");
    live.remove_permission_revision_exception = await remove(c, name, 's3', { RevisionId: 'wrong' });
    live.remove_permission_response = await remove(c, name, 's3', { RevisionId: added });
    expectThat((await functionRevision(c, name)) !== added, "removing a permission changes the function's RevisionId");
    return live;
  },
};
