#version 330 core
// Instanced rectangles in frame pixels, each its own straight RGBA: the background between the panels
// (opaque, in one draw: cheaper than one scissored clear per strip on a software renderer), the
// timeline's bar, the legend's backing, swatches and colour bar.
in vec2 in_corner;        // 0..1
in vec4 in_rect;          // x, y (top-left, px), width, height (px)
in vec4 in_color;         // straight RGBA
uniform mat4 u_projection;  // frame pixels -> clip space (transforms.py)
flat out vec4 v_color;

void main() {
    v_color = in_color;
    gl_Position = u_projection * vec4(in_rect.xy + in_corner * in_rect.zw, 0.0, 1.0);
}
