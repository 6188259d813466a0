#version 450
layout(set = 0, binding = 0) uniform sampler2D atlas;
layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 color;
void main() { color = vec4(texture(atlas, v_uv).rgb, 1.0); }
