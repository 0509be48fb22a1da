#version 330 core
// Instanced anti-aliased discs with an outline: neurons and data points.
#include "common.glsl"
in vec2 in_corner;        // -1..1
in vec3 in_disc;          // centre.xy px, radius px
in vec4 in_fill;
in vec4 in_outline;       // rgb, width px
uniform vec4 u_view;        // the frame rectangle the viewport shows (common.glsl)
out vec2 v_offset;        // pixels from the centre
out float v_radius;
out vec4 v_fill;
out vec4 v_outline;

void main() {
    float reach = in_disc.z + 1.0;
    v_offset = in_corner * reach;
    v_radius = in_disc.z;
    v_fill = in_fill;
    v_outline = in_outline;
    gl_Position = pixel_to_clip(in_disc.xy + v_offset, u_view);
}
