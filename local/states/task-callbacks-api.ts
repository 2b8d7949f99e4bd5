import { boundedTaskOutput, taskOutput, taskToken } from './api-input.js';
import type { TaskCallbacks } from './task-callbacks.js';

/** SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: the API side of `.waitForTaskToken`. */
export class TaskCallbacksApi {
  constructor(private readonly callbacks: TaskCallbacks) {}

  async SendTaskSuccess(input: { taskToken?: string; output?: string }) {
    const token = taskToken(input.taskToken);
    // An output past its bounds is refused as the request is read; then AWS reads the token: a made-up one is InvalidToken whatever the output.
    const bounded = boundedTaskOutput(input.output);
    this.callbacks.checkReadable(token);
    const output = taskOutput(bounded);
    this.callbacks.succeed(token, output);
    return {};
  }

  async SendTaskFailure(input: { taskToken?: string; error?: string; cause?: string }) {
    this.callbacks.fail(taskToken(input.taskToken), input.error, input.cause);
    return {};
  }

  async SendTaskHeartbeat(input: { taskToken?: string }) {
    this.callbacks.heartbeat(taskToken(input.taskToken));
    return {};
  }
}
