import { LEAF_SERVICE_MODULES } from '../ai-services/module.js';
import { apiGatewayModule } from '../apigateway/module.js';
import { appSyncModule } from '../appsync/module.js';
import { bedrockModule } from '../bedrock/module.js';
import { cloudFormationModule } from '../cloudformation/module.js';
import { cloudWatchModule } from '../cloudwatch/module.js';
import { cognitoModule } from '../cognito-idp/module.js';
import { customResourcesModule } from '../custom-resources/module.js';
import { dynamoDbModule } from '../dynamodb/module.js';
import { ec2Module } from '../ec2/module.js';
import { elbv2Module } from '../elbv2/module.js';
import { eventBridgeV2Module } from '../eventbridgev2/module.js';
import { eventsModule } from '../events/module.js';
import { firehoseModule } from '../firehose/module.js';
import { iamModule } from '../iam/module.js';
import { kinesisModule } from '../kinesis/module.js';
import { kmsModule } from '../kms/module.js';
import { lambdaModule } from '../lambda/module.js';
import { logsModule } from '../logs/module.js';
import { pipesModule } from '../pipes/module.js';
import { readApiModule } from '../read-api/module.js';
import { s3Module } from '../s3/module.js';
import { s3VectorsModule } from '../s3vectors/module.js';
import { schedulerModule } from '../scheduler/module.js';
import { secretsManagerModule } from '../secretsmanager/module.js';
import { sesModule } from '../ses/module.js';
import { snsModule } from '../sns/module.js';
import { sqsModule } from '../sqs/module.js';
import { ssmModule } from '../ssm/module.js';
import { statesModule } from '../states/module.js';
import type { LoadedApp } from '../template/load.js';
import { templateModule } from '../template/module.js';
import type { TemplateTypes } from '../template/resource-spec.js';
import { tracesModule } from '../traces/module.js';
import { ServiceRegistry } from './registry.js';
import { type ServiceDefinitions, sharedDefinitions } from './service-definitions.js';
import type { RegisteredModule } from './service-module.js';

/**
 * The local runtime's services. The registry runs them in dependency order (each module's
 * `needs`); this order only breaks ties between services that do not depend on each other.
 */
export const SERVICE_MODULES: readonly RegisteredModule[] = [
  ssmModule,
  templateModule,
  iamModule,
  kmsModule,
  logsModule,
  cloudWatchModule,
  secretsManagerModule,
  readApiModule,
  sqsModule,
  dynamoDbModule,
  kinesisModule,
  lambdaModule,
  snsModule,
  eventsModule,
  eventBridgeV2Module,
  sesModule,
  cognitoModule,
  s3Module,
  firehoseModule,
  statesModule,
  schedulerModule,
  pipesModule,
  apiGatewayModule,
  elbv2Module,
  appSyncModule,
  cloudFormationModule,
  ec2Module,
  bedrockModule,
  s3VectorsModule,
  ...LEAF_SERVICE_MODULES,
  tracesModule,
  // Last: its custom resources' calls reach the other services once they have all started.
  customResourcesModule,
];

/** The resource types the local runtime's modules declare, as the template loader takes them. */
export const TEMPLATE_TYPES: TemplateTypes = ServiceRegistry.templateTypes(SERVICE_MODULES);

/** The resource types the local runtime runs or knowingly accepts. */
export const SUPPORTED_RESOURCE_TYPES: ReadonlySet<string> = TEMPLATE_TYPES.supported;

/** The resource types whose Ref and Fn::GetAtt the loader gives (custom resources' aside). */
export const KNOWN_RESOURCE_TYPES: readonly string[] = Object.keys(TEMPLATE_TYPES.specs);

/** The definitions the runtime's modules share, read from an app: what the template service holds for the others. */
export function serviceDefinitions(app: LoadedApp): ServiceDefinitions {
  return sharedDefinitions(SERVICE_MODULES, app);
}
