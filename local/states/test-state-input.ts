/** A TestState request as the local Step Functions takes it (the API's fields; test-state.ts runs it, test-state-mock.ts checks its mock). */
export interface TestStateInput {
  definition?: string;
  roleArn?: string;
  input?: string;
  inspectionLevel?: 'INFO' | 'DEBUG' | 'TRACE';
  revealSecrets?: boolean;
  /** JSON object of workflow variables the state sees. */
  variables?: string;
  /** With a whole state machine as the definition: the state to test. */
  stateName?: string;
  /** A Task's result (JSON text) or failure, instead of calling the service. */
  mock?: { result?: string; errorOutput?: { error?: string; cause?: string }; fieldValidationMode?: string };
  context?: string;
  /** Where the tested state stands (TestState since November 2025): `retrierRetryCount`, the retries its Retry already made. */
  stateConfiguration?: {
    retrierRetryCount?: number;
    errorCausedByState?: string;
    mapIterationFailureCount?: number;
    mapItemReaderData?: string;
  };
}
