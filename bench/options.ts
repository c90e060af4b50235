/** `npm run bench -- [options]`: which cases, how many viewers, how long. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  cases: number[];
  viewers: number[];
  /** Seconds the stalled viewer stops reading (case 4). */
  stallSeconds: number;
  /** Case 4: alternated pairs of runs (all reading, one stalled): the growth a stall causes is their median difference. */
  stallPairs: number;
  /** Measuring window per run, seconds (cases 2, 3, 5, 6). */
  seconds: number;
  /** Warm-up before each measuring window, seconds. */
  warmupSeconds: number;
  /** Repetitions of each first-frame measurement (case 1) and of the boot (case 10). */
  iterations: number;
  /** Case 8: viewers spread over the two gateways. */
  busViewers: number;
  /** Case 9: the vehicle counts watched, in order (the ramp); the fleet announced is at least 20. */
  vehicles: number[];
  /** Case 9: viewers on each watched vehicle. */
  viewersPerVehicle: number;
  /** Case 11: WHEP and WebSocket H.264 viewer counts, in order (the first should be 1: per-viewer cost is relative to it). */
  whepViewers: number[];
  /** Profile the revcam server (--cpu-prof) into this directory. */
  cpuProfDir: string | null;
  /** Where the JSON results go. */
  out: string;
  /** Runs of the selected cases; every target is judged on all of them (met only when met in each). */
  repeat: number;
}

export const ALL_CASES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] as const;

export const BENCH_USAGE = `usage: npm run bench -- [options]   (or: node dist/bench/run.js [options])

  --repeat N            run the selected cases N times; every target is judged on all N runs
                        (met only when met in each; each run's results beside --out as …-run<i>.json)
  --quick               a few seconds per case (the CI smoke); default viewers 1,4
  --cases 1,2,...       cases to run (default all):
                          1 first frame (gear → frame, warm/cold; late viewer JPEG/H.264)
                          2 latency capture → received      3 fan-out cost (CPU, RSS, fps)
                          4 stalled viewer                   5 the floor (bare ws broadcast)
                          6 peer (node-media-server, HTTP-FLV) 7 service process boundary
                          8 NATS bus: host → nats-server → gateway vs local; N viewers on two gateways
                          9 NATS fleet: recorded vehicles on one nats-server, a gateway watching a ramp of them
                         10 boot in reverse: spawn \`revcam serve\` with the car in R → first frame on a waiting display
                          11 WHEP: capture → decoded in Chromium (WHEP vs the WebSocket display); server CPU/RSS
                             at N werift WHEP viewers beside N WebSocket H.264 viewers
                         12 recorder: its CPU and memory beside the same run without it, trigger → listed,
                             post end → closed, upload through a leaf node to JetStream
                         13 surround: the server's CPU with 1, 3 and 4 synthetic cameras watched (per camera),
                             the surround shader's time per frame in Chromium (SwiftShader)
  --viewers 1,50,200    viewer counts for cases 2, 3, 5, 6 (default 1,50,200)
  --stall-seconds N     how long the stalled viewer stops reading (default 60; --quick 3)
  --stall-pairs N       case 4: pairs of runs (all reading, one stalled), alternated (default 3; --quick 1)
  --seconds N           measuring window per run (default 10; --quick 2)
  --iterations N        repetitions per first-frame measurement and boots in case 10 (default 20; --quick 3)
  --bus-viewers N       case 8: viewers over the two gateways (default 50; --quick 4)
  --vehicles 5,10,20,40 case 9: vehicles watched at each step (default 5,10,20,40; --quick 2);
                        the ramp stops after the first step below 29 fps (never before 20)
  --per-vehicle N       case 9: viewers on each watched vehicle (default 5; --quick 2)
  --whep-viewers 1,10,50  case 11: viewer counts per transport (default 1,10,50; --quick 1,4)
  --cpu-prof DIR        run the revcam server under --cpu-prof, profiles into DIR
  --out FILE            JSON results (default bench/results/latest.json)
  -h, --help            this help

examples:
  revcam bench --quick --cases 1,3 --viewers 1,50
  npm run bench -- --cases 8,9 --out bench/results/nats-latest.json   # the NATS cases alone
`;

export class UsageError extends Error {}

function list(name: string, raw: string): number[] {
  const out = raw.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError(`--${name}: expected positive integers separated by commas, got "${raw}"`);
  return out;
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!(n > 0)) throw new UsageError(`--${name}: expected a positive number, got "${raw}"`);
  return n;
}

export function parseBenchArgs(argv: string[], defaultOut: string): BenchOptions | { help: true } {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      options: {
        quick: { type: 'boolean' },
        cases: { type: 'string' },
        viewers: { type: 'string' },
        'stall-seconds': { type: 'string' },
        'stall-pairs': { type: 'string' },
        seconds: { type: 'string' },
        iterations: { type: 'string' },
        'bus-viewers': { type: 'string' },
        vehicles: { type: 'string' },
        'per-vehicle': { type: 'string' },
        'whep-viewers': { type: 'string' },
        'cpu-prof': { type: 'string' },
        out: { type: 'string' },
        repeat: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  if (v.help) return { help: true };
  const quick = v.quick === true;
  const cases = v.cases === undefined ? [...ALL_CASES] : list('cases', v.cases);
  const unknown = cases.filter((c) => !(ALL_CASES as readonly number[]).includes(c));
  if (unknown.length > 0) throw new UsageError(`--cases: no case ${unknown.join(', ')} (cases are ${ALL_CASES.join(', ')})`);
  return {
    quick,
    cases: [...new Set(cases)].sort((a, b) => a - b),
    viewers: v.viewers === undefined ? (quick ? [1, 4] : [1, 50, 200]) : [...new Set(list('viewers', v.viewers))].sort((a, b) => a - b),
    stallSeconds: positive('stall-seconds', v['stall-seconds'], quick ? 3 : 60),
    stallPairs: Math.round(positive('stall-pairs', v['stall-pairs'], quick ? 1 : 3)),
    seconds: positive('seconds', v.seconds, quick ? 2 : 10),
    warmupSeconds: quick ? 0.5 : 2,
    iterations: Math.round(positive('iterations', v.iterations, quick ? 3 : 20)),
    busViewers: Math.round(positive('bus-viewers', v['bus-viewers'], quick ? 4 : 50)),
    vehicles: v.vehicles === undefined ? (quick ? [2] : [5, 10, 20, 40]) : list('vehicles', v.vehicles),
    viewersPerVehicle: Math.round(positive('per-vehicle', v['per-vehicle'], quick ? 2 : 5)),
    whepViewers: v['whep-viewers'] === undefined ? (quick ? [1, 4] : [1, 10, 50]) : [...new Set(list('whep-viewers', v['whep-viewers']))].sort((a, b) => a - b),
    cpuProfDir: v['cpu-prof'] ?? null,
    out: v.out ?? defaultOut,
    repeat: Math.round(positive('repeat', v.repeat, 1)),
  };
}
