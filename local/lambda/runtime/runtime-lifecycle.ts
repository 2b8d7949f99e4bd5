/** When Lambda stopped a runtime: deprecated, then no function created with it. */
export interface EndedRuntime {
  /** `YYYY-MM-DD`: deprecated (no more security patches). */
  readonly deprecated: string;
  /** `YYYY-MM-DD`: since then CreateFunction (and a deployment creating a function) refuses it. */
  readonly creationBlocked: string;
  /** The runtime of the same language AWS points to instead. */
  readonly successor: string;
}

interface LambdaRuntime {
  readonly name: string;
  /** Set for a runtime Lambda no longer creates functions with. */
  readonly ended?: EndedRuntime;
}

/**
 * Lambda's runtimes, the one list of which it creates functions with and which it no longer
 * does, with the dates of Lambda's runtime deprecation table
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated, the
 * same dates as cfn-lint 1.51's LmbdRuntimeLifecycle.json). The ones it creates come first, in
 * the order Lambda lists them when it refuses another (its answer recorded on 2025-11-25,
 * test/conformance/aws-recorded/lambda/); the ended ones are those of Lambda's model
 * (local/endpoint/aws-models/lambda.json) it refused then as `no longer supported`.
 * CreateFunction and UpdateFunctionConfiguration refuse by it (control-plane/function-requests.ts), and the
 * start-up report names the template's functions on an ended one (runtimes.ts).
 */
const LAMBDA_RUNTIMES: readonly LambdaRuntime[] = [
  ...[
    'nodejs20.x',
    'python3.14',
    'provided.al2023',
    'python3.12',
    'python3.13',
    'nodejs24.x',
    'nodejs22.x',
    'java25',
    'python3.10',
    'python3.11',
    'java21',
    'ruby3.3',
    'ruby3.4',
    'ruby3.2',
    'python3.8',
    'python3.9',
    'java17',
    'nodejs16.x',
    'dotnet10',
    'dotnet8',
    'java11',
    'dotnet6',
    'nodejs18.x',
    'provided.al2',
    'java8.al2',
  ].map((name) => ({ name })),
  { name: 'nodejs', ended: { deprecated: '2016-08-30', creationBlocked: '2016-09-30', successor: 'nodejs24.x' } },
  { name: 'nodejs4.3', ended: { deprecated: '2020-03-05', creationBlocked: '2020-02-03', successor: 'nodejs24.x' } },
  { name: 'nodejs4.3-edge', ended: { deprecated: '2020-03-05', creationBlocked: '2019-03-31', successor: 'nodejs24.x' } },
  { name: 'nodejs6.10', ended: { deprecated: '2019-08-12', creationBlocked: '2019-07-12', successor: 'nodejs24.x' } },
  { name: 'nodejs8.10', ended: { deprecated: '2020-03-06', creationBlocked: '2020-02-04', successor: 'nodejs24.x' } },
  { name: 'nodejs10.x', ended: { deprecated: '2021-07-30', creationBlocked: '2021-07-30', successor: 'nodejs24.x' } },
  { name: 'nodejs12.x', ended: { deprecated: '2023-03-31', creationBlocked: '2023-03-31', successor: 'nodejs24.x' } },
  { name: 'nodejs14.x', ended: { deprecated: '2023-12-04', creationBlocked: '2024-01-09', successor: 'nodejs24.x' } },
  { name: 'python2.7', ended: { deprecated: '2021-07-15', creationBlocked: '2021-07-15', successor: 'python3.14' } },
  { name: 'python3.6', ended: { deprecated: '2022-07-18', creationBlocked: '2022-07-18', successor: 'python3.14' } },
  { name: 'python3.7', ended: { deprecated: '2023-12-04', creationBlocked: '2024-01-09', successor: 'python3.14' } },
  { name: 'java8', ended: { deprecated: '2024-01-08', creationBlocked: '2024-02-08', successor: 'java25' } },
  { name: 'dotnetcore1.0', ended: { deprecated: '2019-06-27', creationBlocked: '2019-06-30', successor: 'dotnet10' } },
  { name: 'dotnetcore2.0', ended: { deprecated: '2019-05-30', creationBlocked: '2019-04-30', successor: 'dotnet10' } },
  { name: 'dotnetcore2.1', ended: { deprecated: '2022-01-05', creationBlocked: '2022-01-05', successor: 'dotnet10' } },
  { name: 'dotnetcore3.1', ended: { deprecated: '2023-04-03', creationBlocked: '2023-04-03', successor: 'dotnet10' } },
  { name: 'go1.x', ended: { deprecated: '2024-01-08', creationBlocked: '2024-02-08', successor: 'provided.al2023' } },
  { name: 'ruby2.5', ended: { deprecated: '2021-07-30', creationBlocked: '2021-07-30', successor: 'ruby3.4' } },
  { name: 'ruby2.7', ended: { deprecated: '2023-12-07', creationBlocked: '2024-01-09', successor: 'ruby3.4' } },
  { name: 'provided', ended: { deprecated: '2024-01-08', creationBlocked: '2024-02-08', successor: 'provided.al2023' } },
];

/** The runtimes Lambda creates functions with, in the order it lists them. */
export const CREATABLE_RUNTIMES: readonly string[] = LAMBDA_RUNTIMES.filter((r) => r.ended === undefined).map((r) => r.name);

const ENDED = new Map(LAMBDA_RUNTIMES.flatMap((r) => (r.ended ? [[r.name, r.ended] as const] : [])));

/** When Lambda stopped the runtime, if it no longer creates functions with it. */
export function endedRuntime(runtime: string): EndedRuntime | undefined {
  return ENDED.get(runtime);
}
