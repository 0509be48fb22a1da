#version 330 core
// The viewport as a rectangle of two triangles (draw 6 vertices). llvmpipe recognises such a quad as
// a rectangle, which its 8-bit linear path can fill; fullscreen.vert's one large triangle it cannot.
out vec2 v_uv;
const vec2 CORNERS[6] = vec2[6](vec2(0.0, 0.0), vec2(1.0, 0.0), vec2(1.0, 1.0),
                                vec2(0.0, 0.0), vec2(1.0, 1.0), vec2(0.0, 1.0));
void main() {
    vec2 p = CORNERS[gl_VertexID];
    v_uv = p;
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
