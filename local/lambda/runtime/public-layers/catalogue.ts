import { POWERTOOLS_PYTHON_LAYER_RELEASES } from './powertools-python-releases.js';
import { POWERTOOLS_LAYER_RELEASES } from './powertools-releases.js';

/**
 * The public layers the local runtime knows (published by AWS or a well-known vendor), by
 * their ARN: publisher account (where one account publishes in every commercial region) or
 * name alone (where each region has its own publisher), and what each provides locally.
 */

/** A layer version ARN's parts: `arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>`. */
export interface LayerArn {
  readonly arn: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
  readonly version: number;
}

/** A release of Powertools for AWS Lambda (TypeScript) as its layer holds it. */
export interface PowertoolsRelease {
  readonly version: string;
  /** An ISO time after the release was published (the docs' ARN bump): npm resolves its dependencies as of then. */
  readonly publishedBefore: string;
  /** The layer version is newer than the table: the newest release known stands in. */
  readonly newerThanKnown: boolean;
}

/** What a known public layer does for a function locally. */
export type PublicLayer =
  | { readonly kind: 'powertools'; readonly title: string; readonly layer: LayerArn; readonly release: PowertoolsRelease }
  | {
      readonly kind: 'powertools-python';
      readonly title: string;
      readonly layer: LayerArn;
      readonly release: Omit<PowertoolsRelease, 'publishedBefore'>;
    }
  | { readonly kind: 'parameters-secrets'; readonly title: string; readonly layer: LayerArn }
  /** A layer whose absence changes nothing the function can see: `note` says what stands in. */
  | { readonly kind: 'stand-in'; readonly title: string; readonly layer: LayerArn; readonly note: string };

/** The packages the Powertools layers hold: the `@aws-lambda-powertools/*` utilities (and their dependencies). */
export const POWERTOOLS_PACKAGES = /^@aws-lambda-powertools\//;

/** The account that publishes Powertools for AWS Lambda's layers in every commercial region. */
const POWERTOOLS_ACCOUNT = '094274105915';
/** The account that publishes Powertools for AWS Lambda (Python)'s layers in every commercial region. */
const POWERTOOLS_PYTHON_ACCOUNT = '017000801446';

interface Entry {
  readonly title: string;
  readonly account?: RegExp;
  readonly name: RegExp;
  readonly describe: (layer: LayerArn, title: string) => PublicLayer;
}

const standIn =
  (note: string) =>
  (layer: LayerArn, title: string): PublicLayer => ({ kind: 'stand-in', title, layer, note });

/** A Powertools layer of one language, with the release its version holds. */
const powertools =
  <K extends 'powertools' | 'powertools-python'>(kind: K, release: (layer: LayerArn) => Extract<PublicLayer, { kind: K }>['release']) =>
  (layer: LayerArn, title: string): PublicLayer =>
    ({ kind, title, layer, release: release(layer) }) as PublicLayer;

const CATALOGUE: readonly Entry[] = [
  {
    title: 'Powertools for AWS Lambda (TypeScript)',
    account: new RegExp(`^${POWERTOOLS_ACCOUNT}$`),
    name: /^AWSLambdaPowertoolsTypeScript(V2)?$/,
    describe: powertools('powertools', (layer) => powertoolsRelease(layer.name.endsWith('V2') ? 'V2' : 'V1', layer.version)),
  },
  {
    title: 'Powertools for AWS Lambda (Python)',
    account: new RegExp(`^${POWERTOOLS_PYTHON_ACCOUNT}$`),
    name: /^AWSLambdaPowertoolsPython(V3-python3\d+-(x86_64|arm64)|V2(-Arm64)?)$/,
    describe: powertools('powertools-python', (layer) =>
      powertoolsPythonRelease(layer.name.startsWith('AWSLambdaPowertoolsPythonV3') ? 'V3' : 'V2', layer.version),
    ),
  },
  {
    title: 'Powertools for AWS Lambda (Python) V1',
    account: new RegExp(`^${POWERTOOLS_PYTHON_ACCOUNT}$`),
    name: /^AWSLambdaPowertoolsPython/,
    describe: standIn('its Python packages are not provided locally: a Python function that imports them fails to init'),
  },
  {
    // Published from a different account in each region (AWS's list per region).
    title: 'AWS Parameters and Secrets Lambda Extension',
    name: /^AWS-Parameters-and-Secrets-Lambda-Extension(-Arm64)?$/,
    describe: (layer, title) => ({ kind: 'parameters-secrets', title, layer }),
  },
  {
    title: 'AWS Distro for OpenTelemetry (ADOT)',
    name: /^aws-otel-nodejs-|^AWSOpenTelemetryDistroJs/,
    describe: standIn(
      "the local runtime's own traces stand in (the start-up report's traces); AWS_LAMBDA_EXEC_WRAPPER=/opt/otel-handler is not run, and no collector exports",
    ),
  },
  {
    title: 'OpenTelemetry Lambda',
    name: /^opentelemetry-(nodejs|collector)-/,
    describe: standIn(
      "the local runtime's own traces stand in (the start-up report's traces); AWS_LAMBDA_EXEC_WRAPPER=/opt/otel-handler is not run, and no collector exports",
    ),
  },
  {
    title: 'Lambda Insights',
    name: /^LambdaInsightsExtension(-Arm64)?$/,
    describe: standIn('its performance metrics are not collected locally; invocations run and log as without it'),
  },
];

/** The parts of a layer version ARN; undefined for anything else. */
export function parseLayerArn(arn: string): LayerArn | undefined {
  const m = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([A-Za-z0-9_-]+):(\d+)$/.exec(arn);
  if (!m) return undefined;
  return { arn, region: m[1] as string, account: m[2] as string, name: m[3] as string, version: Number(m[4]) };
}

/** The known public layer an ARN names; undefined for a layer nobody here can provide. */
export function publicLayer(arn: string): PublicLayer | undefined {
  const layer = parseLayerArn(arn);
  if (layer === undefined) return undefined;
  const entry = CATALOGUE.find((e) => e.name.test(layer.name) && (e.account === undefined || e.account.test(layer.account)));
  return entry?.describe(layer, entry.title);
}

/** The release a Powertools layer version holds: the table's, or for a version newer than the table, the newest release known. */
export function powertoolsRelease(major: 'V1' | 'V2', layerVersion: number): PowertoolsRelease {
  const { row, newerThanKnown } = releaseRow(POWERTOOLS_LAYER_RELEASES[major], layerVersion);
  return { version: row[1], publishedBefore: row[2], newerThanKnown };
}

/** The release a Powertools for AWS Lambda (Python) layer version holds: the table's, or for a version newer than the table, the newest release known. */
export function powertoolsPythonRelease(major: 'V2' | 'V3', layerVersion: number): Omit<PowertoolsRelease, 'publishedBefore'> {
  const { row, newerThanKnown } = releaseRow(POWERTOOLS_PYTHON_LAYER_RELEASES[major], layerVersion);
  return { version: row[1], newerThanKnown };
}

/** The row of a layer's release table (`[layer version, release, ...]`) a layer version holds, and whether it is newer than the table. */
function releaseRow<Row extends readonly [number, string, ...string[]]>(rows: readonly Row[], layerVersion: number) {
  // Each row is the first layer version of its release: a version between rows holds the earlier row's release.
  const row = [...rows].reverse().find(([version]) => version <= layerVersion) ?? (rows[0] as Row);
  return { row, newerThanKnown: layerVersion > (rows.at(-1) as Row)[0] };
}
