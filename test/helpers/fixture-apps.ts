import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';

/**
 * Synthesizes into `outdir` a small app of the real constructs for the runtime's tests, as the
 * CLI does (asset metadata on): `build` declares it in the stack `stackName` beside its bus
 * `busName` (the construct `busId`).
 */
export function synthFixtureApp(
  outdir: string,
  names: { stackName: string; busName: string; busId?: string },
  build: (stack: Stack, bus: events.EventBus) => void,
): void {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, names.stackName, { env: { account: '000000000000', region: 'us-east-1' } });
  build(stack, new events.EventBus(stack, names.busId ?? 'Bus', { eventBusName: names.busName }));
  app.synth();
}

/** An on-demand table `tableName` keyed on the string `partitionKey`, destroyed with the stack. */
export function fixtureTable(stack: Stack, id: string, tableName: string, partitionKey: string): dynamodb.Table {
  return new dynamodb.Table(stack, id, {
    tableName,
    partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
