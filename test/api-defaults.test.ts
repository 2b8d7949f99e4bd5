import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type EntryPointDefaults, publicDefaults } from '../scripts/api-defaults.mjs';

/**
 * The public surface changes through deprecation (docs/public-surface.md), and a changed
 * default is a change: each optional prop and option an app passes to an entry point
 * documents its `@default`, and api-report/<report>.defaults.md lists them, so a changed
 * default is a changed line in review (API Extractor's report leaves doc comments out).
 * Run by `npm run api:check` (SWITCHYARD_API_DEFAULTS), not npm test: the compiler reads
 * aws-cdk-lib's types whole, 20-45 s of a core.
 */

/**
 * The props that had no `@default` when the rule came (issue 66), to be given one: a new
 * optional prop without one fails, and so does a name here that has one now or is gone, so
 * the list only shrinks.
 */
const KNOWN_WITHOUT_DEFAULT = new Set([
  'AddTokens.atMost',
  'AddTokens.count',
  'AddTokens.countAtMost',
  'AddTokens.set',
  'AgentCallBudget.maxModelCalls',
  'AgentCallBudget.maxTokens',
  'AgentCallBudget.modelTokens',
  'AgentCallBudget.tenantTokens',
  'AgentFanOutNode.items.path',
  'AgentGraphProps.idempotencyStore',
  'AgentGraphProps.retry',
  'AgentGraphProps.trigger',
  'AgentModelCalls.environment',
  'AgentTokenLimits.perDay',
  'AnyEventContract.idempotencyFields',
  'ContractDefinition.idempotencyFields',
  'ConverseModel.runTools(request).maxSteps',
  'Emission.resources',
  'EmitCause.envelope',
  "Envelope.'replay-name'",
  'EscalationCondition.errors',
  'EscalationCondition.field',
  'EscalationCondition.label',
  'EscalationReview.summary.label',
  'EventContract.idempotencyFields',
  'FailureQueues.backoff',
  'FlowControlSettings.circuitBreaker',
  'FlowControlSettings.concurrency',
  'FlowControlSettings.debounce',
  'FlowControlSettings.pauseOnThrottle',
  'FlowControlSettings.priority',
  'FlowControlSettings.rateLimit',
  'ModelCallBudgetDeps.flowControlTable',
  'ModelCallReservation.windows',
  'ModelRequest.maxTokens',
  'ModelRequest.messages',
  'ModelRequest.prompt',
  'ModelRequest.stopSequences',
  'ModelRequest.system',
  'ModelRequest.tools',
  'ModelTool.run',
  'MonitoringThresholds.functionErrors',
  'MonitoringThresholds.functionThrottles',
  'SagaProps.idempotencyStore',
  'SagaProps.retry',
  'SagaProps.trigger',
  'SchemaErrorLike.message',
  'SizedPutEventsEntry.Detail',
  'SizedPutEventsEntry.DetailType',
  'SizedPutEventsEntry.Resources',
  'SizedPutEventsEntry.Source',
  'SizedPutEventsEntry.Time',
  'SqsConsumerOptions.idempotency.expiresAfterSeconds',
  'StagedPipelineProps.projector.alsoFolds',
  'TokenLimits.perDay',
  'TokenReservationEntry.hour',
  'VersionedWrite.now',
  'WebhookHandlerOptions.idempotency.expiresAfterSeconds',
  'WebhookHandlerOptions.logger',
  'fileIdOf(object).versionId',
]);

let entryPoints: EntryPointDefaults[] = [];
beforeAll(() => {
  // The TypeScript compiler over the four entry points and what they import: seconds.
  entryPoints = publicDefaults();
}, 300_000);

describe('the defaults of the public surface', () => {
  it('are listed in api-report/<report>.defaults.md as the sources give them', () => {
    expect(entryPoints.map((e) => e.entry)).toEqual(['contracts', 'kit', 'constructs', 'testing']);
    for (const { entry, report, text } of entryPoints) {
      const relative = path.relative(path.resolve(import.meta.dirname, '..'), report);
      expect(existsSync(report), `${relative} is missing: run npm run api:update`).toBe(true);
      expect(
        readFileSync(report, 'utf8'),
        `${entry}'s defaults differ from ${relative}: a changed default goes through deprecation; then run npm run api:update`,
      ).toBe(text);
    }
  });

  it('fails if an optional prop or option an app passes has no @default', () => {
    const missing = entryPoints.flatMap((e) => e.props.filter((p) => p.defaultValue === undefined && !KNOWN_WITHOUT_DEFAULT.has(p.name)));
    expect(
      [...new Set(missing.map((p) => `${p.where}: ${p.name}`))],
      'give each an @default in its doc comment (what happens when it is left out, `@default - <words>` when it is no value)',
    ).toEqual([]);
  });

  it('fails if a prop listed as known without a @default has one now, or is gone', () => {
    const stillMissing = new Set(entryPoints.flatMap((e) => e.props.filter((p) => p.defaultValue === undefined).map((p) => p.name)));
    expect(
      [...KNOWN_WITHOUT_DEFAULT].filter((name) => !stillMissing.has(name)),
      'remove these from KNOWN_WITHOUT_DEFAULT',
    ).toEqual([]);
  });

  it("lists expectEachEffectOnce's count with its default, timesApplied", () => {
    const testing = entryPoints.find((e) => e.entry === 'testing');
    expect(testing?.text).toContain("- `EffectLedger.count`: 'timesApplied'");
  });
});
