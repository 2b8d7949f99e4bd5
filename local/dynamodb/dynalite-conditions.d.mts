/** Makes this process's dynalite answer `ReturnValuesOnConditionCheckFailure`; once per process. */
export function returnValuesOnConditionCheckFailure(): void;
