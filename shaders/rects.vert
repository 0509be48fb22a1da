#version 330 core
// Instanced solid rectangles in frame pixels: the background between the panels, in one draw
// (on llvmpipe a scissored glClear per strip cost ~0.8 ms each at 4K; a draw of all of them ~1).
#include "common.glsl"
in vec2 in_corner;        // 0..1
in vec4 in_rect;          // x, y (top-left, px), width, height (px)
in vec3 in_color;
uniform vec2 u_viewport;
flat out vec3 v_color;

void main() {
    v_color = in_color;
    gl_Position = pixel_to_clip(in_rect.xy + in_corner * in_rect.zw, u_viewport);
}
