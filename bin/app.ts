#!/usr/bin/env node
import { App, Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { TicketQueue } from '../domain/index.js';
import { SwitchyardStack } from '../lib/switchyard-stack.js';

const app = new App();

/** Reads an optional context value (`cdk deploy -c name=value` or cdk.json). */
function context(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined || value === '' ? undefined : String(value);
}

const threshold = context('confidenceThreshold');
// Short SLAs to watch an escalation's reminder, reassignment and default locally: -c escalationSlaSeconds=20
const escalationSla = context('escalationSlaSeconds');
new SwitchyardStack(app, 'Switchyard', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'Switchyard: event-driven AI workflows (EventBridge, SQS, Lambda, Step Functions, DynamoDB)',
  allowedAccounts: context('allowedAccounts')
    ?.split(',')
    .map((a) => a.trim()),
  bedrockModelId: context('bedrockModelId'),
  confidenceThreshold: threshold === undefined ? undefined : Number(threshold),
  slaDefaultQueue: context('slaDefaultQueue') as TicketQueue | undefined,
  // The demo flows' failure switches; cdk.json turns them on: deploy with -c simulatedFailures=false.
  simulatedFailures: context('simulatedFailures') === 'true',
  escalationSla: escalationSla === undefined ? undefined : Duration.seconds(Number(escalationSla)),
  escalationLeads: context('escalationLeads')
    ?.split(',')
    .map((l) => l.trim()),
});

// Every synth runs the AWS Solutions checks; an unacknowledged error fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
