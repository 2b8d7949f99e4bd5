import {
  arnOf,
  type Input,
  member,
  type OperationAuthorization,
  type OperationContext,
  type OperationMap,
  on,
} from '../../iam/authorizations.js';

const knowledgeBaseArn = (id: string | undefined, context: OperationContext) => arnOf('bedrock', context, `knowledge-base/${id ?? '*'}`);

/** A structure member as the API (camelCase) or a Step Functions task (PascalCase) names it; `{}` when missing. */
function nested(input: Input, camelName: string): Input {
  const value = input[camelName] ?? input[camelName.charAt(0).toUpperCase() + camelName.slice(1)];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Input) : {};
}

/** The action of the operation's name on the knowledge base its input names. */
const onKnowledgeBase =
  (action: string) =>
  (input: Input, context: OperationContext): OperationAuthorization[] => [
    on(`bedrock:${action}`, knowledgeBaseArn(member(input, 'knowledgeBaseId'), context)),
  ];

/**
 * How IAM authorizes the knowledge base operations (Bedrock Agent's and Bedrock Agent
 * Runtime's, under the `bedrock` prefix with Bedrock Runtime's: the Bedrock module declares
 * them together): each is the action of its name on the knowledge base's ARN
 * (`arn:aws:bedrock:<region>:<account>:knowledge-base/<id>`, the tag operations' `resourceArn`), ListKnowledgeBases on `*`;
 * RetrieveAndGenerate is bedrock:RetrieveAndGenerate (no resource), bedrock:Retrieve on the
 * knowledge base and bedrock:InvokeModel on the model that generates (`invoking`).
 */
export function knowledgeBaseIam(
  invoking: (action: string) => (input: Input, context: OperationContext) => OperationAuthorization[],
): Record<string, OperationMap> {
  const operations = [
    'DeleteKnowledgeBase',
    'CreateDataSource',
    'DeleteDataSource',
    'GetKnowledgeBase',
    'GetDataSource',
    'ListDataSources',
    'StartIngestionJob',
    'GetIngestionJob',
    'ListIngestionJobs',
    'StopIngestionJob',
    'Retrieve',
  ];
  return {
    ...Object.fromEntries(operations.map((operation) => [operation, onKnowledgeBase(operation)])),
    ListKnowledgeBases: () => [on('bedrock:ListKnowledgeBases', '*')],
    CreateKnowledgeBase: () => [on('bedrock:CreateKnowledgeBase', '*')],
    // The tag operations name the knowledge base by its ARN (the Service Authorization Reference's resource).
    ...Object.fromEntries(
      ['TagResource', 'UntagResource', 'ListTagsForResource'].map((operation) => [
        operation,
        (input: Input, context: OperationContext) => [
          on(`bedrock:${operation}`, member(input, 'resourceArn') ?? knowledgeBaseArn(undefined, context)),
        ],
      ]),
    ),
    RetrieveAndGenerate: (input, context) => {
      const kb = nested(nested(input, 'retrieveAndGenerateConfiguration'), 'knowledgeBaseConfiguration');
      return [
        on('bedrock:RetrieveAndGenerate', '*'),
        ...onKnowledgeBase('Retrieve')(kb, context),
        ...invoking('bedrock:InvokeModel')({ modelId: member(kb, 'modelArn') }, context),
      ];
    },
  };
}
