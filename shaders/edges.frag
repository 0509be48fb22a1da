#version 330 core
// Colour by sign, opacity by strength; learning edges turn red with the seed's dash-dot.
in float v_across;
in float v_along;
in float v_half_width;
in float v_strength;
in float v_learning;
uniform vec3 u_color_pos;
uniform vec3 u_color_neg;
uniform vec3 u_color_learning;
uniform vec3 u_color_invalid;
uniform float u_dash_px;      // length of one dash-dot period
uniform float u_thin_px;      // below this width a line fades instead of shrinking
out vec4 frag_color;

void main() {
    float coverage = clamp(v_half_width + 0.5 - abs(v_across), 0.0, 1.0);
    // Lines thinner than a pixel fade instead of aliasing.
    coverage *= clamp(v_half_width * 2.0 / u_thin_px, 0.25, 1.0);
    if (v_learning < 0.0) {
        // Non-finite weight: grey, finely dashed.
        float gap = step(0.5, fract(v_along / (u_dash_px * 0.5)));
        frag_color = vec4(u_color_invalid, coverage * mix(0.9, 0.2, gap));
        return;
    }
    vec3 color = v_strength >= 0.0 ? u_color_pos : u_color_neg;
    float alpha = mix(0.35, 0.95, abs(v_strength));
    if (v_learning > 0.0) {
        // dash (0..0.55), gap, dot (0.7..0.8), gap: the seed's '-.' line style.
        float t = fract(v_along / u_dash_px);
        float on = step(t, 0.55) + step(0.7, t) * step(t, 0.8);
        color = mix(color, u_color_learning, v_learning * on);
        alpha = mix(alpha, mix(alpha * 0.35, 1.0, on), v_learning);
    }
    frag_color = vec4(color, alpha * coverage);
}
