/**
 * The dewarp and top views on the GPU: one WebGL2 fragment shader that, for
 * every output pixel, finds the source-image pixel it shows and samples it.
 * The GLSL mirrors viewProjection.ts (viewToDewarpRay, topToGround) and
 * src/wire/camera.ts (vehicleToCamera, distortionScale, projectRay); the
 * unit tests test that TypeScript. Renders into its own canvas, which the
 * renderer stacks under the page's canvas (that one carries the guidelines).
 *
 * Cost: performance.now() around the texture upload (closed by gl.finish())
 * and around the draw, closed by a 1-pixel readPixels on every tenth frame
 * (gl.finish() does not wait for SwiftShader; EXT_disjoint_timer_query_webgl2
 * is not offered by Chromium's default software GL; docs/display.md).
 */
import { cameraRotation, type CameraModel } from '../wire/camera.js';
import type { ViewGeometry } from './viewProjection.js';
import { linkProgram, useFullScreenProgram, webGl2Canvas } from './glProgram.js';

const VERTEX = `#version 300 es
in vec2 aPos;
void main() { gl_Position = vec4(aPos, 0.0, 1.0); }
`;

const FRAGMENT = `#version 300 es
precision highp float;
uniform sampler2D uImage;
uniform vec2 uOut;          // output size, px
uniform int uKind;          // 1 dewarp, 2 top
// Camera (wire/camera.ts)
uniform vec2 uF;            // fx, fy
uniform vec2 uC;            // cx, cy
uniform vec4 uK;            // k1..k4
uniform bool uFisheye;
uniform vec2 uSrc;          // source image size the calibration refers to
uniform bool uMirror;
uniform mat3 uR;            // cameraRotation (row-major, uploaded transposed)
uniform vec3 uMount;        // lateralM, longitudinalM, heightM
// Views (viewProjection.ts)
uniform float uDewarpF;
uniform bool uDewarpMirror;
uniform vec4 uTop;          // scalePxPerM, bumperY, centreX, lateralSign
uniform bool uDim;
out vec4 outColor;

// distortionScale: θd/r.
float distortionScale(float r) {
  if (!uFisheye || r <= 1e-9) return 1.0;
  float t = atan(r);
  float t2 = t * t;
  return t * (1.0 + t2 * (uK.x + t2 * (uK.y + t2 * (uK.z + t2 * uK.w)))) / r;
}

// projectRay: camera-frame ray -> source pixel; false behind the camera.
bool projectRay(vec3 p, out vec2 uv) {
  if (!(p.z > 0.0)) return false;
  vec2 ab = p.xy / p.z;
  float s = distortionScale(length(ab));
  vec2 px = uF * s * ab + uC;
  if (uMirror) px.x = uSrc.x - px.x;
  uv = px;
  return true;
}

void main() {
  // Output pixel, y down from the top edge (canvas convention).
  vec2 q = vec2(gl_FragCoord.x, uOut.y - gl_FragCoord.y);
  vec3 ray;
  if (uKind == 1) {
    // viewToDewarpRay
    float dx = q.x - uOut.x * 0.5;
    ray = vec3((uDewarpMirror ? -dx : dx) / uDewarpF, (q.y - uOut.y * 0.5) / uDewarpF, 1.0);
  } else {
    // topToGround, then vehicleToCamera for (lateral, behind, 0)
    float lat = uTop.w * (q.x - uTop.z) / uTop.x;
    float behind = (uTop.y - q.y) / uTop.x;
    vec3 unrot = vec3(-(lat - uMount.x), uMount.z, behind - uMount.y);
    ray = uR * unrot;
    if (!(ray.z > 1e-3)) { outColor = vec4(0.0, 0.0, 0.0, 1.0); return; }
  }
  vec2 px;
  if (!projectRay(ray, px) || px.x < 0.0 || px.y < 0.0 || px.x > uSrc.x || px.y > uSrc.y) {
    outColor = vec4(0.0, 0.0, 0.0, 1.0);
    return;
  }
  vec3 c = texture(uImage, px / uSrc).rgb;
  if (uDim) c = vec3(dot(c, vec3(0.299, 0.587, 0.114)) * 0.45);
  outColor = vec4(c, 1.0);
}
`;

/** The shader pass is timed on every SAMPLE_EVERY-th frame (the first included). */
export const SAMPLE_EVERY = 10;

export interface ShaderCost {
  uploadMs: number;
  /** The shader pass to its last pixel (drawArrays + 1-pixel readPixels), ms; null on frames not sampled. */
  drawMs: number | null;
}

export class ViewShader {
  readonly canvas: HTMLCanvasElement;
  readonly #gl: WebGL2RenderingContext;
  readonly #program: WebGLProgram;
  #texture: WebGLTexture | undefined;
  #texSize = '';
  readonly #u = new Map<string, WebGLUniformLocation | null>();
  #lost = false;
  readonly #probe = new Uint8Array(4);
  #frames = 0;

