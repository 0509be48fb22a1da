#version 330 core
// The p = 0.5 line over the field panel, drawn only in the cells of the field it can reach: the
// panel is split into cells of u_cell_texels field texels (6 vertices each, gl_VertexID / 6 is the
// cell), and a cell whose centre and corners all lie on one side of the boundary, farther from it
// than the cell's own reach, becomes an empty triangle pair. Then the line costs a few hundred
// cells' pixels instead of the whole panel's.
#include "field_common.glsl"
uniform sampler2D u_field;        // alpha: distance to the boundary (field_common.glsl)
uniform ivec2 u_cells;            // cells across, down
uniform float u_cell_texels;      // a cell's side in field texels
uniform float u_reach_texels;     // how far from the boundary the line still colours a pixel
out vec2 v_uv;

const vec2 CORNERS[6] = vec2[6](vec2(0.0, 0.0), vec2(1.0, 0.0), vec2(1.0, 1.0),
                                vec2(0.0, 0.0), vec2(1.0, 1.0), vec2(0.0, 1.0));
const vec2 SAMPLES[5] = vec2[5](vec2(0.5, 0.5), vec2(0.0, 0.0), vec2(1.0, 0.0), vec2(0.0, 1.0), vec2(1.0, 1.0));

float boundary_distance(vec2 uv) {
    return boundary_texels(textureLod(u_field, uv, 0.0).a);
}

void main() {
    int cell = gl_VertexID / 6;
    vec2 origin = vec2(cell % u_cells.x, cell / u_cells.x);
    vec2 cell_uv = u_cell_texels / vec2(textureSize(u_field, 0));
    // Every point of the cell is within half a side of one of the samples (centre and corners).
    float needed = 0.5 * u_cell_texels + u_reach_texels + 3.0;  // + 3 texels: the distance is an estimate
    bool crossed = false;
    float nearest = BOUNDARY_RANGE;
    float first = boundary_distance(min((origin + SAMPLES[0]) * cell_uv, vec2(1.0)));
    for (int i = 0; i < 5; ++i) {
        float d = boundary_distance(min((origin + SAMPLES[i]) * cell_uv, vec2(1.0)));
        crossed = crossed || (d < 0.0) != (first < 0.0);
        nearest = min(nearest, abs(d));
    }
    vec2 uv = min((origin + CORNERS[gl_VertexID % 6]) * cell_uv, vec2(1.0));
    v_uv = uv;
    bool far = !crossed && nearest >= needed;
    gl_Position = far ? vec4(0.0, 0.0, 0.0, 1.0) : vec4(uv * 2.0 - 1.0, 0.0, 1.0);
}
