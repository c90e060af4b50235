/** The bench's cases as JSON parts, and the table printed on stdout. */
import { caseStatus, type BenchResults, type CaseResult, type Part, type Target } from './results.js';
import { isStat, type Stat } from './stat.js';
import type { RunRow } from './systems.js';
import type { ProcUsage } from './proc.js';

export const CASE_TITLES: Record<number, [name: string, title: string]> = {
  1: ['first-frame', 'Time to first frame: gear → frame (warm, cold, hot) and late viewer'],
  2: ['latency', 'Latency: capture → frame fully received, 1280x720 at 30 fps'],
  3: ['fan-out', 'Fan-out cost: server CPU and RSS; per-viewer fps'],
  4: ['stalled-viewer', 'Stalled viewer: one of 50 stops reading'],
  5: ['floor', 'The floor: revcam CPU vs a bare ws broadcast of the same bytes'],
  6: ['peer', 'Peer: node-media-server 4.x (RTMP in, HTTP-FLV out), same H.264 input'],
  7: ['boundary', 'Service process boundary: service child → server, per frame'],
  8: ['nats-bus', 'NATS bus: host → nats-server → gateway vs local; viewers over two gateways'],
  9: ['nats-fleet', 'NATS fleet: recorded vehicles on one nats-server, a gateway watching a ramp of them'],
  10: ['boot', 'Boot in reverse: spawn `revcam serve` (car in R) → first frame on a display that was waiting'],
  11: ['whep', 'WHEP: capture → decoded in Chromium, and server CPU per viewer beside the WebSocket H.264 path'],
  12: ['recorder', 'Recorder: CPU and memory beside the same run without it; trigger → listed; post end → closed; upload to JetStream'],
  13: ['surround', 'Surround view: what each synthetic camera costs the server; the stitch pass per frame in Chromium (SwiftShader)'],
};

export function rowPart(r: RunRow): Part {
  const { status, skipped, error, ...data } = r;
  return { name: `${r.system} ${r.codec} × ${r.viewers}`, status, ...(skipped !== undefined && { skipped }), ...(error !== undefined && { error }), data: data as Record<string, unknown> };
}

export function makeCase(id: number, parts: Part[], notes: string[] = []): CaseResult {
  const [name, title] = CASE_TITLES[id]!;
  return { id, name, title, status: caseStatus(parts), parts, notes };
}

const ratio = (a: number | undefined | null, b: number | undefined | null): number | null => (a == null || b == null || !(b > 0) ? null : Math.round((a / b) * 100) / 100);

/** Case 5's and 6's comparisons: one part per codec and viewer count, with the ratios. */
export function comparisons(rows: RunRow[], other: 'floor' | 'floor-prebuilt' | 'peer'): Part[] {
  const out: Part[] = [];
  for (const r of rows.filter((x) => x.system === other)) {
    const mine = rows.find((x) => x.system === 'revcam' && x.codec === r.codec && x.viewers === r.viewers);
    const name = `revcam/${other} ${r.codec} × ${r.viewers}`;
    if (r.status !== 'ok' || mine?.status !== 'ok') {
      const why = r.status !== 'ok' ? `${other}: ${r.skipped ?? r.error}` : `revcam: ${mine?.skipped ?? mine?.error ?? 'not run'}`;
      out.push({ name, status: r.status === 'failed' || mine?.status === 'failed' ? 'failed' : 'skipped', ...(r.status === 'failed' || mine?.status === 'failed' ? { error: why } : { skipped: why }) });
      continue;
    }
    out.push({
      name,
      status: 'ok',
      data: {
        codec: r.codec,
        viewers: r.viewers,
        cpuRatio: ratio(mine.server?.cpuPercent, r.server?.cpuPercent),
        rssRatio: ratio(mine.server?.rssMB?.median, r.server?.rssMB?.median),
        // The floor stamps frames as it sends them, revcam when the camera captures (render and encode included): only the peer's latency compares.
        latencyP50Ratio: other === 'peer' ? ratio(mine.latencyMs?.median, r.latencyMs?.median) : null,
        latencyP99Ratio: other === 'peer' ? ratio(mine.latencyMs?.p99, r.latencyMs?.p99) : null,
        revcamCpuPercent: mine.server?.cpuPercent ?? null,
        [`${other}CpuPercent`]: r.server?.cpuPercent ?? null,
      },
    });
  }
  return out;
}

