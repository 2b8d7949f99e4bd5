#!/usr/bin/env node
import { App, Duration, Validations } from 'aws-cdk-lib';
import { SwitchyardChecks } from '../config/checks.js';
import { resolveStage } from '../config/stages.js';
import { SwitchyardStack } from '../lib/switchyard-stack.js';

const app = new App();

// The stage's settings (config/stages.ts), picked with -c stage=<name> (default: local) and
// validated before anything is built; -c <setting>=<value> overrides one for this synth
// (short SLAs to watch an escalation's reminder, reassignment and default locally:
// -c escalationSlaSeconds=20).
const stage = resolveStage((name) => app.node.tryGetContext(name));
new SwitchyardStack(app, stage.stackName, {
  env: stage.env,
  description: 'Switchyard: event-driven AI workflows (EventBridge, SQS, Lambda, Step Functions, DynamoDB)',
  allowedAccounts: stage.allowedAccounts,
  bedrockModelId: stage.bedrockModelId,
  confidenceThreshold: stage.confidenceThreshold,
  slaDefaultQueue: stage.slaDefaultQueue,
  // The demo flows' failure switches: on in the local and dev stages.
  simulatedFailures: stage.simulatedFailures,
  escalationSla: Duration.seconds(stage.escalationSlaSeconds),
  escalationLeads: stage.escalationLeads,
});

// Every synth runs the AWS Solutions checks; an unacknowledged error fails it.
Validations.of(app).addPlugins(new SwitchyardChecks(app));
