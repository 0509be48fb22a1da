#version 330 core
// Instanced solid rectangles in frame pixels: the background between the panels, in one draw
// (cheaper than one scissored clear per strip on a software renderer).
in vec2 in_corner;        // 0..1
in vec4 in_rect;          // x, y (top-left, px), width, height (px)
in vec3 in_color;
uniform mat4 u_projection;  // frame pixels -> clip space (transforms.py)
flat out vec3 v_color;

void main() {
    v_color = in_color;
    gl_Position = u_projection * vec4(in_rect.xy + in_corner * in_rect.zw, 0.0, 1.0);
}
