/**
 * The Custom Event Bus client the kit publishes with, exported from `switchyard-cdk/kit`. It is
 * the one client the CLI, its MCP tools and the testing API call too, so it lives in contracts/,
 * the folder both packages are built from.
 */
export {
  EventBridgeV2Client,
  type EventBridgeV2ClientOptions,
  EventBridgeV2ConfigError,
  type EventBridgeV2Credentials,
  EventBridgeV2Error,
  type PutEventsV2Entry,
  type PutEventsV2Input,
  type PutEventsV2Output,
  type PutEventsV2ResultEntry,
} from '../../contracts/eventbridgev2-client.js';
