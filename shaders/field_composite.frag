#version 330 core
// The field panel at output resolution: the field texture (colour + boundary distance, bilinear) and
// the p = 0.5 line anti-aliased from that distance. The data points are drawn on top as discs.
// VALID 0 is the variant for a model with non-finite parameters: a hatched grey instead. It is a
// compile-time variant because a uniform branch made llvmpipe pay for both sides at every pixel.
// @defines: VALID
#include "field_common.glsl"
#include "boundary_line.glsl"
in vec2 v_uv;
uniform sampler2D u_field;        // RGBA8 from field.frag (COLOUR 1)
uniform float u_px_per_texel;     // output pixels per field texel
uniform float u_boundary_px;      // line width in output pixels
uniform vec3 u_boundary_color;
uniform vec3 u_invalid_color;
out vec4 frag_color;

void main() {
#if VALID
    vec4 f = texture(u_field, v_uv);
    float line = boundary_line(boundary_texels(f.a), u_px_per_texel, u_boundary_px);
    frag_color = vec4(mix(f.rgb, u_boundary_color, line), 1.0);
#else
    // Diverged model: never mistaken for a confident prediction.
    float stripe = step(0.5, fract((gl_FragCoord.x + gl_FragCoord.y) / 24.0));
    frag_color = vec4(u_invalid_color * (0.75 + 0.25 * stripe), 1.0);
#endif
}
