#version 330 core
// The model's output at every fragment: the MLP is unrolled at compile time.
// @defines: N_PARAMS N_VEC4 MAX_WIDTH HIDDEN_ACTIVATION HIDDEN_DISPLAY MLP_LAYERS PARAMS_IN_TEXTURE PROBE COLOUR
//
// COLOUR 1 writes what the frame shows (RGBA8: colour-mapped probability, boundary distance in alpha);
// COLOUR 0 writes the raw (probability, logit) floats, for measurements.
//
// MLP_LAYERS expands to one LAYER(index, n_in, n_out, offset, ACT) per layer (LAYER_STEPS, below, for
// a large network); parameters of a layer are its weights, row-major (n_in x n_out), then its n_out
// biases, starting at `offset`.
// Weights are data (uniforms or a float texture): a new snapshot is a write, never a recompile.

in vec2 v_uv;
uniform vec2 u_data_origin;   // data coordinates at the viewport's lower-left corner
uniform vec2 u_data_span;     // data extent covered by the viewport
#if PROBE
uniform int u_probe_layer;    // show neuron u_probe_neuron of this hidden layer (1 = first)
uniform int u_probe_neuron;
#define CAPTURE(L, NOUT) if (u_probe_layer == L) { for (int j = 0; j < NOUT; ++j) { if (j == u_probe_neuron) { probe_z = z[j]; probe_h = h[j]; } } }
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
uniform vec3 u_color_neg;       // class 0
uniform vec3 u_color_mid;
uniform vec3 u_color_pos;       // class 1
uniform float u_strength;       // how saturated the map gets (0..1)

vec4 shade(float p, float logit) {
    float t = clamp(p * 2.0 - 1.0, -1.0, 1.0);   // -1 class 0 .. 1 class 1
    vec3 side = t < 0.0 ? u_color_neg : u_color_pos;
    vec3 color = mix(u_color_mid, side, pow(abs(t), 0.8) * u_strength);
    // Distance to the boundary in texels, from the logit's screen-space gradient (smooth where p saturates).
    float d = logit / max(length(vec2(dFdx(logit), dFdy(logit))), 1e-6);
    return vec4(color, 0.5 + clamp(d, -BOUNDARY_RANGE, BOUNDARY_RANGE) / (2.0 * BOUNDARY_RANGE));
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

void main() {
    float h[MAX_WIDTH];
    float z[MAX_WIDTH];
    vec2 x = u_data_origin + v_uv * u_data_span;
    h[0] = x.x;
    h[1] = x.y;
    float probe_z = 0.0;
    float probe_h = 0.0;
    MLP_LAYERS
#if PROBE
    // A hidden neuron: its activation mapped onto 0..1 for the colour map, its zero crossing as the line.
    out_field = shade(0.5 + 0.5 * HIDDEN_DISPLAY(probe_h), probe_z);
#else
    out_field = shade(h[0], z[0]);
#endif
}
