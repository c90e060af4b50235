/** POST /api/signals, the signal bus's HTTP input, in its human-friendly form (src/signals/vehicleInput.ts). */
import http from 'node:http';

export interface SignalsPostError extends Error {
  code: string;
  status: number;
}

/** Posts vehicle input; rejects with code NOT_FOUND when the route does not exist yet. */
export function postSignals(base: string, body: Record<string, unknown>): Promise<unknown> {
  const url = new URL('/api/signals', base.replace(/^ws/, 'http'));
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        let parsed: unknown = raw;
        try {
          parsed = JSON.parse(raw);
        } catch {
          /* not JSON */
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(parsed);
        const code = status === 404 || status === 405 ? 'NOT_FOUND' : ((parsed as { error?: { code?: string } })?.error?.code ?? `HTTP_${status}`);
        reject(Object.assign(new Error(`POST /api/signals answered ${status}: ${raw.slice(0, 200)}`), { code, status }));
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}
