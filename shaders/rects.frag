#version 330 core
// Edge-exact: rectangles on whole pixels need no anti-aliasing. Blending (if any) is the caller's.
flat in vec4 v_color;
out vec4 frag_color;

void main() {
    frag_color = v_color;
}
