/**
 * The surround view on the GPU: one WebGL2 fragment shader that, for every
 * output pixel, takes the ground point it shows (surroundToGround), projects
 * it through each camera's extrinsics and fisheye model (the GLSL mirrors
 * src/wire/camera.ts as viewShader.ts does), leaves out the cameras the car's
 * own body hides it from (hiddenByCar) and blends the cameras that see
 * it by their margin to the edge of their usable field (surroundGeometry.ts:
 * usableMargin, marginWeight), in linear light, each times its photometric
 * gain. No lookup table: a changed calibration shows in the next frame.
 *
 * Where only a lost camera sees the ground the pixel is hatched red; where no
 * camera sees it at all, hatched grey ("not seen"): never a black that could
 * pass for asphalt, never a frozen patch.
 *
 * The same program's second pass (uPass 1) measures the overlaps for the gain
 * solve (gainSolver.ts): into a 4 x 4 target, pixel (i, j) is camera i's mean
 * linear colour over the ground both i and j see (a 40 x 48 grid over the
 * area; samples that are clipped, near black or strongly coloured in either
 * camera are left out: tall objects at a seam look different to each; so are
 * samples where either camera's picture is not flat within 8 cm: paint edges
 * and stripes, where misregistration or blur differ between cameras), read
 * back: 64 bytes.
 *
 * Cost: performance.now() around the uploads and around the draw, closed by
 * a 1-pixel readPixels on every SAMPLE_EVERY-th frame (as viewShader.ts:
 * gl.finish() does not wait for SwiftShader). The overlap means are read
 * back asynchronously (into a pixel-pack buffer behind a fence, collected at
 * a later draw), so the gain solve never stalls the page.
 */
import { cameraRotation, type CameraModel } from '../../wire/camera.js';
import type { RGB } from './gainSolver.js';
import { BODY_EDGE_M, type CarShape, type SurroundGeometry, type Usable } from './surroundGeometry.js';
import { linkProgram, useFullScreenProgram, webGl2Canvas } from '../glProgram.js';

export const SAMPLE_EVERY = 20;
/** Both cameras must see an overlap sample at least this far (radians, 3°) inside their fields. */
export const OVERLAP_MIN_MARGIN = 0.05;
export const STATS_GRID: readonly [number, number] = [40, 48];
/** An overlap sample counts only where each camera sees the ground this far across and along as bright (within FLAT_TOLERANCE), m. */
export const FLAT_STEP_M = 0.08;
export const FLAT_TOLERANCE = 0.1;

const VERTEX = `#version 300 es
in vec2 aPos;
void main() { gl_Position = vec4(aPos, 0.0, 1.0); }
`;

