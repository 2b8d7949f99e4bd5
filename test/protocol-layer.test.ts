import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * One protocol layer: every AWS API the runtime serves is spoken by the codecs of
 * local/endpoint/ (the model-driven query, REST-JSON, REST-XML and RPC v2 CBOR codecs in
 * model-protocols/, and the endpoint's AWS JSON 1.0/1.1, which chooses an operation by its
 * X-Amz-Target), from the service's model and operations. A service folder that routes HTTP
 * requests itself (a `handles` of its own: by method, path, host or action) is hand-written
 * protocol code, allowed only where there is no AWS model to serve it from, and named below.
 */

const repo = path.resolve(import.meta.dirname, '..');

/** The files outside local/endpoint/ that route requests by hand, each with why no model-driven codec serves them. */
const HAND_ROUTED: Readonly<Record<string, string>> = {
  'local/read-api/module.ts': "the runtime's read API (docs/read-api.md): its own, for what AWS has no API for",
  'local/read-api/router.ts': "the runtime's read API's router (docs/read-api.md)",
  'local/console-site/console-site.ts': "the console's pages and scripts",
  'local/traces/otlp-receiver.ts': "OpenTelemetry's OTLP/HTTP trace receiver (/v1/traces): OpenTelemetry's protocol, not AWS's",
  'local/cognito-idp/module.ts': "a user pool's OpenID Connect documents (/.well-known/): the issuer's, not Cognito's API",
  'local/cognito-idp/oauth2-token.ts':
    "a user pool domain's OAuth 2.0 token endpoint: a form-encoded protocol of the domain, not Cognito's API",
  'local/ses/verification-link.ts': "the link in SES's verification email, which a person opens: not SES's API",
  'local/custom-resources/lambda-backed.ts':
    "a custom resource request's ResponseURL (/_aws/cloudformation-response/), where its function PUTs its answer: a presigned S3 URL on AWS, not CloudFormation's API",
  'local/lambda/urls/function-urls.ts': "function URLs: the app's own HTTP front door, chosen by host, whose paths are the function's",
  'local/elbv2/load-balancers.ts':
    "Application Load Balancers' listeners (/_aws/elb/<name>/<port>/): the app's own HTTP front door, whose paths are the function's; no ELB control plane is served",
  'local/apigateway/http-api-service.ts': "API Gateway's invoke URLs: the app's own routes (routing.ts), not API Gateway's API",
  'local/appsync/service.ts':
    "AppSync's GraphQL endpoints (/graphql and /graphql/realtime, or by host): GraphQL over HTTP and AppSync's WebSocket protocol, the app's own API; AppSync's control plane is served from its model (control-plane.ts)",
  'local/bedrock/openai-compatible-api.ts':
    "Bedrock's OpenAI-compatible Chat Completions and Responses (/openai/v1): OpenAI's shapes, which botocore's bedrock-runtime model does not describe",
  'local/s3/rest-protocol.ts':
    "S3's requests are chosen by their signature's scope or their host (a virtual-hosted bucket is in the Host), which no model " +
    "says, and addressed path-style before the model-driven REST-XML codec (rest-xml-codec.ts) routes each operation from S3's model",
};

/** The modules that hand a service's requests on unparsed (`passthrough`), each with why. */
const PASSED_THROUGH: Readonly<Record<string, string>> = {
  'local/dynamodb/module.ts':
    "DynamoDB's engine (its thread) speaks DynamoDB's JSON protocol itself: the endpoint forwards the request as it came",
};

function* codeFiles(folder: string): Generator<string> {
  for (const entry of readdirSync(path.join(repo, folder), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      yield path.relative(repo, path.join(entry.parentPath, entry.name));
    }
  }
}

/** The members of classes and object literals named `name` in `source` (a method, a property, an accessor). */
function membersNamed(file: string, source: string, name: string): number {
  const root = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  let count = 0;
  const visit = (node: ts.Node) => {
    const member =
      ts.isMethodDeclaration(node) ||
      ts.isPropertyAssignment(node) ||
      ts.isShorthandPropertyAssignment(node) ||
      ts.isPropertyDeclaration(node);
    if (member && node.name.getText() === name) count += 1;
    ts.forEachChild(node, visit);
  };
  visit(root);
  return count;
}

/** Whether a file routes requests by hand: a `handles` of its own, as a REST or query protocol, the read API or an HTTP front door has. */
const routesByHand = (file: string, source: string) => membersNamed(file, source, 'handles') > 0;

/** The runtime's files outside the endpoint's own protocol layer. */
const serviceFiles = [...codeFiles('local')].filter((file) => !file.startsWith('local/endpoint/'));

describe('one protocol layer (local/endpoint/)', () => {
  it('has no file outside the endpoint route requests by hand but the listed ones, each with why no model serves it', () => {
    expect(serviceFiles.length).toBeGreaterThan(500);
    const routing = serviceFiles.filter((file) => routesByHand(file, readFileSync(path.join(repo, file), 'utf8')));
    expect(routing.sort()).toEqual(Object.keys(HAND_ROUTED).sort());
  });

  it("has no service's module hand requests on unparsed but the listed ones, each with why", () => {
    const passing = serviceFiles.filter(
      (file) => file.endsWith('/module.ts') && membersNamed(file, readFileSync(path.join(repo, file), 'utf8'), 'passthrough') > 0,
    );
    expect(passing.sort()).toEqual(Object.keys(PASSED_THROUGH).sort());
  });

  it('fails if a file routes requests itself, as a class or an object (the check itself)', () => {
    const file = 'local/probe/probe.ts';
    expect(routesByHand(file, 'class Api { handles(request) { return /^\\/2015-03-31\\//.test(request.path); } }')).toBe(true);
    expect(routesByHand(file, "const api = { handles: (request) => request.path === '/x', handle };")).toBe(true);
    expect(routesByHand(file, 'const handles = () => true;\nconst api = { handles, handle };')).toBe(true);
    expect(routesByHand(file, "mounts: { rest: [new ModelRestJsonProtocol(loadModel('scheduler'), operations)] }")).toBe(false);
    expect(routesByHand(file, 'return this.#protocol.handles(request);')).toBe(false);
  });
});
