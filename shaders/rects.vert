#version 330 core
// Instanced solid rectangles in frame pixels: the background between the panels, in one draw
// (cheaper than one scissored clear per strip on a software renderer).
#include "common.glsl"
in vec2 in_corner;        // 0..1
in vec4 in_rect;          // x, y (top-left, px), width, height (px)
in vec3 in_color;
uniform vec4 u_view;        // the frame rectangle the viewport shows (common.glsl)
flat out vec3 v_color;

void main() {
    v_color = in_color;
    gl_Position = pixel_to_clip(in_rect.xy + in_corner * in_rect.zw, u_view);
}
