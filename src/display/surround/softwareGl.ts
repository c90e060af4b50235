/**
 * Whether this page's WebGL2 is drawn in software (SwiftShader, llvmpipe):
 * Chromium without a GPU. The surround shader then takes 100-300 ms a frame
 * on two cores (docs/display.md), and its four streams starve the rear
 * camera's: the page's default split layout is not chosen there, so the
 * rear view stays live. Asking for it (?layout=split, ?view=surround) still
 * shows it.
 */
export function softwareWebGl(doc: Document): { software: boolean; renderer: string } {
  const gl = doc.createElement('canvas').getContext('webgl2');
  if (!gl) return { software: true, renderer: 'none' };
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { software: /swiftshader|llvmpipe|softpipe|software/i.test(renderer), renderer };
}
