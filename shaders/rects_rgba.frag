#version 330 core
// Edge-exact rectangles on whole pixels, blended by the scene (source over).
flat in vec4 v_color;
out vec4 frag_color;

void main() {
    frag_color = v_color;
}
