import type { ServiceModule } from '../service-registry/service-module.js';
import { forwardTargetFromEnv, SpanForwarder } from './forwarder.js';
import { tracesIam } from './iam-authorizations.js';
import { modelCallPricer } from './model-call-prices.js';
import { traceReads } from './read-routes.js';
import { TracesService } from './traces-service.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    traces: TracesService;
  }
  interface ServiceOptions {
    /**
     * Whether the runtime's services record the spans AWS's would (docs/tracing.md, "The
     * runtime's own spans"); spans sent to `/v1/traces` are kept either way. `npm run
     * bench:runtime` measures the pipeline with and without them.
     * @default true
     */
    readonly runtimeSpans?: boolean;
  }
}

/**
 * The OTLP/HTTP trace receiver, the spans the runtime's own services make (`spans`: the
 * services that need it hand it their notes) (`POST /v1/traces`, as X-Ray's OTLP endpoint and any
 * collector take it) and the spans it keeps, which the read API serves (`/traces/<id>`). With
 * `OTEL_EXPORTER_OTLP_ENDPOINT` set for the runtime, every export it keeps goes on to that collector.
 */
export const tracesModule: ServiceModule<'traces'> = {
  name: 'traces',
  needs: ['iam'],
  databases: ['traces'],
  iam: tracesIam,
  create({ settings, database }) {
    const db = database('traces');
    const target = forwardTargetFromEnv();
    const forwarder = target && new SpanForwarder(db, settings.clock, target, settings.log);
    const pricer = modelCallPricer();
    const traces = new TracesService({
      db,
      clock: settings.clock,
      ...(forwarder ? { forwarder } : {}),
      region: settings.region,
      log: settings.log,
      pricer: () => pricer,
      runtimeSpans: settings.options.runtimeSpans !== false,
    });
    return {
      service: traces,
      // Asked before the other REST services: nothing else may claim the OTLP path. The registry gives it IAM's check (xray:PutSpans).
      mounts: { restFirst: [traces.receiver], reads: traceReads(() => traces.readable()) },
      start: () => {
        if (target)
          settings.log(
            `traces: every span received at ${settings.url}/v1/traces goes on to ${target.url.href} (OTEL_EXPORTER_OTLP_ENDPOINT)`,
          );
        traces.start();
      },
      stop: () => traces.stop(),
    };
  },
};
