#version 330 core
// The p = 0.5 line, anti-aliased from the distance stored in the field texture's alpha, blended over
// the field's colours (source alpha = coverage), with field_composite.frag's arithmetic.
#include "field_common.glsl"
in vec2 v_uv;
uniform sampler2D u_field;
uniform float u_px_per_texel;     // output pixels per field texel
uniform float u_boundary_px;      // line width in output pixels
uniform vec3 u_boundary_color;
out vec4 frag_color;

void main() {
    float d = boundary_texels(texture(u_field, v_uv).a) * u_px_per_texel;
    frag_color = vec4(u_boundary_color, line_coverage(d, u_boundary_px));
}
