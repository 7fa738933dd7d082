/**
 * The AR view's drawing: a small box per anchor (coloured like on the plan, with a nose on its forward
 * axis) and a flat ring-like marker where the hit test meets a surface. WebGL with one shader; poses come
 * in the session's reference space, one draw per view (both eyes on a headset).
 */
import type { Pose } from '@cairn/shared';
import type { XRViewLike, XRWebGLLayerLike } from './xr-types.js';

export interface Box {
  pose: Pose;
  /** Half extents in meters, in the pose's own frame. */
  size: [number, number, number];
  color: [number, number, number, number];
}

const VS = `#version 300 es
in vec3 a_pos; uniform mat4 u_proj, u_view, u_model; uniform vec3 u_size;
void main() { gl_Position = u_proj * u_view * u_model * vec4(a_pos * u_size, 1.0); }`;
const FS = `#version 300 es
precision mediump float; uniform vec4 u_color; out vec4 color;
void main() { color = u_color; }`;

// A unit cube, two triangles per face.
const CUBE = new Float32Array(
  [
    [-1, -1, 1, 1, -1, 1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, 1, 1],
    [1, -1, -1, -1, -1, -1, -1, 1, -1, 1, -1, -1, -1, 1, -1, 1, 1, -1],
    [-1, -1, -1, -1, -1, 1, -1, 1, 1, -1, -1, -1, -1, 1, 1, -1, 1, -1],
    [1, -1, 1, 1, -1, -1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 1, 1, 1],
    [-1, 1, 1, 1, 1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1, 1, -1],
    [-1, -1, -1, 1, -1, -1, 1, -1, 1, -1, -1, -1, 1, -1, 1, -1, -1, 1],
  ].flat(),
);

/** Column-major model matrix of a pose (rotate by q, then translate by p). */
export function poseMatrix({ p, q }: Pose): Float32Array {
  const [x, y, z, w] = q;
  return new Float32Array([
    1 - 2 * (y * y + z * z), 2 * (x * y + z * w), 2 * (x * z - y * w), 0,
    2 * (x * y - z * w), 1 - 2 * (x * x + z * z), 2 * (y * z + x * w), 0,
    2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y), 0,
    p[0], p[1], p[2], 1,
  ]);
}

function compile(gl: WebGL2RenderingContext): WebGLProgram {
  const program = gl.createProgram();
  for (const [type, src] of [[gl.VERTEX_SHADER, VS], [gl.FRAGMENT_SHADER, FS]] as const) {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, src);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(shader) ?? ''}`);
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program) ?? ''}`);
  return program;
}

export function createArRenderer(gl: WebGL2RenderingContext) {
  const program = compile(gl);
  const vao = gl.createVertexArray();
  gl.bindVertexArray(vao);
  const buf = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, buf);
  gl.bufferData(gl.ARRAY_BUFFER, CUBE, gl.STATIC_DRAW);
  const loc = gl.getAttribLocation(program, 'a_pos');
  gl.enableVertexAttribArray(loc);
  gl.vertexAttribPointer(loc, 3, gl.FLOAT, false, 0, 0);
  const u = (name: string) => gl.getUniformLocation(program, name);
  const [uProj, uView, uModel, uSize, uColor] = ['u_proj', 'u_view', 'u_model', 'u_size', 'u_color'].map(u);

  return {
    draw(layer: XRWebGLLayerLike, views: readonly XRViewLike[], boxes: readonly Box[]): void {
      gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
      gl.enable(gl.DEPTH_TEST);
      gl.useProgram(program);
      gl.bindVertexArray(vao);
      for (const view of views) {
        const vp = layer.getViewport(view);
        if (!vp) continue;
        gl.viewport(vp.x, vp.y, vp.width, vp.height);
        gl.uniformMatrix4fv(uProj ?? null, false, view.projectionMatrix);
        gl.uniformMatrix4fv(uView ?? null, false, view.transform.inverse.matrix);
        for (const b of boxes) {
          gl.uniformMatrix4fv(uModel ?? null, false, poseMatrix(b.pose));
          gl.uniform3fv(uSize ?? null, b.size);
          gl.uniform4fv(uColor ?? null, b.color);
          gl.drawArrays(gl.TRIANGLES, 0, 36);
        }
      }
    },
  };
}
