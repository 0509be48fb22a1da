#version 330 core
// The model's output at every fragment: the MLP is unrolled at compile time.
// @defines: N_PARAMS N_VEC4 MAX_WIDTH HIDDEN_ACTIVATION HIDDEN_DISPLAY MLP_LAYERS INPUTS OUTPUT_KIND N_OUT PARAMS_IN_TEXTURE PROBE COLOUR ATLAS ATLAS_LOCATE
//
// OUTPUT_KIND: 0 binary (one logistic output), 1 multiclass (N_OUT softmax outputs), 2 regression (one
// identity output). INPUTS computes the input features from the point x (features.py).
// COLOUR 1 writes what the frame shows (RGBA8: colour, distance to the decision boundary in alpha);
// COLOUR 0 writes raw floats, for measurements: binary (probability, logit), multiclass the
// probabilities of classes u_first_class..+3, regression (value, value).
//
// MLP_LAYERS expands to one LAYER(index, n_in, n_out, offset, ACT) per layer (LAYER_STEPS, below, for
// a large network); parameters of a layer are its weights, row-major (n_in x n_out), then its n_out
// biases, starting at `offset`.
// Weights are data (uniforms or a float texture): a new snapshot is a write, never a recompile.
// ATLAS 1 (with COLOUR) draws every hidden neuron's own field at once, one square tile per neuron, the
// hidden neurons in order, row by row from the bottom (neuron_fields.py); each tile spans the data bounds.
// ATLAS_LOCATE turns the tile's index k into (probe_layer, probe_neuron).

in vec2 v_uv;
uniform vec2 u_data_origin;   // data coordinates at the viewport's lower-left corner
uniform vec2 u_data_span;     // data extent covered by the viewport
#if PROBE
uniform int u_probe_layer;    // show neuron u_probe_neuron of this hidden layer (1 = first)
uniform int u_probe_neuron;
#define CAPTURE(L, NOUT) if (u_probe_layer == L) { for (int j = 0; j < NOUT; ++j) { if (j == u_probe_neuron) { probe_z = z[j]; probe_h = h[j]; } } }
#elif ATLAS
uniform int u_tile_side;      // texels along a tile's side
uniform int u_tile_columns;   // tiles per row
// The layers run inside a do-while: once the tile's layer is done the rest is skipped (break). A tile
// past the last neuron is evaluated but never sampled (a discard costs llvmpipe more than it saves).
#define CAPTURE(L, NOUT) if (probe_layer == L) { for (int j = 0; j < NOUT; ++j) { if (j == probe_neuron) { probe_z = z[j]; probe_h = h[j]; } } break; }
#else
#define CAPTURE(L, NOUT)
#endif
#if PARAMS_IN_TEXTURE
uniform sampler2D u_params_tex;
#define P(i) texelFetch(u_params_tex, ivec2((i) % 1024, (i) / 1024), 0).r
#else
uniform vec4 u_params[N_VEC4];
#define P(i) u_params[(i) >> 2][(i) & 3]
#endif
out vec4 out_field;

#if COLOUR
#include "field_common.glsl"
uniform vec3 u_color_neg;       // class 0; the low end of a regression's map
uniform vec3 u_color_mid;
uniform vec3 u_color_pos;       // class 1; the high end
uniform vec3 u_palette[10];     // multiclass: class j's colour (style.py)
uniform float u_strength;       // how saturated the map gets (0..1)
uniform vec2 u_value_range;     // regression: the values at either end of the map

vec3 diverging(float t) {       // -1 .. 1 onto the two-sided map
    vec3 side = t < 0.0 ? u_color_neg : u_color_pos;
    return mix(u_color_mid, side, pow(min(abs(t), 1.0), 0.8) * u_strength);
}

vec4 with_distance(vec3 color, float d) {
    return vec4(color, 0.5 + clamp(d, -BOUNDARY_RANGE, BOUNDARY_RANGE) / (2.0 * BOUNDARY_RANGE));
}

vec4 shade(float p, float logit) {
    // Distance to the boundary in texels, from the logit's screen-space gradient (smooth where p saturates).
    float d = logit / max(length(vec2(dFdx(logit), dFdy(logit))), 1e-6);
    return with_distance(diverging(clamp(p * 2.0 - 1.0, -1.0, 1.0)), d);
}
#else
vec4 shade(float p, float logit) { return vec4(p, logit, 0.0, 1.0); }
#endif

float act_identity(float x) { return x; }
float act_logistic(float x) { return 1.0 / (1.0 + exp(-clamp(x, -40.0, 40.0))); }
float act_tanh(float x) { return tanh(clamp(x, -15.0, 15.0)); }
float act_relu(float x) { return max(x, 0.0); }
// Hidden activations shown on -1..1.
float show_identity(float h) { return tanh(h); }
float show_logistic(float h) { return 2.0 * h - 1.0; }
float show_tanh(float h) { return h; }
float show_relu(float h) { return tanh(h); }