// ---- the table ----

const num = (x: number | null | undefined, d = 1): string => (x == null || !Number.isFinite(x) ? '-' : x.toFixed(d));
const pad = (s: string, n: number): string => (s.length >= n ? s + ' ' : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? ' ' + s : ' '.repeat(n - s.length) + s);

function statCells(s: Stat | null | undefined, d = 1): string {
  if (!s) return lpad('-', 6) + ' '.repeat(5 * 8);
  return [lpad(String(s.n), 6), ...[s.min, s.median, s.p95, s.p99, s.max].map((x) => lpad(num(x, d), 8))].join('');
}

const STAT_HEAD = `${lpad('n', 6)}${['min', 'median', 'p95', 'p99', 'max'].map((h) => lpad(h, 8)).join('')}`;

function statusLine(p: Part): string | undefined {
  if (p.status === 'skipped') return `  ${pad(p.name, 30)}skipped: ${p.skipped}`;
  if (p.status === 'failed') return `  ${pad(p.name, 30)}FAILED: ${(p.error ?? '').split('\n')[0]}`;
  return undefined;
}

/** Every Stat in a part's data as one line each (cases 1, 4, 7). */
function genericCase(c: CaseResult): string[] {
  const lines = [`  ${pad('', 30)}${pad('figure', 30)}${STAT_HEAD}  unit`];
  for (const p of c.parts) {
    const s = statusLine(p);
    if (s) {
      lines.push(s);
      continue;
    }
    let first = true;
    for (const [k, v] of Object.entries(p.data ?? {})) {
      if (!isStat(v)) continue;
      lines.push(`  ${pad(first ? p.name : '', 30)}${pad(k, 30)}${statCells(v)}  ${v.unit}`);
      first = false;
    }
    const scalars = Object.entries(p.data ?? {}).filter(([, v]) => typeof v === 'number' || (typeof v === 'object' && v !== null && !isStat(v)));
    for (const [k, v] of scalars) {
      const text = typeof v === 'number' ? String(v) : JSON.stringify(v);
      lines.push(`  ${pad(first ? p.name : '', 30)}${pad(k, 30)}${text}`);
      first = false;
    }
  }
  return lines;
}

function latencyCase(rows: RunRow[]): string[] {
  const lines = [`  ${pad('codec', 6)}${lpad('viewers', 8)}  ${pad('system', 15)}latency ms${STAT_HEAD}   fps min  median`];
  for (const r of rows) {
    const head = `  ${pad(r.codec, 6)}${lpad(String(r.viewers), 8)}  ${pad(r.system, 15)}`;
    if (r.status !== 'ok') lines.push(`${head}${r.status === 'skipped' ? `skipped: ${r.skipped}` : `FAILED: ${(r.error ?? '').split('\n')[0]}`}`);
    else lines.push(`${head}${' '.repeat(10)}${statCells(r.latencyMs)}  ${lpad(num(r.fps?.min, 2), 8)}${lpad(num(r.fps?.median, 2), 8)}`);
  }
  return lines;
}