const FRAGMENT = `#version 300 es
precision highp float;
uniform sampler2D uTex0;
uniform sampler2D uTex1;
uniform sampler2D uTex2;
uniform sampler2D uTex3;
uniform int uPass;          // 0 the picture, 1 the overlap means
uniform vec2 uOut;          // output size, px (the picture's, also in pass 1)
uniform vec2 uOrigin;       // ground [lateral, behind] at the output's top-left
uniform float uMPerPx;
uniform vec2 uCar;          // half width, length
// Per camera (wire/camera.ts)
uniform vec2 uF[4];
uniform vec2 uC[4];
uniform vec4 uK[4];
uniform int uFisheye[4];
uniform vec2 uSrc[4];
uniform int uMirror[4];
uniform mat3 uR[4];
uniform vec3 uMount[4];     // lateralM, longitudinalM, heightM
uniform vec2 uUsable[4];    // max angle (rad), body rows
uniform float uCosMax[4];   // cos(max angle)
uniform int uState[4];      // 0 none, 1 live, 2 lost
uniform vec3 uGain[4];
uniform float uMinMargin;
uniform vec2 uGrid;
out vec4 outColor;
const float BODY_EDGE_M = ${BODY_EDGE_M.toFixed(3)};
const float FLAT_STEP_M = ${FLAT_STEP_M.toFixed(3)};
const float FLAT_TOLERANCE = ${FLAT_TOLERANCE.toFixed(3)};

vec3 toLinear(vec3 c) { return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(vec3(0.04045), c)); }
vec3 toSrgb(vec3 l) {
  l = clamp(l, 0.0, 1.0);
  return mix(l * 12.92, 1.055 * pow(l, vec3(1.0 / 2.4)) - 0.055, step(vec3(0.0031308), l));
}

vec3 tex(int i, vec2 uv) {
  if (i == 0) return textureLod(uTex0, uv, 0.0).rgb;
  if (i == 1) return textureLod(uTex1, uv, 0.0).rgb;
  if (i == 2) return textureLod(uTex2, uv, 0.0).rgb;
  return textureLod(uTex3, uv, 0.0).rgb;
}

// distortionScale: θd/r.
float distortionScale(int i, float r) {
  if (uFisheye[i] == 0 || r <= 1e-9) return 1.0;
  float t = atan(r);
  float t2 = t * t;
  vec4 k = uK[i];
  return t * (1.0 + t2 * (k.x + t2 * (k.y + t2 * (k.z + t2 * k.w)))) / r;
}

// hiddenByCar (surroundGeometry.ts): seen from above, the sight line from the mount to g crosses the footprint.
bool hiddenByCar(vec2 m, vec2 g) {
  vec2 lo = vec2(-uCar.x, -uCar.y) + BODY_EDGE_M;
  vec2 hi = vec2(uCar.x, 0.0) - BODY_EDGE_M;
  if (all(greaterThan(m, lo)) && all(lessThan(m, hi))) return false;
  vec2 d = g - m;
  float t0 = 0.0;
  float t1 = 1.0;
  for (int k = 0; k < 2; k++) {
    if (abs(d[k]) < 1e-9) {
      if (m[k] < lo[k] || m[k] > hi[k]) return false;
      continue;
    }
    float a = (lo[k] - m[k]) / d[k];
    float b = (hi[k] - m[k]) / d[k];
    t0 = max(t0, min(a, b));
    t1 = min(t1, max(a, b));
  }
  return t0 <= t1;
}

// usableMargin: radians inside camera i's usable field (<= 0: not seen), and the source pixel.
float usableMargin(int i, vec2 ground, out vec2 px) {
  vec3 m = uMount[i];
  px = vec2(-1.0);
  vec3 p = uR[i] * vec3(-(ground.x - m.x), m.z, ground.y - m.y);
  // Cheap rejections first (most pixels are outside two of the four fields): behind the camera, or beyond the usable cone.
  if (!(p.z > 1e-3) || p.z < uCosMax[i] * length(p)) return -1.0;
  if (hiddenByCar(m.xy, ground)) return -1.0;
  vec2 ab = p.xy / p.z;
  float r = length(ab);
  float theta = atan(r);
  vec2 q = uF[i] * distortionScale(i, r) * ab + uC[i];
  if (uMirror[i] == 1) q.x = uSrc[i].x - q.x;
  px = q;
  float edge = min(min(q.x, uSrc[i].x - q.x), min(q.y, uSrc[i].y - uUsable[i].y - q.y));
  return min(uUsable[i].x - theta, edge / uF[i].x);
}

bool inFootprint(vec2 g) { return abs(g.x) <= uCar.x && g.y >= -uCar.y && g.y <= 0.0; }


// Camera i's linear colour of ground point g, or vec3(-1) where it does not see g at least uMinMargin inside its field.
vec3 groundColour(int i, vec2 g) {
  vec2 px;
  if (usableMargin(i, g, px) < uMinMargin) return vec3(-1.0);
  return toLinear(tex(i, px / uSrc[i]));
}

float luma(vec3 c) { return dot(c, vec3(0.2126, 0.7152, 0.0722)); }

// Whether camera i sees the ground around g (FLAT_STEP_M across and along) as bright as at g, within FLAT_TOLERANCE.
bool flatAround(int i, vec2 g, vec3 c) {
  float l = luma(c);
  vec3 a = groundColour(i, g + vec2(FLAT_STEP_M, 0.0));
  vec3 b = groundColour(i, g + vec2(0.0, FLAT_STEP_M));
  return a.r >= 0.0 && b.r >= 0.0 && abs(luma(a) - l) <= FLAT_TOLERANCE * l && abs(luma(b) - l) <= FLAT_TOLERANCE * l;
}

void overlapMeans() {
  int i = int(gl_FragCoord.x);
  int j = int(gl_FragCoord.y);
  if (i == j || uState[i] != 1 || uState[j] != 1) { outColor = vec4(0.0); return; }
  vec3 sum = vec3(0.0);
  float n = 0.0;
  vec2 areaM = uOut * uMPerPx;
  for (int y = 0; y < int(uGrid.y); y++) {
    for (int x = 0; x < int(uGrid.x); x++) {
      vec2 g = uOrigin + (vec2(float(x), float(y)) + 0.5) / uGrid * areaM;
      if (inFootprint(g)) continue;
      vec3 ci = groundColour(i, g);
      vec3 cj = groundColour(j, g);
      if (ci.r < 0.0 || cj.r < 0.0) continue;
      // Ground only, as both see it: no clipped paint, no near-black, no strongly coloured things (a tall
      // object at a seam shows each camera a different part of itself: its colours would bias the gains).
      float hi = max(max(ci.r, ci.g), ci.b), hj = max(max(cj.r, cj.g), cj.b);
      float li = min(min(ci.r, ci.g), ci.b), lj = min(min(cj.r, cj.g), cj.b);
      if (hi > 0.5 || hj > 0.5 || hi < 0.01 || hj < 0.01 || li < 0.6 * hi || lj < 0.6 * hj) continue;
      // Flat ground only: at a paint edge, a stripe or an outline, centimetres of misregistration or one camera's
      // blur at a grazing angle change one camera's sample and not the other's (a pedestrian crossing seen from a
      // door mirror moved the means by 10 %).
      if (!flatAround(i, g, ci) || !flatAround(j, g, cj)) continue;
      sum += ci;
      n += 1.0;
    }
  }
  // 8 bits: the mean gamma-encoded (finer steps in the dark), the sample count as a fraction of the grid.
  outColor = n > 0.0 ? vec4(pow(sum / n, vec3(1.0 / 2.2)), n / (uGrid.x * uGrid.y)) : vec4(0.0);
}

void main() {
  if (uPass == 1) { overlapMeans(); return; }
  // Output pixel, y down from the top edge (canvas convention); its ground point.
  vec2 q = vec2(gl_FragCoord.x, uOut.y - gl_FragCoord.y);
  vec2 g = uOrigin + q * uMPerPx;
  if (inFootprint(g)) { outColor = vec4(0.1, 0.1, 0.11, 1.0); return; }
  vec3 acc = vec3(0.0);
  float wLive = 0.0;
  float wAll = 0.0;
  for (int i = 0; i < 4; i++) {
    if (uState[i] == 0) continue;
    vec2 px;
    float m = usableMargin(i, g, px);
    if (m <= 0.0) continue;
    float w = m * m;
    wAll += w;
    if (uState[i] == 1) {
      acc += w * uGain[i] * toLinear(tex(i, px / uSrc[i]));
      wLive += w;
    }
  }
  if (wLive > 0.0) { outColor = vec4(toSrgb(acc / wLive), 1.0); return; }
  float stripe = step(0.5, fract((gl_FragCoord.x + gl_FragCoord.y) / 18.0));
  // Only a lost camera sees it: red hatching. No camera at all: grey hatching.
  outColor = wAll > 0.0 ? vec4(mix(vec3(0.30, 0.04, 0.04), vec3(0.78, 0.12, 0.12), stripe), 1.0)
                        : vec4(mix(vec3(0.16), vec3(0.30), stripe), 1.0);
}
`;