  /** Null when WebGL2 is not available (or the shader does not compile): the caller falls back to 2D. */
  static create(onLost: () => void): ViewShader | { error: string } {
    const made = webGl2Canvas();
    if ('error' in made) return made;
    try {
      return new ViewShader(made.canvas, made.gl, onLost);
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  private constructor(canvas: HTMLCanvasElement, gl: WebGL2RenderingContext, onLost: () => void) {
    this.canvas = canvas;
    this.#gl = gl;
    this.#program = linkProgram(gl, VERTEX, FRAGMENT, 'shader');
    useFullScreenProgram(gl, this.#program);
    canvas.addEventListener('webglcontextlost', (ev) => {
      ev.preventDefault();
      this.#lost = true;
      onLost();
    });
  }

  get lost(): boolean {
    return this.#lost;
  }

  /** Draws `image` through view `g` into this.canvas (sized to g); returns what it cost. */
  render(image: ImageBitmap, cam: CameraModel, g: ViewGeometry, dim: boolean): ShaderCost {
    const gl = this.#gl;
    if (this.canvas.width !== g.width || this.canvas.height !== g.height) {
      this.canvas.width = g.width;
      this.canvas.height = g.height;
    }
    gl.viewport(0, 0, g.width, g.height);
    const t0 = performance.now();
    this.#ensureTexture(image.width, image.height);
    // Into storage allocated once per size: about half the cost of texImage2D here (docs/display.md).
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, gl.RGBA, gl.UNSIGNED_BYTE, image);
    gl.finish();
    const t1 = performance.now();
    const R = cameraRotation(cam.mount);
    this.#set('uImage', (l) => gl.uniform1i(l, 0));
    this.#set('uOut', (l) => gl.uniform2f(l, g.width, g.height));
    this.#set('uKind', (l) => gl.uniform1i(l, g.kind === 'dewarp' ? 1 : 2));
    this.#set('uF', (l) => gl.uniform2f(l, cam.fx, cam.fy));
    this.#set('uC', (l) => gl.uniform2f(l, cam.cx, cam.cy));
    this.#set('uK', (l) => gl.uniform4f(l, cam.k[0], cam.k[1], cam.k[2], cam.k[3]));
    this.#set('uFisheye', (l) => gl.uniform1i(l, cam.model === 'fisheye' ? 1 : 0));
    this.#set('uSrc', (l) => gl.uniform2f(l, cam.width, cam.height));
    this.#set('uMirror', (l) => gl.uniform1i(l, cam.mirror ? 1 : 0));
    // GLSL matrices are column-major: `true` transpose is not allowed in WebGL, so transpose here.
    this.#set('uR', (l) => gl.uniformMatrix3fv(l, false, [R[0]!, R[3]!, R[6]!, R[1]!, R[4]!, R[7]!, R[2]!, R[5]!, R[8]!]));
    this.#set('uMount', (l) => gl.uniform3f(l, cam.mount.lateralM, cam.mount.longitudinalM, cam.mount.heightM));
    if (g.kind === 'dewarp') {
      this.#set('uDewarpF', (l) => gl.uniform1f(l, g.f));
      this.#set('uDewarpMirror', (l) => gl.uniform1i(l, g.mirror ? 1 : 0));
    } else {
      this.#set('uTop', (l) => gl.uniform4f(l, g.scalePxPerM, g.bumperY, g.centreX, g.lateralSign));
    }
    this.#set('uDim', (l) => gl.uniform1i(l, dim ? 1 : 0));
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    // gl.finish() returns before SwiftShader has rasterised (measured 0.5-1 ms against ~70 ms): a 1-pixel
    // read cannot return before the pixels exist. It stalls the page, so only every SAMPLE_EVERY-th frame.
    if (this.#frames++ % SAMPLE_EVERY !== 0) return { uploadMs: t1 - t0, drawMs: null };
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, this.#probe);
    return { uploadMs: t1 - t0, drawMs: performance.now() - t1 };
  }

  #ensureTexture(w: number, h: number): void {
    const gl = this.#gl;
    if (this.#texture && this.#texSize === `${w}x${h}`) {
      gl.bindTexture(gl.TEXTURE_2D, this.#texture);
      return;
    }
    if (this.#texture) gl.deleteTexture(this.#texture);
    const tex = gl.createTexture();
    if (!tex) throw new Error('cannot create a texture');
    this.#texture = tex;
    this.#texSize = `${w}x${h}`;
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA8, w, h);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  }

  #set(name: string, fn: (l: WebGLUniformLocation) => void): void {
    if (!this.#u.has(name)) this.#u.set(name, this.#gl.getUniformLocation(this.#program, name));
    const l = this.#u.get(name);
    if (l) fn(l);
  }
}