function fanoutCase(rows: RunRow[]): string[] {
  const lines = [
    `  ${pad('codec', 6)}${lpad('viewers', 8)}  ${pad('system', 15)}${lpad('CPU % mean', 11)}${lpad('(sys)', 7)}${lpad('p95', 7)}${lpad('p99', 7)}${lpad('children %', 11)}${lpad('RSS MB med', 11)}${lpad('max', 7)}${lpad('fps min', 9)}${lpad('median', 8)}${lpad('MB/s', 8)}${lpad('viewers %', 10)}`,
  ];
  for (const r of rows) {
    const head = `  ${pad(r.codec, 6)}${lpad(String(r.viewers), 8)}  ${pad(r.system, 15)}`;
    if (r.status !== 'ok') {
      lines.push(`${head}${r.status === 'skipped' ? `skipped: ${r.skipped}` : `FAILED: ${(r.error ?? '').split('\n')[0]}`}`);
      continue;
    }
    const kids = r.system === 'peer' ? r.publisher?.cpuPercent : r.children?.cpuPercent;
    lines.push(
      `${head}${lpad(num(r.server?.cpuPercent), 11)}${lpad(num(r.server?.cpuSysPercent), 7)}${lpad(num(r.server?.cpuSamples?.p95), 7)}${lpad(num(r.server?.cpuSamples?.p99), 7)}${lpad(num(kids), 11)}${lpad(num(r.server?.rssMB?.median), 11)}${lpad(num(r.server?.rssMB?.max), 7)}${lpad(num(r.fps?.min, 2), 9)}${lpad(num(r.fps?.median, 2), 8)}${lpad(num(r.mbPerSecond), 8)}${lpad(num(r.viewersProcess?.cpuPercent), 10)}`,
    );
  }
  lines.push("  (CPU: % of one core, the fan-out process alone, (sys) its kernel share, p95/p99 of per-second samples; children: revcam's service processes, or ffmpeg publishing to the peer;");
  lines.push('   viewers: the viewer process, which shares the cores)');
  return lines;
}

function compareCase(parts: Part[], other: string): string[] {
  const lines = [`  ${pad('', 34)}${lpad('CPU ratio', 10)}${lpad('RSS ratio', 10)}${lpad('p50 lat ratio', 14)}${lpad('p99 lat ratio', 14)}${lpad('revcam CPU%', 12)}${lpad(`${other} CPU%`, 16)}`];
  for (const p of parts) {
    const s = statusLine(p);
    if (s) {
      lines.push(s);
      continue;
    }
    const d = p.data as Record<string, number | null>;
    lines.push(`  ${pad(p.name, 34)}${lpad(num(d.cpuRatio, 2), 10)}${lpad(num(d.rssRatio, 2), 10)}${lpad(num(d.latencyP50Ratio, 2), 14)}${lpad(num(d.latencyP99Ratio, 2), 14)}${lpad(num(d.revcamCpuPercent), 12)}${lpad(num(d[`${other}CpuPercent`]), 16)}`);
  }
  return lines;
}

