#version 330 core
// ImGui's colour times its texture (the font atlas, or white for shapes); blended source-over.
in vec2 v_uv;
in vec4 v_color;
uniform sampler2D u_texture;
out vec4 frag_color;

void main() {
    frag_color = v_color * texture(u_texture, v_uv);
}
