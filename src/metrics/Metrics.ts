/**
 * Prometheus metrics. Each app owns its own registry (no global state), so
 * several servers in one test process do not collide. Per-viewer counts are
 * read at scrape time from a totals source, so the frame path never touches a
 * metric per viewer per frame.
 */
import type { Counter, Gauge, Registry } from 'prom-client';

type PromClient = typeof import('prom-client');
type Labels = Record<string, string>;

/**
 * A counter or gauge kept in a plain map that the registry reads at scrape
 * time: the frame path and request handlers count without prom-client, which
 * is loaded at the first scrape (GET /metrics), so boot does not pay its ~80
 * modules (~55 ms) and nothing counted before is lost. Not loaded on a timer
 * either: its ~50 ms load would block the event loop while the rear view
 * streams. The process's own metrics (GC, event-loop lag) count from that
 * first scrape; CPU time and memory are read from the process as before.
 */
export class LocalMetric {
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  inc(labels: Labels, by = 1): void {
    const k = labelKey(labels);
    const v = this.#values.get(k);
    if (v) v.value += by;
    else this.#values.set(k, { labels, value: by });
  }

  set(labels: Labels, value: number): void {
    this.#values.set(labelKey(labels), { labels, value });
  }

  /** The value for these labels (0 when never counted). */
  get(labels: Labels): number {
    return this.#values.get(labelKey(labels))?.value ?? 0;
  }

  entries(): Iterable<{ labels: Labels; value: number }> {
    return this.#values.values();
  }
}

const labelKey = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export interface ViewerTotals {
  stream: string;
  transport: string;
  viewers: number;
  sent: number;
  dropped: number;
  bytes: number;
}

/** What a service child reports about itself (src/host/serviceMain.ts, with every pong). */
export interface ServiceTelemetryRow {
  service: string;
  framesOut: number;
  framesDropped: number;
  rssBytes: number;
}

export class Metrics {
  #registry: Promise<Registry> | undefined;
  #viewerTotals: () => ViewerTotals[] = () => [];
  #serviceTelemetry: () => ServiceTelemetryRow[] = () => [];

  readonly framesIn = new LocalMetric();
  readonly requests = new LocalMetric();
  readonly serviceRestarts = new LocalMetric();
  readonly serviceUp = new LocalMetric();

  /** The Prometheus registry (prom-client loaded and the metrics registered on the first call). */
  registry(): Promise<Registry> {
    return (this.#registry ??= import('prom-client').then((client) => this.#register(client)));
  }

  /** The Prometheus text exposition and its content type. */
  async render(): Promise<{ text: string; contentType: string }> {
    const registry = await this.registry();
    return { text: await registry.metrics(), contentType: registry.contentType };
  }

  #register(client: PromClient): Registry {
    const registry = new client.Registry();
    type Kind = typeof client.Counter | typeof client.Gauge;
    // Every metric is filled at scrape time from its source: the local counts, the viewer totals, the children's telemetry.
    const fromRows = <T>(name: string, help: string, labelNames: string[], rows: () => Iterable<{ labels: Labels; value: T }>, pick: (v: T) => number, Kind: Kind) => {
      new Kind({
        name,
        help,
        labelNames,
        registers: [registry],
        collect(this: Counter | Gauge) {
          this.reset();
          for (const r of rows()) (this as Gauge).inc(r.labels, pick(r.value));
        },
      });
    };
    const local = (name: string, help: string, labelNames: string[], metric: LocalMetric, Kind: Kind) => fromRows(name, help, labelNames, () => metric.entries(), (v: number) => v, Kind);
    local('revcam_frames_in_total', 'Frames received from services', ['stream'], this.framesIn, client.Counter);
    local('revcam_stream_requests_total', 'Stream requests by outcome (accepted or an error code)', ['outcome'], this.requests, client.Counter);
    local('revcam_service_restarts_total', 'Service restarts after a crash or hang', ['service'], this.serviceRestarts, client.Counter);
    local('revcam_service_up', '1 when the service process is running', ['service'], this.serviceUp, client.Gauge);
    const perViewer = (name: string, help: string, pick: (t: ViewerTotals) => number, Kind: Kind) =>
      fromRows(name, help, ['stream', 'transport'], () => this.#viewerTotals().map((t) => ({ labels: { stream: t.stream, transport: t.transport }, value: t })), pick, Kind);
    perViewer('revcam_frames_sent_total', 'Frames written to viewers', (t) => t.sent, client.Counter);
    perViewer('revcam_frames_dropped_total', 'Frames dropped because a viewer was too slow (latest frame wins)', (t) => t.dropped, client.Counter);
    perViewer('revcam_bytes_sent_total', 'Bytes written to viewers', (t) => t.bytes, client.Counter);
    perViewer('revcam_viewers', 'Connected viewers', (t) => t.viewers, client.Gauge);
    const perService = (name: string, help: string, pick: (t: ServiceTelemetryRow) => number, Kind: Kind) =>
      fromRows(name, help, ['service'], () => this.#serviceTelemetry().map((t) => ({ labels: { service: t.service }, value: t })), pick, Kind);
    perService('revcam_service_frames_out_total', 'Frames the service child wrote to its frame pipe (all its processes)', (t) => t.framesOut, client.Counter);
    perService('revcam_service_frames_dropped_total', 'Frames the service child dropped because its frame pipe to the gateway was backed up', (t) => t.framesDropped, client.Counter);
    perService('revcam_service_rss_bytes', 'Resident memory of the service child process (0 while none runs)', (t) => t.rssBytes, client.Gauge);
    // Event-loop lag sampled every 100 ms, not prom-client's 10 ms: once /metrics has been scraped its timer
    // woke the loop 100 times a second, ~0.3 % of a core on its own (issue 11, the floor); lag still shows at 10 Hz.
    client.collectDefaultMetrics({ register: registry, prefix: 'revcam_process_', eventLoopMonitoringPrecision: 100 });
    return registry;
  }

  /** Where the service children's own telemetry comes from at scrape time (as of their last pong, ≤ 1 s old). */
  setServiceTelemetrySource(fn: () => ServiceTelemetryRow[]): void {
    this.#serviceTelemetry = fn;
  }

  /** Where per-viewer totals come from at scrape time. */
  setViewerTotalsSource(fn: () => ViewerTotals[]): void {
    this.#viewerTotals = fn;
  }
}
