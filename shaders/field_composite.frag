#version 330 core
// The field panel at output resolution: the field texture (colour + boundary distance, bilinear),
// the p = 0.5 line anti-aliased from that distance, and the data points layer on top.
#include "field_common.glsl"
in vec2 v_uv;
uniform sampler2D u_field;        // RGBA8 from field.frag (COLOUR 1)
uniform sampler2D u_points;       // the panel's points, pixel for pixel, premultiplied alpha
uniform ivec2 u_panel_origin;     // the panel's lower-left pixel in the framebuffer
uniform float u_px_per_texel;     // output pixels per field texel
uniform float u_boundary_px;      // line width in output pixels
uniform vec3 u_boundary_color;
uniform bool u_valid;             // false: the model has non-finite parameters
uniform vec3 u_invalid_color;
out vec4 frag_color;

void main() {
    vec3 color;
    if (u_valid) {
        vec4 f = texture(u_field, v_uv);
        float d = (f.a - 0.5) * 2.0 * BOUNDARY_RANGE * u_px_per_texel;
        float line = clamp(u_boundary_px * 0.5 + 0.5 - abs(d), 0.0, 1.0);
        color = mix(f.rgb, u_boundary_color, line);
    } else {
        // Diverged model: a hatched grey, never mistaken for a confident prediction.
        float stripe = step(0.5, fract((gl_FragCoord.x + gl_FragCoord.y) / 24.0));
        color = u_invalid_color * (0.75 + 0.25 * stripe);
    }
    vec4 points = texelFetch(u_points, ivec2(gl_FragCoord.xy) - u_panel_origin, 0);
    frag_color = vec4(color * (1.0 - points.a) + points.rgb, 1.0);
}
