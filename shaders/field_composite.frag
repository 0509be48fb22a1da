#version 330 core
// Colours the field texture into the field panel: diverging colour map, anti-aliased p = 0.5 line.
// The logit is smooth where the probability saturates, so the boundary's distance is measured on it.
in vec2 v_uv;
uniform sampler2D u_field;      // (probability, logit), bilinear
uniform vec3 u_color_neg;       // class 0
uniform vec3 u_color_mid;
uniform vec3 u_color_pos;       // class 1
uniform vec3 u_boundary_color;
uniform float u_boundary_px;    // line width in output pixels
uniform float u_strength;       // how saturated the map gets (0..1)
uniform vec3 u_invalid_color;   // where the model's output is not a number
out vec4 frag_color;

void main() {
    vec2 f = texture(u_field, v_uv).rg;
    float p = f.r;
    float logit = f.g;
    if (p < 0.0 || isnan(p) || isnan(logit) || isinf(logit)) {
        // Diverged model: a hatched grey so it is never mistaken for a confident prediction.
        float stripe = step(0.5, fract((gl_FragCoord.x + gl_FragCoord.y) / 24.0));
        frag_color = vec4(u_invalid_color * (0.75 + 0.25 * stripe), 1.0);
        return;
    }
    float t = clamp(p * 2.0 - 1.0, -1.0, 1.0);   // -1 class 0 .. 1 class 1
    vec3 side = t < 0.0 ? u_color_neg : u_color_pos;
    float k = pow(abs(t), 0.8) * u_strength;
    vec3 color = mix(u_color_mid, side, k);
    // Distance to the boundary in pixels, from the screen-space derivative of the logit.
    float w = max(fwidth(logit), 1e-6);
    float d = abs(logit) / w;
    float line = clamp(u_boundary_px * 0.5 + 0.5 - d, 0.0, 1.0);
    frag_color = vec4(mix(color, u_boundary_color, line), 1.0);
}
