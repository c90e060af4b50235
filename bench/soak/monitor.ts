/**
 * The soak's monitor viewer, in its own process so the churn clients' load
 * never slows it: one WebSocket JPEG viewer that prints, once a second, a
 * JSON line with the frames received in that wall-clock second.
 * Usage: node monitor.js URL SERVICE CAMERA
 */
import WebSocket from 'ws';

const [url = '', service = 'reversing', camera = 'rear'] = process.argv.slice(2);
const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/stream`);
let frames = 0;
let accepted = false;
ws.on('open', () => ws.send(JSON.stringify({ type: 'request', service, camera, codec: 'jpeg' })));
ws.on('message', (data: Buffer, isBinary: boolean) => {
  if (isBinary) frames++;
  else {
    const m = JSON.parse(data.toString()) as { type: string };
    if (m.type === 'accepted') accepted = true;
    process.stdout.write(`${JSON.stringify({ message: m })}\n`);
  }
});
ws.on('close', (code) => {
  process.stdout.write(`${JSON.stringify({ closed: code })}\n`);
  process.exit(1);
});
ws.on('error', () => {});
// Count per whole wall-clock second: the first tick starts at the next second boundary.
setTimeout(
  () => {
    frames = 0;
    setInterval(() => {
      process.stdout.write(`${JSON.stringify({ t: Date.now(), fps: frames, accepted })}\n`);
      frames = 0;
    }, 1000);
  },
  1000 - (Date.now() % 1000),
);
process.on('SIGTERM', () => {
  ws.terminate();
  process.exit(0);
});
