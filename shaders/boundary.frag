#version 330 core
// The decision boundary (p = 0.5; top two classes equal), anti-aliased from the distance stored in the field texture's alpha, blended over
// the field's colours (source alpha = coverage), with field_composite.frag's arithmetic.
#include "field_common.glsl"
#include "boundary_line.glsl"
in vec2 v_uv;
uniform sampler2D u_field;
uniform float u_px_per_texel;     // output pixels per field texel
uniform float u_boundary_px;      // line width in output pixels
uniform vec3 u_boundary_color;
out vec4 frag_color;

void main() {
    float line = boundary_line(boundary_texels(texture(u_field, v_uv).a), u_px_per_texel, u_boundary_px);
    frag_color = vec4(u_boundary_color, line);
}
