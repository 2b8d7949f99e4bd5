export { ConverseModel, type ConverseModelOptions, type ModelAnswer, type ModelRequest, type ToolLoopResult } from './converse.js';
export {
  ModelOutputInvalidError,
  ModelRequestInvalidError,
  ModelStepLimitError,
  ModelThrottledError,
  ModelUnavailableError,
  modelErrorOf,
} from './errors.js';
export { defineTool, type ModelTool } from './tools.js';
export { addUsage, type ModelUsage, NO_USAGE, usageOf } from './usage.js';
