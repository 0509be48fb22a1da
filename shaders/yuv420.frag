#version 330 core
// The drawn frame as yuv420p planes, ready for the video encoder: ffmpeg then converts nothing (at 4K
// its RGB -> YUV step alone caps a GPU server near 35 fps) and the readback and pipe carry 1.5 bytes
// a pixel instead of 4. BT.709 limited range, as the stream is tagged; chroma is each 2x2 block's mean.
//
// PLANE 0 writes luma, PLANE 1 both chroma planes at once (Cb to output 0, Cr to output 1: one sample
// serves both). Each fragment packs PACK neighbouring bytes of one row into its channels, and target
// row r holds picture row r from the top, so reading the targets back gives the file's byte order.
// @defines: PLANE PACK
uniform sampler2D u_frame;     // the drawn frame in GL order (row 0 at the bottom)
uniform ivec2 u_size;          // the frame's size in pixels, both even
layout(location = 0) out vec4 out_bytes;
#if PLANE == 1
layout(location = 1) out vec4 out_cr_bytes;
#endif

const vec3 LUMA = vec3(0.2126, 0.7152, 0.0722);

// A byte value (0..255) rounded here, so the 8-bit target only stores it: its own conversion is not
// exact rounding everywhere (NVIDIA's took values up to 0.06 past a half the other way).
float as_byte(float value) { return floor(value + 0.5) / 255.0; }

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    float a[4] = float[4](0.0, 0.0, 0.0, 0.0);
#if PLANE == 0
    int source_row = u_size.y - 1 - texel.y;
    for (int b = 0; b < PACK; ++b) {
        vec3 rgb = texelFetch(u_frame, ivec2(texel.x * PACK + b, source_row), 0).rgb;
        a[b] = as_byte(16.0 + 219.0 * dot(LUMA, rgb));
    }
    out_bytes = vec4(a[0], a[1], a[2], a[3]);
#else
    float c[4] = float[4](0.0, 0.0, 0.0, 0.0);
    // Each 2x2 block's mean from its four texels. One bilinear sample at the block's shared corner
    // fetches once, but filtering may run at the texture's 8-bit precision: llvmpipe's chroma came out
    // up to 0.94 off, against 0.5 (rounding) now.
    int upper_row = u_size.y - 1 - 2 * texel.y;  // GL row of the block's upper picture row
    for (int b = 0; b < PACK; ++b) {
        int x = 2 * (texel.x * PACK + b);
        vec3 rgb = 0.25 * (texelFetch(u_frame, ivec2(x, upper_row), 0).rgb
                           + texelFetch(u_frame, ivec2(x + 1, upper_row), 0).rgb
                           + texelFetch(u_frame, ivec2(x, upper_row - 1), 0).rgb
                           + texelFetch(u_frame, ivec2(x + 1, upper_row - 1), 0).rgb);
        float y = dot(LUMA, rgb);
        a[b] = as_byte(128.0 + 224.0 * (rgb.b - y) / 1.8556);
        c[b] = as_byte(128.0 + 224.0 * (rgb.r - y) / 1.5748);
    }
    out_bytes = vec4(a[0], a[1], a[2], a[3]);
    out_cr_bytes = vec4(c[0], c[1], c[2], c[3]);
#endif
}
