#version 450
// A textured rectangle: corners in normalised device coordinates and texture coordinates come
// from push constants; four vertices as a triangle strip.
layout(push_constant) uniform Rect {
    vec4 pos;  // x0, y0, x1, y1 (NDC)
    vec4 uv;   // u0, v0, u1, v1
} r;
layout(location = 0) out vec2 v_uv;
void main() {
    vec2 t = vec2(float(gl_VertexIndex & 1), float((gl_VertexIndex >> 1) & 1));
    v_uv = mix(r.uv.xy, r.uv.zw, t);
    gl_Position = vec4(mix(r.pos.xy, r.pos.zw, t), 0.0, 1.0);
}
