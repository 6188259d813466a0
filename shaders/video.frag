#version 450
// Planar Y'CbCr (or G'B'R') to R'G'B' in one pass. The CPU folds bit depth, range and matrix into
// one affine transform, so this shader knows nothing about formats:
//   rgb = M * vec4(plane0, plane1, plane2, 1)   with each plane sampled as a normalised value.
layout(set = 0, binding = 0) uniform sampler2D u_plane0;
layout(set = 0, binding = 1) uniform sampler2D u_plane1;
layout(set = 0, binding = 2) uniform sampler2D u_plane2;

layout(push_constant) uniform Params {
    vec4 row0;
    vec4 row1;
    vec4 row2;
    vec4 chroma_shift;   // xy: offset added to uv when sampling planes 1 and 2 (chroma siting)
} pc;

layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 o_color;

void main() {
    vec2 cuv = v_uv + pc.chroma_shift.xy;
    vec4 s = vec4(texture(u_plane0, v_uv).r, texture(u_plane1, cuv).r, texture(u_plane2, cuv).r, 1.0);
    vec3 rgb = vec3(dot(pc.row0, s), dot(pc.row1, s), dot(pc.row2, s));
    o_color = vec4(clamp(rgb, 0.0, 1.0), 1.0);
}
