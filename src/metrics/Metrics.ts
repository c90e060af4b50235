/**
 * Prometheus metrics. Each app owns its own registry (no global state), so
 * several servers in one test process do not collide. Per-viewer counts are
 * read at scrape time from a totals source, so the frame path never touches a
 * metric per viewer per frame.
 */
import client from 'prom-client';

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
  readonly registry = new client.Registry();
  #viewerTotals: () => ViewerTotals[] = () => [];
  #serviceTelemetry: () => ServiceTelemetryRow[] = () => [];

  readonly framesIn = new client.Counter({ name: 'revcam_frames_in_total', help: 'Frames received from services', labelNames: ['stream'], registers: [this.registry] });
  readonly requests = new client.Counter({ name: 'revcam_stream_requests_total', help: 'Stream requests by outcome (accepted or an error code)', labelNames: ['outcome'], registers: [this.registry] });
  readonly serviceRestarts = new client.Counter({ name: 'revcam_service_restarts_total', help: 'Service restarts after a crash or hang', labelNames: ['service'], registers: [this.registry] });
  readonly serviceUp = new client.Gauge({ name: 'revcam_service_up', help: '1 when the service process is running', labelNames: ['service'], registers: [this.registry] });

  constructor() {
    const perViewer = (name: string, help: string, pick: (t: ViewerTotals) => number, Kind: typeof client.Counter | typeof client.Gauge) => {
      const totals = () => this.#viewerTotals();
      new Kind({
        name,
        help,
        labelNames: ['stream', 'transport'],
        registers: [this.registry],
        collect(this: client.Counter | client.Gauge) {
          this.reset();
          for (const t of totals()) (this as client.Gauge).inc({ stream: t.stream, transport: t.transport }, pick(t));
        },
      });
    };
    perViewer('revcam_frames_sent_total', 'Frames written to viewers', (t) => t.sent, client.Counter);
    perViewer('revcam_frames_dropped_total', 'Frames dropped because a viewer was too slow (latest frame wins)', (t) => t.dropped, client.Counter);
    perViewer('revcam_bytes_sent_total', 'Bytes written to viewers', (t) => t.bytes, client.Counter);
    perViewer('revcam_viewers', 'Connected viewers', (t) => t.viewers, client.Gauge);
    const perService = (name: string, help: string, pick: (t: ServiceTelemetryRow) => number, Kind: typeof client.Counter | typeof client.Gauge) => {
      const rows = () => this.#serviceTelemetry();
      new Kind({
        name,
        help,
        labelNames: ['service'],
        registers: [this.registry],
        collect(this: client.Counter | client.Gauge) {
          this.reset();
          for (const t of rows()) (this as client.Gauge).inc({ service: t.service }, pick(t));
        },
      });
    };
    perService('revcam_service_frames_out_total', 'Frames the service child wrote to its frame pipe (all its processes)', (t) => t.framesOut, client.Counter);
    perService('revcam_service_frames_dropped_total', 'Frames the service child dropped because its frame pipe to the gateway was backed up', (t) => t.framesDropped, client.Counter);
    perService('revcam_service_rss_bytes', 'Resident memory of the service child process (0 while none runs)', (t) => t.rssBytes, client.Gauge);
    client.collectDefaultMetrics({ register: this.registry, prefix: 'revcam_process_' });
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
