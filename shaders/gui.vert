#version 330 core
// Dear ImGui's draw lists (the optional control panel): frame pixels, top-left origin, as ImGui lays out.
in vec2 in_pos;
in vec2 in_uv;
in vec4 in_color;           // 4 normalised bytes
uniform mat4 u_projection;  // frame pixels -> clip space (transforms.py)
out vec2 v_uv;
out vec4 v_color;

void main() {
    v_uv = in_uv;
    v_color = in_color;
    gl_Position = u_projection * vec4(in_pos, 0.0, 1.0);
}
