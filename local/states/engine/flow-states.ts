/** The states that decide or shape the flow without calling out: Pass, Succeed, Fail, Choice and Wait. */
import type { Dynamic } from './definition.js';
import { Errors, StatesError } from './errors.js';
import type { Outcome, StateRun } from './execution-types.js';
import { stringify, typeName } from './json.js';
import type { JsonataScope, JsonataTemplate } from './jsonata.js';
import type { StateHost } from './state-host.js';
import { instantToMillis, parseTimestamp } from './timestamp.js';

const stringOrJson = (v: unknown) => (typeof v === 'string' ? v : stringify(v));

export async function passState(x: StateHost, run: StateRun): Promise<unknown> {
  const { state } = run;
  if (state.ql === 'JSONata') return x.finish(run, run.input, run.input);
  const effective = x.effectiveInput(run);
  let result: unknown = effective;
  if (state.parameters) result = state.parameters(x.scope(effective, x.ctx(run), run.frame));
  if (state.hasResult) result = state.result;
  else x.options.inspect?.(state.name, 'afterParameters', result);
  return x.finish(run, result, effective, false);
}

export async function succeedState(x: StateHost, run: StateRun): Promise<Outcome> {
  if (run.state.ql === 'JSONata') {
    const output = run.state.output ? await run.state.output(x.jsonataScope(run.frame, x.statesVar(run))) : run.input;
    return { output };
  }
  return { output: x.outputPath(run, x.effectiveInput(run)) };
}

export async function failState(x: StateHost, run: StateRun): Promise<never> {
  const { state } = run;
  let error: string | undefined;
  let cause: string | undefined;
  if (state.ql === 'JSONata') {
    const scope = () => x.jsonataScope(run.frame, x.statesVar(run));
    error = await failText(state.error, scope, 'Error');
    cause = await failText(state.cause, scope, 'Cause');
  } else {
    const scope = x.scope(run.input, x.ctx(run), run.frame);
    error = state.error?.value ?? (state.error?.path ? stringOrJson(state.error.path.resolve(scope)) : undefined);
    cause = state.cause?.value ?? (state.cause?.path ? stringOrJson(state.cause.path.resolve(scope)) : undefined);
  }
  throw new StatesError(error as string, cause, undefined, false);
}

async function failText(field: Dynamic<string> | undefined, scope: () => JsonataScope, name: string): Promise<string | undefined> {
  if (!field) return undefined;
  if (field.value !== undefined) return field.value;
  if (!field.template) return undefined;
  const v = await field.template(scope());
  if (typeof v !== 'string')
    throw new StatesError(Errors.QueryEvaluationError, `The ${name} field must evaluate to a string but was ${typeName(v)}.`, name);
  return v;
}

export async function choiceState(x: StateHost, run: StateRun): Promise<Outcome> {
  const { state, frame } = run;
  if (state.ql === 'JSONata') {
    const states = x.statesVar(run);
    const jscope = x.jsonataScope(frame, states);
    for (const branch of state.choices ?? []) {
      const ok = await (branch.condition as JsonataTemplate)(jscope);
      if (typeof ok !== 'boolean')
        throw new StatesError(
          Errors.QueryEvaluationError,
          `The Condition field must evaluate to a boolean but was ${typeName(ok)}.`,
          'Condition',
        );
      if (ok) {
        run.assigned = await x.evalAssign(branch.assign, run, run.input, states);
        const output = branch.output ? await branch.output(jscope) : run.input;
        return { output, next: branch.next };
      }
    }
    if (state.default === undefined) throw new StatesError(Errors.NoChoiceMatched, 'No Matches!', undefined, false);
    run.assigned = await x.evalAssign(state.assign, run, run.input, states);
    const output = state.output ? await state.output(jscope) : run.input;
    return { output, next: state.default };
  }
  const effective = x.effectiveInput(run);
  const scope = x.scope(effective, x.ctx(run), frame);
  for (const branch of state.choices ?? []) {
    if (branch.rule?.(scope)) {
      run.assigned = await x.evalAssign(branch.assign, run, effective, {});
      return { output: x.outputPath(run, effective), next: branch.next };
    }
  }
  if (state.default === undefined) throw new StatesError(Errors.NoChoiceMatched, 'No Matches!', undefined, false);
  run.assigned = await x.evalAssign(state.assign, run, effective, {});
  return { output: x.outputPath(run, effective), next: state.default };
}

export async function waitState(x: StateHost, run: StateRun): Promise<Outcome> {
  const { state, frame } = run;
  const jsonata = state.ql === 'JSONata';
  const effective = jsonata ? run.input : x.effectiveInput(run);
  const scope = x.scope(effective, x.ctx(run), frame);
  let until: number;
  if (state.seconds) {
    let seconds: unknown;
    if (state.seconds.value !== undefined) seconds = state.seconds.value;
    else if (state.seconds.template) {
      seconds = await state.seconds.template(x.jsonataScope(frame, x.statesVar(run)));
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)
        throw new StatesError(
          Errors.QueryEvaluationError,
          `The Seconds field must evaluate to a non-negative integer but was ${stringify(seconds)}.`,
          'Seconds',
        );
    } else {
      const path = state.seconds.path as NonNullable<typeof state.seconds.path>;
      seconds = path.resolve(scope);
      if (seconds === undefined)
        throw new StatesError(Errors.Runtime, `The SecondsPath parameter does not reference an input value: ${path.source}`);
      if (typeof seconds !== 'number' || !Number.isInteger(seconds))
        throw new StatesError(
          Errors.Runtime,
          `The SecondsPath parameter cannot be parsed as a long value: ${path.source} == ${stringOrJson(seconds)}`,
        );
      if (seconds < 0)
        throw new StatesError(Errors.Runtime, `The SecondsPath parameter references a negative value: ${path.source} == ${seconds}`);
    }
    until = run.enteredTime + (seconds as number) * 1000;
  } else {
    const ts = state.timestamp as Dynamic<string>;
    let text: unknown;
    if (ts.value !== undefined) text = ts.value;
    else if (ts.template) {
      text = await ts.template(x.jsonataScope(frame, x.statesVar(run)));
      const parsed = typeof text === 'string' ? parseTimestamp(text) : undefined;
      if (!parsed)
        throw new StatesError(
          Errors.QueryEvaluationError,
          `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${stringOrJson(text)}`,
          'Timestamp',
        );
    } else {
      const path = ts.path as NonNullable<typeof ts.path>;
      text = path.resolve(scope);
      if (text === undefined)
        throw new StatesError(Errors.Runtime, `The TimestampPath parameter does not reference an input value: ${path.source}`);
      if (typeof text !== 'string' || !parseTimestamp(text))
        throw new StatesError(
          Errors.Runtime,
          `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${path.source} == ${stringOrJson(text)}`,
        );
    }
    until = instantToMillis(parseTimestamp(text as string) as NonNullable<ReturnType<typeof parseTimestamp>>);
  }
  const remaining = until - x.clock.now();
  if (remaining > 0) await x.sleepFn(remaining, frame.signal);
  if (jsonata) {
    const states = x.statesVar(run);
    run.assigned = await x.evalAssign(state.assign, run, run.input, states);
    const output = state.output ? await state.output(x.jsonataScope(frame, states)) : run.input;
    return { output, next: state.next };
  }
  run.assigned = await x.evalAssign(state.assign, run, effective, {});
  return { output: x.outputPath(run, effective), next: state.next };
}
