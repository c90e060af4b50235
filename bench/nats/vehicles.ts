/**
 * The recorded-vehicle process (bench/nats/recordedVehicle.ts): many
 * vehicles in one light process, each with its own NATS connection, so the
 * bench meters them apart from nats-server and the gateway. Driven over IPC
 * by the bench (bench/child.ts); every command gets one reply.
 */
import { readFileSync } from 'node:fs';
import { RecordedVehicle, type RecordedVehicleStats } from './recordedVehicle.js';

export type VehiclesCommand = { op: 'start'; natsUrl: string; framesFile: string; vehicles: string[]; fps: number } | { op: 'stats' } | { op: 'stop' };

const fleet: RecordedVehicle[] = [];

/** The frames file of bench/floor.ts's packFrames (u32le length + bytes, repeated); floor.js is not imported: it is a process entry itself. */
function unpackFrames(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off + 4 <= buf.length; ) {
    const len = buf.readUInt32LE(off);
    out.push(buf.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

async function handle(cmd: VehiclesCommand): Promise<unknown> {
  switch (cmd.op) {
    case 'start': {
      const frames = unpackFrames(readFileSync(cmd.framesFile));
      if (frames.length === 0) throw new Error('no recorded frames');
      const started = cmd.vehicles.map((name) => new RecordedVehicle(name, frames, cmd.fps));
      fleet.push(...started);
      await Promise.all(started.map((v) => v.start(cmd.natsUrl)));
      return { vehicles: fleet.length };
    }
    case 'stats':
      return fleet.map((v) => v.stats()) satisfies RecordedVehicleStats[];
    case 'stop':
      await Promise.all(fleet.splice(0).map((v) => v.stop()));
      return {};
  }
}

process.on('message', (msg: { id: number; cmd: VehiclesCommand }) => {
  handle(msg.cmd).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: Error) => process.send?.({ id: msg.id, ok: false, error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
