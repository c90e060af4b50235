/** The machine a result was measured on: without it a number means nothing. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { execFileSync } from 'node:child_process';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  node: string;
  kernel: string;
  os: string;
  memoryMB: number;
  ffmpeg: string | null;
  /** 1, 5 and 15 minute load averages when the run started: anything else busy on the machine skews every figure. */
  loadAverage: number[];
}

function distro(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? osType();
  } catch {
    return osType();
  }
}

function ffmpegVersion(): string | null {
  try {
    const out = execFileSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /ffmpeg version (\S+)/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    node: process.version,
    kernel: release(),
    os: distro(),
    memoryMB: Math.round(totalmem() / (1024 * 1024)),
    ffmpeg: ffmpegVersion(),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
