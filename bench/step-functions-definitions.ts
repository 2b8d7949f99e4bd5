/** The definitions bench/step-functions.ts runs on both engines, and bench/step-functions-standard.ts on STANDARD alone. */
export const DEFINITIONS: Record<string, object> = {
  'pass chain (10 states, Parameters/ResultPath)': {
    StartAt: 'S0',
    States: Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `S${i}`,
        {
          Type: 'Pass',
          Parameters: { 'step.$': '$.step', 'ticket.$': '$.ticket', n: i },
          ResultPath: `$.r${i}`,
          ...(i === 9 ? { End: true } : { Next: `S${i + 1}` }),
        },
      ]),
    ),
  },
  'choice + map over 10 items': {
    StartAt: 'Route',
    States: {
      Route: { Type: 'Choice', Choices: [{ Variable: '$.confidence', NumericGreaterThanEquals: 0.7, Next: 'Fan' }], Default: 'Fan' },
      Fan: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: { StartAt: 'Each', States: { Each: { Type: 'Pass', Parameters: { 'value.$': '$' }, End: true } } },
        ResultPath: '$.results',
        End: true,
      },
    },
  },
  'task with retry (local handler)': {
    StartAt: 'Classify',
    States: {
      Classify: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:classify',
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 2 }],
        ResultPath: '$.classification',
        End: true,
      },
    },
  },
};

/** The input every execution of them gets. */
export const INPUT = {
  step: 1,
  ticket: { id: 'T-1', subject: 'Charged twice' },
  confidence: 0.8,
  items: Array.from({ length: 10 }, (_, i) => ({ i })),
};
