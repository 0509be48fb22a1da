#version 330 core
in vec2 v_offset;
in float v_radius;
in vec4 v_fill;
in vec4 v_outline;
out vec4 frag_color;

void main() {
    float r = length(v_offset);
    float coverage = clamp(v_radius + 0.5 - r, 0.0, 1.0);
    if (coverage <= 0.0) discard;
    float ring = clamp(r - (v_radius - v_outline.a) + 0.5, 0.0, 1.0);
    vec3 rgb = mix(v_fill.rgb, v_outline.rgb, ring * step(0.01, v_outline.a));
    float alpha = mix(v_fill.a, 1.0, ring * step(0.01, v_outline.a));
    frag_color = vec4(rgb, alpha * coverage);
}
