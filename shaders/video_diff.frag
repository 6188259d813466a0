#version 450
// The difference view of two takes: |A - B| in R'G'B', amplified. Each take's planes are converted
// as video.frag converts them (one affine transform per take, folded on the CPU); both are sampled
// at the same place of the picture, so takes of different sizes compare by position.
layout(set = 0, binding = 0) uniform sampler2D a_plane0;
layout(set = 0, binding = 1) uniform sampler2D a_plane1;
layout(set = 0, binding = 2) uniform sampler2D a_plane2;
layout(set = 0, binding = 3) uniform sampler2D b_plane0;
layout(set = 0, binding = 4) uniform sampler2D b_plane1;
layout(set = 0, binding = 5) uniform sampler2D b_plane2;

layout(push_constant) uniform Params {
    vec4 a_row0;
    vec4 a_row1;
    vec4 a_row2;
    vec4 b_row0;
    vec4 b_row1;
    vec4 b_row2;
    vec4 chroma_shift;  // xy: A's, zw: B's
    vec4 gain;          // x: the amplification
} pc;

layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 o_color;

void main() {
    vec2 auv = v_uv + pc.chroma_shift.xy;
    vec2 buv = v_uv + pc.chroma_shift.zw;
    vec4 a = vec4(texture(a_plane0, v_uv).r, texture(a_plane1, auv).r, texture(a_plane2, auv).r, 1.0);
    vec4 b = vec4(texture(b_plane0, v_uv).r, texture(b_plane1, buv).r, texture(b_plane2, buv).r, 1.0);
    vec3 ra = clamp(vec3(dot(pc.a_row0, a), dot(pc.a_row1, a), dot(pc.a_row2, a)), 0.0, 1.0);
    vec3 rb = clamp(vec3(dot(pc.b_row0, b), dot(pc.b_row1, b), dot(pc.b_row2, b)), 0.0, 1.0);
    o_color = vec4(clamp(abs(ra - rb) * pc.gain.x, 0.0, 1.0), 1.0);
}
