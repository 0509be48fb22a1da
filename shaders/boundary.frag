#version 330 core
// The p = 0.5 line, anti-aliased from the distance stored in the field texture's alpha, blended over
// the field's colours (source alpha = coverage). The same arithmetic as field_composite.frag's.
#include "field_common.glsl"
in vec2 v_uv;
uniform sampler2D u_field;
uniform float u_px_per_texel;     // output pixels per field texel
uniform float u_boundary_px;      // line width in output pixels
uniform vec3 u_boundary_color;
out vec4 frag_color;

void main() {
    float d = (texture(u_field, v_uv).a - 0.5) * 2.0 * BOUNDARY_RANGE * u_px_per_texel;
    frag_color = vec4(u_boundary_color, clamp(u_boundary_px * 0.5 + 0.5 - abs(d), 0.0, 1.0));
}
