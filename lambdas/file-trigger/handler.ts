import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ENV, FileLanded } from '../../contracts/index.js';
import { requireEnv } from '../kit/config.js';
import { EventPublisher, emission } from '../kit/emit.js';
import { fileLandedFrom } from './file-landed.js';

const trigger = requireEnv(ENV.fileTriggerName);
const publisher = new EventPublisher({ client: new EventBridgeClient({}), eventBusName: requireEnv(ENV.eventBusName) });

/**
 * A FileTrigger's rule target: S3's `Object Created` event (from the default bus) in, one
 * FileLanded event on the hub out. EventBridge invokes it asynchronously and retries a
 * failed invocation; a retry publishes the same `fileId`, which every consumer dedupes on.
 */
export const handler = async (event: unknown): Promise<{ fileId: string }> => {
  const detail = fileLandedFrom(event, trigger);
  await publisher.emit([emission(FileLanded, detail, [`arn:aws:s3:::${detail.bucket}`])]);
  return { fileId: detail.fileId };
};
