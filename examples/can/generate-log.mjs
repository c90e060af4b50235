#!/usr/bin/env node
/**
 * Writes reverse-park.log: a 12 s candump -L recording of a car backing into
 * a bay and driving off again, encoded as revcam.dbc describes.
 *
 *   node examples/can/generate-log.mjs > examples/can/reverse-park.log
 *
 * Deterministic: the same script always writes the same bytes. Story:
 *   0.0 s P, parked; sensors see nothing (0xFFFF)
 *   1.0 s R; speed up to ~4 km/h; wheel turned left to +380.5 deg (3.5 s),
 *         then back through straight to -25.3 deg (6.0 s) and straight (6.5 s);
 *         rear sensors close in from 2.5 m to 0.3 m (7.0 s)
 *   7.0 s stop; 7.5 s N; 7.8 s D, speed rising to 15.5 km/h (11.0 s),
 *         CurrentGear 2 above 12 km/h; the sensors open up again
 * Also on the bus: an engine message revcam does not map (0x100) and, once,
 * an error frame, as a real recording would have.
 */

const T0_US = 1_700_000_000_000_000;
const IFACE = 'vcan0';
const END_S = 12;

/** Piecewise-linear: points [[t, v], ...], held flat outside. */
function curve(points) {
  return (t) => {
    if (t <= points[0][0]) return points[0][1];
    for (let i = 1; i < points.length; i++) {
      const [t1, v1] = points[i];
      const [t0, v0] = points[i - 1];
      if (t <= t1) return t1 === t0 ? v1 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
    }
    return points[points.length - 1][1];
  };
}

const steeringDeg = curve([[1.5, 0], [3.5, 380.5], [4.0, 380.5], [6.0, -25.3], [6.5, 0]]);
const speedKmh = curve([[1.0, 0], [2.0, 4.2], [5.0, 4.6], [6.5, 3.2], [7.0, 0], [7.8, 0], [11.0, 15.5]]);
/** Inner sensors; the outer ones read 10% further. Metres; null = nothing in range. */
const innerM = curve([[1.0, 2.5], [7.0, 0.3], [7.8, 0.3], [11.0, 2.4]]);

function gearsAt(t, speed) {
  if (t < 1.0) return { selected: 126, current: 0 }; // P
  if (t < 7.5) return { selected: -1, current: -1 }; // R
  if (t < 7.8) return { selected: 0, current: 0 }; // N
  return { selected: 127, current: speed > 12 ? 2 : 1 }; // D
}

const u8 = (v) => v & 0xff;
const le16 = (v) => [v & 0xff, (v >> 8) & 0xff];
const hex = (bytes) => bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
const stamp = (us) => `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
const line = (us, id, bytes) => `(${stamp(us)}) ${IFACE} ${id}#${hex(bytes)}`;

const out = [];
for (let tick = 0; tick * 50 <= END_S * 1000; tick++) {
  const ms = tick * 50; // 20 Hz
  const t = ms / 1000;
  const base = T0_US + ms * 1000;
  const speed = Math.round(speedKmh(t) * 100) / 100;
  const g = gearsAt(t, speed);
  out.push(line(base, '1F5', [u8(g.selected), u8(g.current)]));
  out.push(line(base + 1000, '0C5', le16(Math.round(steeringDeg(t) * 10))));
  out.push(line(base + 2000, '0D0', le16(Math.round(speed * 100))));
  if (tick % 2 === 0) {
    // 10 Hz: parking sensors (cm) and an unmapped engine message.
    const inner = t < 1.0 ? null : innerM(t);
    const cm = (m) => (m === null || m >= 5 ? 0xffff : Math.round(m * 100));
    const outer = inner === null ? null : inner * 1.1;
    out.push(line(base + 3000, '3A0', [...le16(cm(outer)), ...le16(cm(inner)), ...le16(cm(inner)), ...le16(cm(outer))]));
    out.push(line(base + 4000, '100', [...le16(800 + tick * 3), 0, 0, 0, 0, 0, 0]));
  }
  if (ms === 5000) out.push(line(base + 5000, '20000004', [0, 0x04, 0, 0, 0, 0, 0, 0])); // controller error frame
}
process.stdout.write(out.join('\n') + '\n');
