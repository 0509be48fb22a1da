#version 330 core
// The field panel's colours: the field texture, bilinearly stretched, and nothing else, so that
// llvmpipe can fill it on its 8-bit linear path (a texture fetch and constants only; see
// FieldCompositePass). The boundary line is drawn on top by boundary.vert/frag.
// SWAP_RB 1 for a driver whose fast copy between BGRA surfaces swaps red and blue (Mesa 22's
// llvmpipe): the swizzle and the swap cancel. Which one a target needs is measured, never assumed.
// @defines: SWAP_RB
in vec2 v_uv;
uniform sampler2D u_field;
out vec4 frag_color;

void main() {
#if SWAP_RB
    frag_color = vec4(texture(u_field, v_uv).bgr, 1.0);
#else
    frag_color = vec4(texture(u_field, v_uv).rgb, 1.0);
#endif
}
