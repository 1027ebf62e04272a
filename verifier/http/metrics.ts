/** A registry per app (two apps in one test process must not share counters); the core reports through `onDecision`. */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeciderStats, DecisionEvent } from '../core/index.js';
import { SeriesCounter, SeriesHistogram } from './series-metrics.js';

export interface Metrics {
  registry: Registry;
  onDecision(event: DecisionEvent): void;
  /** Where lockout and cache numbers come from, once the decider exists (`decider.stats`). */
  readStatsFrom(source: () => DeciderStats): void;
  /**
   * Times every HTTP request by route template (never the raw URL: ids would explode the label set).
   * Returns what the not-found handler calls: a hook on every route only to time the 404s costs each request.
   */
  instrument(app: FastifyInstance): (request: FastifyRequest, reply: FastifyReply) => void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // Event-loop delay sampled once a second, not prom-client's every 10 ms: an idle verifier stays asleep.
  collectDefaultMetrics({ register: registry, prefix: 'arra_verifier_', eventLoopMonitoringPrecision: 1000 });
  let stats: (() => DeciderStats) | undefined;

  const decisions = new SeriesCounter({
    name: 'arra_decisions_total',
    help: 'Decisions by kind, result and deny reason',
    labelNames: ['kind', 'result', 'reason'] as const,
    registry,
  });
  const latency = new SeriesHistogram({
    name: 'arra_decision_duration_seconds',
    help: 'Time to decide, by kind',
    labelNames: ['kind'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registry,
  });
  new Gauge({
    name: 'arra_lockouts',
    help: 'Device ids and peer addresses currently locked out',
    labelNames: ['key'] as const,
    registers: [registry],
    collect() {
      const now = stats?.();
      this.set({ key: 'device' }, now?.lockedDevices ?? 0);
      this.set({ key: 'address' }, now?.lockedAddresses ?? 0);
    },
  });
  new Gauge({
    name: 'arra_acl_cache_lookups',
    help: 'ACL cache lookups since start, by result (hit/miss)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const cache = stats?.().cache;
      this.set({ result: 'hit' }, cache?.hits ?? 0);
      this.set({ result: 'miss' }, cache?.misses ?? 0);
    },
  });
  const http = new SeriesHistogram({
    name: 'arra_http_request_duration_seconds',
    help: 'HTTP request durations by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
    registry,
  });

  return {
    registry,
    onDecision(event) {
      const result = event.allow ? 'allow' : 'deny';
      decisions.series(event.kind, result, event.reason ?? '').inc();
      latency.series(event.kind).observe(event.durationMs / 1000);
    },
    readStatsFrom(source) {
      stats = source;
    },
    instrument(app) {
      // Callback hooks (a promise per decision request shows at the rates brokers ask), each route's with
      // its template captured once: `request.routeOptions` builds an object on every read.
      const observe = (route: string) => (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
        http.series(request.method, route, reply.statusCode).observe(reply.elapsedTime / 1000);
        done();
      };
      app.addHook('onRoute', (route) => {
        route.onResponse = [observe(route.url), ...[route.onResponse ?? []].flat()];
      });
      const unmatched = observe('unmatched');
      return (request, reply) => unmatched(request, reply, () => undefined);
    },
  };
}