/** One camera as the shader sees it. */
export interface ShaderCamera {
  model: CameraModel;
  usable: Usable;
  state: 'live' | 'lost';
}

export interface SurroundCost {
  /** The stitch pass to its last pixel (drawArrays + 1-pixel readPixels), ms; null on frames not sampled. */
  drawMs: number | null;
}

export class SurroundShader {
  readonly canvas: HTMLCanvasElement;
  readonly #gl: WebGL2RenderingContext;
  readonly #program: WebGLProgram;
  readonly #textures: Array<{ tex: WebGLTexture; size: string } | undefined> = [undefined, undefined, undefined, undefined];
  readonly #u = new Map<string, WebGLUniformLocation | null>();
  readonly #probe = new Uint8Array(4);
  readonly #stats = new Uint8Array(4 * 4 * 4);
  readonly #fbo: WebGLFramebuffer;
  readonly #pbo: WebGLBuffer;
  #fence: WebGLSync | null = null;
  #frames = 0;
  #lost = false;

  static create(onLost: () => void): SurroundShader | { error: string } {
    const made = webGl2Canvas();
    if ('error' in made) return made;
    try {
      return new SurroundShader(made.canvas, made.gl, onLost);
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  private constructor(canvas: HTMLCanvasElement, gl: WebGL2RenderingContext, onLost: () => void) {
    this.canvas = canvas;
    this.#gl = gl;
    this.#program = linkProgram(gl, VERTEX, FRAGMENT, 'surround shader');
    useFullScreenProgram(gl, this.#program);
    for (let i = 0; i < 4; i++) this.#set(`uTex${i}`, (l) => gl.uniform1i(l, i));
    // The overlap means' target: 4 x 4 RGBA8.
    const target = gl.createTexture();
    const fbo = gl.createFramebuffer();
    if (!target || !fbo) throw new Error('cannot create the overlap target');
    gl.activeTexture(gl.TEXTURE4);
    gl.bindTexture(gl.TEXTURE_2D, target);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA8, 4, 4);
    gl.bindFramebuffer(gl.FRAMEBUFFER, fbo);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, target, 0);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    this.#fbo = fbo;
    const pbo = gl.createBuffer();
    if (!pbo) throw new Error('cannot create the read-back buffer');
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, pbo);
    gl.bufferData(gl.PIXEL_PACK_BUFFER, this.#stats.byteLength, gl.STREAM_READ);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
    this.#pbo = pbo;
    canvas.addEventListener('webglcontextlost', (ev) => {
      ev.preventDefault();
      this.#lost = true;
      onLost();
    });
  }

  get lost(): boolean {
    return this.#lost;
  }

  /** Uploads camera `i`'s new picture into its texture (allocated once per size); returns the ms it took. */
  upload(i: number, image: ImageBitmap): number {
    const gl = this.#gl;
    const t0 = performance.now();
    const size = `${image.width}x${image.height}`;
    let slot = this.#textures[i];
    gl.activeTexture(gl.TEXTURE0 + i);
    if (!slot || slot.size !== size) {
      if (slot) gl.deleteTexture(slot.tex);
      const tex = gl.createTexture();
      if (!tex) throw new Error('cannot create a texture');
      slot = { tex, size };
      this.#textures[i] = slot;
      gl.bindTexture(gl.TEXTURE_2D, tex);
      gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA8, image.width, image.height);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    } else {
      gl.bindTexture(gl.TEXTURE_2D, slot.tex);
    }
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, gl.RGBA, gl.UNSIGNED_BYTE, image);
    return performance.now() - t0;
  }

  /** Draws the stitched picture into this.canvas (sized to g). `cams[i]` null: no such camera (or no picture yet). */
  render(g: SurroundGeometry, car: CarShape, cams: ReadonlyArray<ShaderCamera | null>, gains: readonly RGB[]): SurroundCost {
    const gl = this.#gl;
    if (this.canvas.width !== g.width || this.canvas.height !== g.height) {
      this.canvas.width = g.width;
      this.canvas.height = g.height;
    }
    this.#uniforms(g, car, cams, gains, 0);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, g.width, g.height);
    const t0 = performance.now();
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    if (this.#frames++ % SAMPLE_EVERY !== 0) return { drawMs: null };
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, this.#probe);
    return { drawMs: performance.now() - t0 };
  }

  /**
   * The overlap means (pass 1, read back): for each ordered pair (i, j) of
   * live cameras, camera i's mean linear colour over the ground both see.
   */
  measureOverlaps(g: SurroundGeometry, car: CarShape, cams: ReadonlyArray<ShaderCamera | null>): void {
    const gl = this.#gl;
    if (this.#fence) return; // the previous measurement is still on its way
    this.#uniforms(g, car, cams, [[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]], 1);
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.#fbo);
    gl.viewport(0, 0, 4, 4);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, this.#pbo);
    gl.readPixels(0, 0, 4, 4, gl.RGBA, gl.UNSIGNED_BYTE, 0);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    this.#fence = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
    gl.flush();
  }

  /**
   * The overlap means measured by measureOverlaps, once the GPU has them (null
   * until then): for each ordered pair (i, j) of live cameras, camera i's mean
   * linear colour over the ground both see.
   */
  collectOverlaps(): Array<{ i: number; j: number; mean: RGB; samples: number }> | null {
    const gl = this.#gl;
    const fence = this.#fence;
    if (!fence) return null;
    const status = gl.clientWaitSync(fence, 0, 0);
    if (status !== gl.ALREADY_SIGNALED && status !== gl.CONDITION_SATISFIED) return null;
    gl.deleteSync(fence);
    this.#fence = null;
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, this.#pbo);
    gl.getBufferSubData(gl.PIXEL_PACK_BUFFER, 0, this.#stats);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
    const out: Array<{ i: number; j: number; mean: RGB; samples: number }> = [];
    const total = STATS_GRID[0] * STATS_GRID[1];
    for (let j = 0; j < 4; j++) {
      for (let i = 0; i < 4; i++) {
        const o = (j * 4 + i) * 4;
        const samples = Math.round((this.#stats[o + 3]! / 255) * total);
        if (i === j || samples === 0) continue;
        const mean = [0, 1, 2].map((c) => (this.#stats[o + c]! / 255) ** 2.2) as RGB;
        out.push({ i, j, mean, samples });
      }
    }
    return out;
  }

  #uniforms(g: SurroundGeometry, car: CarShape, cams: ReadonlyArray<ShaderCamera | null>, gains: readonly RGB[], pass: 0 | 1): void {
    const gl = this.#gl;
    this.#set('uPass', (l) => gl.uniform1i(l, pass));
    this.#set('uOut', (l) => gl.uniform2f(l, g.width, g.height));
    this.#set('uOrigin', (l) => gl.uniform2f(l, g.origin[0], g.origin[1]));
    this.#set('uMPerPx', (l) => gl.uniform1f(l, g.mPerPx));
    this.#set('uCar', (l) => gl.uniform2f(l, car.widthM / 2, car.lengthM));
    this.#set('uMinMargin', (l) => gl.uniform1f(l, OVERLAP_MIN_MARGIN));
    this.#set('uGrid', (l) => gl.uniform2f(l, STATS_GRID[0], STATS_GRID[1]));
    const f: number[] = [], c: number[] = [], k: number[] = [], fish: number[] = [], src: number[] = [], mirror: number[] = [];
    const R: number[] = [], mount: number[] = [], usable: number[] = [], state: number[] = [], gain: number[] = [];
    for (let i = 0; i < 4; i++) {
      const cam = cams[i] ?? null;
      const m = cam?.model;
      f.push(m?.fx ?? 1, m?.fy ?? 1);
      c.push(m?.cx ?? 0, m?.cy ?? 0);
      k.push(...(m?.k ?? [0, 0, 0, 0]));
      fish.push(m?.model === 'fisheye' ? 1 : 0);
      src.push(m?.width ?? 1, m?.height ?? 1);
      mirror.push(m?.mirror ? 1 : 0);
      const r = m ? cameraRotation(m.mount) : [1, 0, 0, 0, 1, 0, 0, 0, 1];
      // GLSL matrices are column-major: transpose the row-major rotation.
      R.push(r[0]!, r[3]!, r[6]!, r[1]!, r[4]!, r[7]!, r[2]!, r[5]!, r[8]!);
      mount.push(m?.mount.lateralM ?? 0, m?.mount.longitudinalM ?? 0, m?.mount.heightM ?? 1);
      usable.push(((cam?.usable.maxAngleDeg ?? 0) * Math.PI) / 180, cam?.usable.bodyRows ?? 0);
      state.push(!cam ? 0 : cam.state === 'live' ? 1 : 2);
      gain.push(...(gains[i] ?? [1, 1, 1]));
    }
    this.#set('uF[0]', (l) => gl.uniform2fv(l, f));
    this.#set('uC[0]', (l) => gl.uniform2fv(l, c));
    this.#set('uK[0]', (l) => gl.uniform4fv(l, k));
    this.#set('uFisheye[0]', (l) => gl.uniform1iv(l, fish));
    this.#set('uSrc[0]', (l) => gl.uniform2fv(l, src));
    this.#set('uMirror[0]', (l) => gl.uniform1iv(l, mirror));
    this.#set('uR[0]', (l) => gl.uniformMatrix3fv(l, false, R));
    this.#set('uMount[0]', (l) => gl.uniform3fv(l, mount));
    this.#set('uUsable[0]', (l) => gl.uniform2fv(l, usable));
    this.#set('uCosMax[0]', (l) => gl.uniform1fv(l, [0, 1, 2, 3].map((i) => Math.cos(usable[2 * i]!))));
    this.#set('uState[0]', (l) => gl.uniform1iv(l, state));
    this.#set('uGain[0]', (l) => gl.uniform3fv(l, gain));
  }

  #set(name: string, fn: (l: WebGLUniformLocation) => void): void {
    if (!this.#u.has(name)) this.#u.set(name, this.#gl.getUniformLocation(this.#program, name));
    const l = this.#u.get(name);
    if (l) fn(l);
  }
}
