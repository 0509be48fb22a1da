#version 330 core
// The tile spans the disc's bounding square (the data bounds of the field panel); the disc's outline,
// drawn before by discs.frag, stays visible around it.
in vec2 v_offset;
in float v_radius;
flat in vec2 v_tile;
uniform sampler2D u_atlas;
uniform float u_tile_side;   // texels along a tile's side
uniform float u_outline;     // px of the disc's outline left uncovered
out vec4 frag_color;

void main() {
    float r = length(v_offset);
    float coverage = clamp(v_radius - u_outline + 0.5 - r, 0.0, 1.0);
    if (coverage <= 0.0) discard;
    // Frame pixels grow downwards, data (and the tile's rows) upwards.
    vec2 t = vec2(0.5) + vec2(v_offset.x, -v_offset.y) / (2.0 * v_radius);
    t = clamp(t * u_tile_side, 0.5, u_tile_side - 0.5);   // filtering never reaches a neighbour's tile
    vec2 uv = (v_tile * u_tile_side + t) / vec2(textureSize(u_atlas, 0));
    frag_color = vec4(texture(u_atlas, uv).rgb, coverage);
}
