#version 330 core
// Instanced rectangles with their own opacity, in frame pixels: the legend's translucent backing,
// its swatches and its colour bar in one draw.
in vec2 in_corner;        // 0..1
in vec4 in_rect;          // x, y (top-left, px), width, height (px)
in vec4 in_color;         // straight RGBA
uniform mat4 u_projection;  // frame pixels -> clip space (transforms.py)
flat out vec4 v_color;

void main() {
    v_color = in_color;
    gl_Position = u_projection * vec4(in_rect.xy + in_corner * in_rect.zw, 0.0, 1.0);
}
