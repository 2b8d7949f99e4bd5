#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { SwitchyardChecks } from '../config/checks.js';
import { type ResolvedStage, resolveStage, StageConfigError, stackPropsOf } from '../config/stages.js';
import { SwitchyardStack } from '../lib/switchyard-stack.js';

const app = new App();

// The stage's settings (config/stages.ts), picked with -c stage=<name> (default: local) and
// validated before anything is built; -c <setting>=<value> overrides one for this synth
// (short SLAs to watch an escalation's reminder, reassignment and default locally:
// -c escalationSlaSeconds=20). The demo flows' failure switches are on in local and dev.
let stage: ResolvedStage;
try {
  stage = resolveStage((name) => app.node.tryGetContext(name));
} catch (error) {
  if (!(error instanceof StageConfigError)) throw error;
  // The settings at fault, without a stack trace into config/stages.ts.
  console.error(error.message);
  process.exit(1);
}
new SwitchyardStack(app, stage.stackName, stackPropsOf(stage));

// Every synth runs the AWS Solutions checks; an unacknowledged error fails it.
Validations.of(app).addPlugins(new SwitchyardChecks(app));
