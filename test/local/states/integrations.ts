import { bedrockIam } from '../../../local/bedrock/iam-authorizations.js';
import { bedrockStepFunctions } from '../../../local/bedrock/step-functions.js';
import { dynamodbIam } from '../../../local/dynamodb/iam-authorizations.js';
import { dynamoDbStepFunctions } from '../../../local/dynamodb/step-functions.js';
import { eventsIam } from '../../../local/events/iam-authorizations.js';
import { eventsStepFunctions } from '../../../local/events/step-functions.js';
import { lambdaIam } from '../../../local/lambda/iam-authorizations.js';
import { lambdaStepFunctions } from '../../../local/lambda/step-functions.js';
import { snsIam } from '../../../local/sns/iam-authorizations.js';
import { snsStepFunctions } from '../../../local/sns/step-functions.js';
import { sqsIam } from '../../../local/sqs/iam-authorizations.js';
import { sqsStepFunctions } from '../../../local/sqs/step-functions.js';
import type { DeclaredIntegrations } from '../../../local/states/task-integrations.js';

/**
 * The Step Functions integrations of the services the Step Functions suites give StatesService
 * (fakes or real ones), as their modules declare them: what the registry hands the states
 * module, without importing every module. No file here imports vitest: a child process reads it.
 */
export const TASK_INTEGRATIONS: readonly DeclaredIntegrations[] = [
  { name: 'lambda', iam: lambdaIam, stepFunctions: lambdaStepFunctions },
  { name: 'sqs', iam: sqsIam, stepFunctions: sqsStepFunctions },
  { name: 'events', iam: eventsIam, stepFunctions: eventsStepFunctions },
  { name: 'dynamodb', iam: dynamodbIam, stepFunctions: dynamoDbStepFunctions },
  { name: 'sns', iam: snsIam, stepFunctions: snsStepFunctions },
  { name: 'bedrock', iam: bedrockIam, stepFunctions: bedrockStepFunctions },
];
