import { readFileSync } from 'node:fs';
import { READ_API_PATHS } from '../../clients/read-api-contract.js';
import { idInPath, only, ReadApiFailure, type ReadRoute, type ServiceReads } from '../read-api/routes.js';
import type { RuntimeSettings, ServiceLookup } from '../service-registry/service-module.js';
import { durableSettings } from './durable/durable-executions.js';
import { durableReads } from './durable/read-routes.js';
import { flowControlRoute, localFlowControlSources } from './flow-control-report.js';
import type { LambdaService } from './lambda-service.js';

/**
 * What Lambda adds to the read API: its durable executions (`/durable-executions`, and under an
 * invocation in a lineage the executions it started) and the flow control of the app's
 * consumers (`/flow-control`: the settings in their environment, their tables' items, what
 * their logs say they held back, and the fair-queue metrics of the app's queues). The app's
 * functions and queues are read when a request asks: a reload replaces them.
 */
export function lambdaReads(settings: RuntimeSettings, services: ServiceLookup, lambda: LambdaService): ServiceReads {
  const template = services.get('template');
  const flowControl = localFlowControlSources({
    dynamodb: () => services.get('dynamodb').engine,
    functions: () => template.definitions.functions,
    queues: () => template.definitions.queues,
    fairTargets: () =>
      template.definitions.rules.flatMap((rule) =>
        rule.targets.filter((t) => t.messageGroupId !== undefined && !t.arn.endsWith('.fifo')).map((t) => t.arn),
      ),
    logs: () => services.get('logs'),
    sqs: () => services.get('sqs'),
    now: () => settings.clock.now(),
  });
  const durable = durableReads({
    executions: () => lambda.durable,
    functionNames: () => template.definitions.functions.filter((fn) => durableSettings(fn) !== undefined).map((fn) => fn.name),
  });
  return {
    routes: [...durable.routes, flowControlRoute(flowControl), functionCodeRoute(lambda)],
    lineage: durable.lineage,
  };
}

/** `/function-code/<digest>.zip`: the zip of a package a function the API created runs. */
function functionCodeRoute(lambda: LambdaService): ReadRoute {
  const prefix = READ_API_PATHS.functionCode;
  return {
    path: prefix,
    matches: (path) => path.startsWith(prefix),
    handle: ({ path, query, res }) => {
      only(query, []);
      const digest = /^([0-9a-f]{64})\.zip$/.exec(idInPath(path, prefix))?.[1];
      const file = digest === undefined ? undefined : lambda.packageZip(digest);
      if (file === undefined) throw new ReadApiFailure(404, 'NotFound', `no function's package is ${path.slice(prefix.length)}`);
      const zip = readFileSync(file);
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length, 'cache-control': 'no-store' });
      res.end(res.req?.method === 'HEAD' ? undefined : zip);
    },
  };
}