// One layer: z = h W + b, then h = ACT(z). LAYER_STEPS writes the sum over the NIN inputs out STEP
// terms at a time (SUM_<STEP>) in a loop of STEPS turns, then the REST of the terms: llvmpipe ends all
// loops of a shader once 65,535 turns were taken in all, so field.py picks STEP for a large network.
#define TERM(OFF, NOUT, I) s += h[I] * P((OFF) + (I) * (NOUT) + j);
#define SUM_1(OFF, NOUT, I) TERM(OFF, NOUT, I)
#define SUM_2(OFF, NOUT, I) SUM_1(OFF, NOUT, I) SUM_1(OFF, NOUT, (I) + 1)
#define SUM_4(OFF, NOUT, I) SUM_2(OFF, NOUT, I) SUM_2(OFF, NOUT, (I) + 2)
#define SUM_8(OFF, NOUT, I) SUM_4(OFF, NOUT, I) SUM_4(OFF, NOUT, (I) + 4)
#define SUM_16(OFF, NOUT, I) SUM_8(OFF, NOUT, I) SUM_8(OFF, NOUT, (I) + 8)
#define SUM_32(OFF, NOUT, I) SUM_16(OFF, NOUT, I) SUM_16(OFF, NOUT, (I) + 16)
#define SUM_64(OFF, NOUT, I) SUM_32(OFF, NOUT, I) SUM_32(OFF, NOUT, (I) + 32)
#define SUM_128(OFF, NOUT, I) SUM_64(OFF, NOUT, I) SUM_64(OFF, NOUT, (I) + 64)
#define SUM_256(OFF, NOUT, I) SUM_128(OFF, NOUT, I) SUM_128(OFF, NOUT, (I) + 128)
#define LAYER_STEPS(L, NIN, NOUT, OFF, ACT, STEP, STEPS, REST) for (int j = 0; j < NOUT; ++j) { float s = P(OFF + NIN * NOUT + j); for (int i = 0; i < STEPS * STEP; i += STEP) { SUM_##STEP(OFF, NOUT, i) } REST z[j] = s; } for (int j = 0; j < NOUT; ++j) { h[j] = ACT(z[j]); } CAPTURE(L, NOUT)
#define LAYER(L, NIN, NOUT, OFF, ACT) LAYER_STEPS(L, NIN, NOUT, OFF, ACT, 1, NIN, )

#if OUTPUT_KIND == 1
#if !COLOUR
uniform int u_first_class;
#endif
// The winning class's colour, as sure as its lead over the runner-up (p1 - p2), and in alpha the distance
// to where the two are equal: z1 - z2 over its gradient, from each logit's own (smooth) derivatives. Its
// sign says which of the two has the lower index, so the stored distance crosses zero, as it does on a
// binary boundary, between the two classes; where the runner-up changes it jumps instead, and the
// panel's line (field_common.glsl) is not drawn over such a jump.
vec4 shade_classes(float z[MAX_WIDTH]) {
    int top = 0;
    for (int j = 1; j < N_OUT; ++j) { if (z[j] > z[top]) top = j; }
    int second = top == 0 ? 1 : 0;
    for (int j = 0; j < N_OUT; ++j) { if (j != top && z[j] > z[second]) second = j; }
    float total = 0.0;
    for (int j = 0; j < N_OUT; ++j) { total += exp(z[j] - z[top]); }
#if COLOUR
    vec2 g_top = vec2(0.0), g_second = vec2(0.0);
    for (int j = 0; j < N_OUT; ++j) {
        vec2 g = vec2(dFdx(z[j]), dFdy(z[j]));
        if (j == top) g_top = g;
        if (j == second) g_second = g;
    }
    float margin = z[top] - z[second];
    float lead = (1.0 - exp(-margin)) / total;   // p1 - p2
    vec3 color = mix(u_color_mid, u_palette[top], pow(lead, 0.8) * u_strength);
    float d = margin / max(length(g_top - g_second), 1e-6);
    return with_distance(color, top < second ? d : -d);
#else
    vec4 p = vec4(0.0);
    for (int j = 0; j < N_OUT; ++j) {
        int c = j - u_first_class;
        float pj = exp(z[j] - z[top]) / total;
        if (c == 0) p.x = pj;
        if (c == 1) p.y = pj;
        if (c == 2) p.z = pj;
        if (c == 3) p.w = pj;
    }
    return p;
#endif
}
#endif

#if OUTPUT_KIND == 2
vec4 shade_value(float v) {
#if COLOUR
    float t = (2.0 * v - u_value_range.x - u_value_range.y) / max(u_value_range.y - u_value_range.x, 1e-12);
    return vec4(diverging(clamp(t, -1.0, 1.0)), 1.0);   // alpha 1: no boundary anywhere
#else
    return vec4(v, v, 0.0, 1.0);
#endif
}
#endif

void main() {
    float h[MAX_WIDTH];
    float z[MAX_WIDTH];
#if ATLAS
    ivec2 texel = ivec2(gl_FragCoord.xy);
    ivec2 tile = texel / u_tile_side;
    int k = tile.y * u_tile_columns + tile.x;
    int probe_layer = 0;
    int probe_neuron = 0;
    ATLAS_LOCATE
    vec2 x = u_data_origin + (vec2(texel - tile * u_tile_side) + 0.5) / float(u_tile_side) * u_data_span;
#else
    vec2 x = u_data_origin + v_uv * u_data_span;
#endif
    INPUTS
    float probe_z = 0.0;
    float probe_h = 0.0;
#if ATLAS
    do { MLP_LAYERS } while (false);
    // What the probe shows for this neuron (its activation on -1..1), without the boundary distance.
    out_field = vec4(diverging(clamp(HIDDEN_DISPLAY(probe_h), -1.0, 1.0)), 1.0);
#else
    MLP_LAYERS
#endif
#if ATLAS
#elif PROBE
    // A hidden neuron: its activation mapped onto 0..1 for the colour map, its zero crossing as the line.
    out_field = shade(0.5 + 0.5 * HIDDEN_DISPLAY(probe_h), probe_z);
#elif OUTPUT_KIND == 1
    out_field = shade_classes(z);
#elif OUTPUT_KIND == 2
    out_field = shade_value(z[0]);
#else
    out_field = shade(h[0], z[0]);
#endif
}
