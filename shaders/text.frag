#version 330 core
// Glyphs: coverage from the single-channel atlas (supersampled, mipmapped).
// Boxes: coverage of a rounded rectangle from its signed distance, 1 px anti-aliased edge.
in vec2 v_uv;
in vec4 v_color;
in vec2 v_local;
flat in vec2 v_half;
flat in float v_radius;
uniform sampler2D u_atlas;
out vec4 f_color;

void main() {
    // Sampled unconditionally: implicit derivatives must not sit in a branch.
    // A negative LOD bias keeps minified glyphs crisp; the padding absorbs the extra reach.
    float glyph = texture(u_atlas, v_uv, -0.6).r;
    vec2 q = abs(v_local) - v_half + v_radius;
    float d = length(max(q, 0.0)) + min(max(q.x, q.y), 0.0) - v_radius;
    float box = clamp(0.5 - d, 0.0, 1.0);
    float coverage = v_radius < 0.0 ? glyph : box;
    f_color = vec4(v_color.rgb, v_color.a * coverage);
}
