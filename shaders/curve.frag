#version 330 core
// A curve segment in one colour; the 1 px fringe across it carries the anti-aliasing.
in float v_across;
in float v_half_width;
uniform vec4 u_color;
out vec4 frag_color;

void main() {
    float coverage = clamp(v_half_width + 0.5 - abs(v_across), 0.0, 1.0);
    frag_color = vec4(u_color.rgb, u_color.a * coverage);
}
