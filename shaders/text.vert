#version 330 core
// One instanced quad per glyph (or per rounded background box), placed in frame pixels.
in vec2 in_corner;        // 0..1 corner of the unit quad
in vec4 in_rect;          // x0, y0, x1, y1 in pixels (top-left origin, y down)
in vec4 in_uv;            // u0, v0, u1, v1 atlas rectangle (v0 is the glyph's top row)
in vec4 in_color;         // straight RGBA
in float in_radius;       // < 0: glyph from the atlas; >= 0: rounded box with this corner radius (px)
uniform mat4 u_projection;  // frame pixels -> clip space (transforms.py)
out vec2 v_uv;
out vec4 v_color;
out vec2 v_local;         // pixels from the quad's centre (boxes)
flat out vec2 v_half;     // half size of the quad in pixels (boxes)
flat out float v_radius;

void main() {
    vec2 p = mix(in_rect.xy, in_rect.zw, in_corner);
    v_uv = mix(in_uv.xy, in_uv.zw, in_corner);
    v_color = in_color;
    v_half = 0.5 * (in_rect.zw - in_rect.xy);
    v_local = (in_corner - 0.5) * 2.0 * v_half;
    v_radius = in_radius;
    gl_Position = u_projection * vec4(p, 0.0, 1.0);
}
