/**
 * Pipes' input templates (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-input-transformation.html):
 * `<$.path>` placeholders filled from the event as EventBridge rule templates are (a value
 * outside a JSON string takes its JSON, inside one its text), and the reserved variables
 * `<aws.pipes.pipe-arn>`, `<aws.pipes.pipe-name>`, `<aws.pipes.source-arn>`,
 * `<aws.pipes.enrichment-arn>`, `<aws.pipes.target-arn>`, `<aws.pipes.event.ingestion-time>`,
 * `<aws.pipes.event>` and `<aws.pipes.event.json>`. Filled through the rule targets'
 * transformer (local/events/input-transform.ts), so the two never differ in how a value is written.
 */
import { renderTargetInput } from '../events/input-transform.js';

export { dynamicParameter } from '../events/input-transform.js';

export interface PipeVariables {
  readonly 'pipe-arn': string;
  readonly 'pipe-name': string;
  readonly 'source-arn': string;
  readonly 'enrichment-arn'?: string;
  readonly 'target-arn': string;
  readonly 'event.ingestion-time': string;
}

/** The template filled from one event (a record, or an element of the enrichment's answer). */
export function renderPipeTemplate(template: string, event: unknown, variables: PipeVariables): string {
  const paths: Record<string, string> = {};
  let count = 0;
  const rewritten = template.replace(/<([^<>]*)>/g, (whole, name: string) => {
    const trimmed = name.trim();
    let path: string | undefined;
    if (trimmed.startsWith('$')) path = `$.event${trimmed.slice(1)}`;
    else if (trimmed === 'aws.pipes.event.json' || trimmed === 'aws.pipes.event') path = '$.event';
    else if (trimmed.startsWith('aws.pipes.')) path = `$.variables.${trimmed.slice('aws.pipes.'.length)}`;
    if (path === undefined) return whole;
    const key = `v${count++}`;
    paths[key] = path;
    return `<${key}>`;
  });
  return renderTargetInput({ event, variables }, { InputTransformer: { InputPathsMap: paths, InputTemplate: rewritten } });
}
