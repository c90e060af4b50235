/**
 * The WebGL2 plumbing the display's shaders share (the rear view's
 * viewShader.ts, the surround's surroundShader.ts): a program compiled and
 * linked with a readable error, drawn as one triangle that covers the
 * viewport, with the camera's colours uploaded as they are.
 */

/** Compiles and links; throws with the driver's log and `name` when either fails. */
export function linkProgram(gl: WebGL2RenderingContext, vs: string, fs: string, name: string): WebGLProgram {
  const compile = (type: number, src: string): WebGLShader => {
    const s = gl.createShader(type);
    if (!s) throw new Error('cannot create a shader');
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`${name}: ${gl.getShaderInfoLog(s) ?? 'compile failed'}`);
    return s;
  };
  const p = gl.createProgram();
  if (!p) throw new Error('cannot create a program');
  gl.attachShader(p, compile(gl.VERTEX_SHADER, vs));
  gl.attachShader(p, compile(gl.FRAGMENT_SHADER, fs));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`${name} link: ${gl.getProgramInfoLog(p) ?? 'failed'}`);
  return p;
}

/**
 * Makes `program` current, feeding its `aPos` one triangle larger than the
 * viewport (no seam down a diagonal, as two triangles would have); the
 * camera's colours are uploaded as they are (a colour-space conversion on
 * upload costs a read-back on software GL).
 */
export function useFullScreenProgram(gl: WebGL2RenderingContext, program: WebGLProgram): void {
  gl.useProgram(program);
  gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 3, -1, -1, 3]), gl.STATIC_DRAW);
  const loc = gl.getAttribLocation(program, 'aPos');
  gl.enableVertexAttribArray(loc);
  gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0);
  gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
}

/** A canvas and its WebGL2 context for a shader view, or why there is none. */
export function webGl2Canvas(): { canvas: HTMLCanvasElement; gl: WebGL2RenderingContext } | { error: string } {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2', { alpha: false, antialias: false, preserveDrawingBuffer: false });
  return gl ? { canvas, gl } : { error: 'WebGL2 not available' };
}