/** Case 8: latency bus vs local at 1 viewer, the difference, and N viewers over two gateways with each process's CPU. */
function natsBusCase(c: CaseResult): string[] {
  const lines = [`  ${pad('', 30)}latency ms${STAT_HEAD}  ${lpad('fps min', 8)}   CPU % of one core`];
  for (const p of c.parts) {
    const s = statusLine(p);
    if (s) {
      lines.push(s);
      continue;
    }
    const d = p.data ?? {};
    if ('addedP99Ms' in d) {
      const x = d as Record<string, number | null>;
      const plus = (v: number | null | undefined) => (v == null ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(1)}`);
      lines.push(`  ${pad(p.name, 30)}added by the bus: p50 ${plus(x.addedP50Ms)} ms, p95 ${plus(x.addedP95Ms)} ms, p99 ${plus(x.addedP99Ms)} ms`);
      continue;
    }
    if (isStat(d.addedMs)) {
      lines.push(`  ${pad(p.name, 30)}${pad('added, per frame', 10)}${statCells(d.addedMs)}`);
      if (isStat(d.busLatencyMs)) lines.push(`  ${pad('', 30)}${pad('bus', 10)}${statCells(d.busLatencyMs)}`);
      if (isStat(d.localLatencyMs)) lines.push(`  ${pad('', 30)}${pad('local', 10)}${statCells(d.localLatencyMs)}`);
      const pm = d.machine as { cpuPercent: number; othersPercent: number; capacityPercent: number } | undefined;
      if (pm) lines.push(`  ${pad('', 30)}machine CPU ${num(pm.cpuPercent)} of ${pm.capacityPercent} %, of which ${num(pm.othersPercent)} % other work`);
      continue;
    }
    const lat = isStat(d.latencyMs) ? d.latencyMs : null;
    const fps = isStat(d.fps) ? d.fps.min : isStat(d.fpsMin) ? d.fpsMin.min : null;
    const cpu = Object.entries((d.cpuPercent ?? {}) as Record<string, number>).map(([k, v]) => `${k} ${num(v)}`).join(', ');
    lines.push(`  ${pad(p.name, 30)}${' '.repeat(10)}${statCells(lat)}  ${lpad(num(fps, 2), 8)}   ${cpu}`);
    const bus = d.bus as { inMBPerS: number; outMBPerS: number } | null | undefined;
    const byGw = d.fpsMinByGateway as Record<string, number> | undefined;
    const m = d.machine as { cpuPercent: number; othersPercent: number; capacityPercent: number } | undefined;
    if (m) lines.push(`  ${pad('', 30)}machine CPU ${num(m.cpuPercent)} of ${m.capacityPercent} %, of which ${num(m.othersPercent)} % other work`);
    if (bus || byGw) {
      const extra = [byGw && `fps min by gateway: ${Object.entries(byGw).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`, bus && `nats-server in ${num(bus.inMBPerS, 2)} MB/s, out ${num(bus.outMBPerS, 2)} MB/s`, typeof d.mbPerSecondToViewers === 'number' && `to viewers ${num(d.mbPerSecondToViewers)} MB/s`];
      lines.push(`  ${pad('', 30)}${extra.filter(Boolean).join('; ')}`);
    }
  }
  return lines;
}

/** Case 9: one line per ramp step (and the idle fleet), the per-vehicle cost, the knee. */
function natsFleetCase(c: CaseResult): string[] {
  const lines = [
    `  ${pad('', 28)}${lpad('viewers', 8)}${lpad('fps min', 9)}${lpad('median', 8)}${lpad('lat p50', 9)}${lpad('p99', 7)}   ${'CPU %: nats-server  gateway  vehicles  viewers'}${lpad('bus in', 9)}${lpad('out MB/s', 9)}${lpad('machine', 9)}${lpad('others', 8)}   per vehicle: nats-server %  gateway %  MB/s in`,
  ];
  for (const p of c.parts) {
    const s = statusLine(p);
    if (s) {
      lines.push(s);
      continue;
    }
    const d = p.data ?? {};
    if (typeof d.knee === 'string') {
      lines.push(`  knee on this machine: ${d.knee}`);
      continue;
    }
    const cpu = (d.cpuPercent ?? {}) as Record<string, number>;
    const bus = d.bus as { inMBPerS: number; outMBPerS: number } | null | undefined;
    const fps = isStat(d.fps) ? d.fps : null;
    const lat = isStat(d.latencyMs) ? d.latencyMs : null;
    const per = d.perVehicle as Record<string, number | null> | undefined;
    const m = d.machine as { cpuPercent: number; othersPercent: number } | undefined;
    lines.push(
      `  ${pad(p.name, 28)}${lpad(String(d.viewers ?? 0), 8)}${lpad(num(fps?.min, 2), 9)}${lpad(num(fps?.median, 2), 8)}${lpad(num(lat?.median), 9)}${lpad(num(lat?.p99), 7)}   ${lpad(num(cpu['nats-server']), 18)}${lpad(num(cpu.gateway), 9)}${lpad(num(cpu.vehicles), 10)}${lpad(num(cpu.viewers), 9)}${lpad(num(bus?.inMBPerS, 2), 9)}${lpad(num(bus?.outMBPerS, 2), 9)}${lpad(num(m?.cpuPercent), 9)}${lpad(num(m?.othersPercent), 8)}   ${per ? `${lpad(num(per.natsServerCpuPercent, 2), 26)}${lpad(num(per.gatewayCpuPercent, 2), 11)}${lpad(num(per.busInMBPerS, 2), 9)}` : ''}`,
    );
  }
  return lines;
}

/** Case 11: the Chromium latencies, one line per transport and viewer count, the per-viewer cost. */
function whepCase(c: CaseResult): string[] {
  const lines: string[] = [];
  const fanHead = `  ${pad('', 22)}${lpad('CPU % mean', 11)}${lpad('(sys)', 7)}${lpad('p95', 7)}${lpad('RSS MB med', 11)}${lpad('max', 7)}${lpad('fps min', 9)}${lpad('median', 8)}${lpad('lost', 7)}${lpad('recv p50', 10)}${lpad('p99', 8)}${lpad('MB/s', 8)}${lpad('viewers %', 10)}`;
  let fanHeaded = false;
  for (const p of c.parts) {
    const s = statusLine(p);
    if (s) {
      lines.push(s);
      continue;
    }
    const d = p.data ?? {};
    if (p.name.startsWith('chromium')) {
      lines.push(`  ${pad(p.name, 40)}${pad('', 18)}${STAT_HEAD}`);
      const rowsOf: [string, unknown][] = [
        ['whep: capture → decoded', d.whepDecodedMs],
        ['ws display: capture → paint', d.wsDecodedMs],
        ['whep: capture → expected display', d.whepDisplayMs],
        ['whep: capture → last packet in', d.whepReceivedMs],
      ];
      for (const [k, v] of rowsOf) lines.push(`    ${pad(k, 56)}${statCells(isStat(v) ? v : null)}`);
      const w = (d.whep ?? {}) as Record<string, unknown>;
      const ws = (d.ws ?? {}) as Record<string, unknown>;
      lines.push(`    whep: ${String(w.framesDecoded)} decoded, ${String(w.framesDropped)} dropped, ${String(w.packetsLost)} packets lost, ${String(w.framesWithoutCapture)} painted without a capture time; jitter buffer ${JSON.stringify(w.jitterBufferMs)} ms, decode ${JSON.stringify(w.decodeMs)} ms per frame (${String(w.decoder)}); POST → first frame ${JSON.stringify(w.firstFrameMs)} ms`);
      lines.push(`    ws:   ${String(ws.framesPainted)} painted, ${String(ws.decodeSkipped)} skipped by the decoder, ${String(ws.dropped)} missing (${String(ws.decoder)})`);
      continue;
    }
    if (p.name.startsWith('per viewer')) {
      const per = (d.cpuPercentPerViewer ?? {}) as Record<string, number | null>;
      const rss = (d.rssKBPerViewer ?? {}) as Record<string, number | null>;
      lines.push(`  ${pad(p.name, 22)}CPU % of one core per viewer: ${Object.entries(per).map(([k, v]) => `${k.slice(2)}: ${num(v, 2)}`).join(', ')}; fit ${num(d.cpuPercentPerViewerFit as number | null, 2)}; RSS kB per viewer (after a full GC): ${Object.entries(rss).map(([k, v]) => `${k.slice(2)}: ${num(v, 0)}`).join(', ')}; fit ${num(d.rssKBPerViewerFit as number | null, 0)}; marginal ${num(d.rssKBPerViewerMarginal as number | null | undefined, 0)}`);
      continue;
    }
    if (!fanHeaded) {
      lines.push(fanHead);
      fanHeaded = true;
    }
    const server = d.server as ProcUsage | undefined;
    const fps = isStat(d.fps) ? d.fps : null;
    const lat = isStat(d.latencyMs) ? d.latencyMs : null;
    const vp = d.viewersProcess as ProcUsage | undefined;
    lines.push(
      `  ${pad(p.name, 22)}${lpad(num(server?.cpuPercent), 11)}${lpad(num(server?.cpuSysPercent), 7)}${lpad(num(server?.cpuSamples?.p95), 7)}${lpad(num(server?.rssMB?.median), 11)}${lpad(num(server?.rssMB?.max), 7)}${lpad(num(fps?.min, 2), 9)}${lpad(num(fps?.median, 2), 8)}${lpad(String(d.lost ?? '-'), 7)}${lpad(num(lat?.median), 10)}${lpad(num(lat?.p99), 8)}${lpad(num(d.mbPerSecond as number | undefined), 8)}${lpad(num(vp?.cpuPercent), 10)}`,
    );
  }
  lines.push('  (CPU: % of one core, revcam serve alone; lost: ws = frames missing from the sequence, whep = RTP packets; recv: capture → whole frame received, ms)');
  return lines;
}

export function formatTable(res: BenchResults, rows: RunRow[]): string {
  const m = res.machine;
  const out: string[] = [
    `revcam bench — ${m.cpuModel}, ${m.cores} cores, ${m.memoryMB} MB, node ${m.node}, kernel ${m.kernel}, ${m.os}, ffmpeg ${m.ffmpeg ?? 'absent'}`,
    `${res.startedAt}, ${res.durationS} s: ${res.command}`,
    `load average at start ${m.loadAverage.join(' / ')}${(m.loadAverage[0] ?? 0) > 0.5 ? '  ← the machine was not idle: other work shares the cores' : ''}`,
    '',
  ];
  for (const c of res.cases) {
    out.push(`${c.id}. ${c.title} [${c.status}]`);
    const want = (sys: string[]) => rows.filter((r) => sys.includes(r.system));
    if (c.id === 2) out.push(...latencyCase(want(['revcam', 'floor', 'floor-prebuilt', 'peer'])));
    else if (c.id === 3) out.push(...fanoutCase(want(['revcam', 'floor', 'floor-prebuilt', 'peer'])));
    else if (c.id === 5) {
      out.push(...compareCase(c.parts.filter((p) => p.name.startsWith('revcam/floor ')), 'floor'));
      out.push(...compareCase(c.parts.filter((p) => p.name.startsWith('revcam/floor-prebuilt')), 'floor-prebuilt'));
    }
    else if (c.id === 6) {
      out.push(...compareCase(c.parts.filter((p) => p.name.startsWith('revcam/peer')), 'peer'));
      out.push(...genericCase({ ...c, parts: c.parts.filter((p) => p.name.startsWith('late viewer') || p.name.startsWith('peer publisher')) }));
    } else if (c.id === 8) out.push(...natsBusCase(c));
    else if (c.id === 9) out.push(...natsFleetCase(c));
    else if (c.id === 11) out.push(...whepCase(c));
    else out.push(...genericCase(c));
    for (const n of c.notes) out.push(`  note: ${n}`);
    out.push('');
  }
  return out.join('\n') + '\n' + formatTargets(res.targets, 'Targets (issues 5, 9, 11, 16)');
}

/** The targets table; targets not measured (cases not selected) are left out. */
export function formatTargets(targets: readonly Target[], heading: string): string {
  const out = [heading];
  for (const t of targets) {
    if (t.met === null) continue;
    out.push(`  ${pad(t.id, 9)}${pad(t.met ? 'MET' : 'NOT MET', 14)}${pad(t.text, 70)}${pad(t.limit, 22)}${t.measured ?? '-'}`);
    if (t.note) out.push(`  ${' '.repeat(23)}(${t.note})`);
  }
  const skipped = targets.filter((t) => t.met === null).map((t) => t.id);
  if (skipped.length > 0) out.push(`  not measured in this run: ${skipped.join(', ')}`);
  return out.join('\n') + '\n';
}
