#version 330 core
// The drawn frame as yuv420p planes, ready for the video encoder: ffmpeg then converts nothing (at 4K
// its RGB -> YUV step alone caps a GPU server near 35 fps) and the readback and pipe carry 1.5 bytes
// a pixel instead of 4. BT.709 limited range, as the stream is tagged; chroma is each 2x2 block's mean.
//
// PLANE 0 writes luma, PLANE 1 both chroma planes at once (Cb to output 0, Cr to output 1: one sample
// serves both). Each fragment packs PACK neighbouring bytes of one row into its channels, and target
// row r holds picture row r from the top, so reading the targets back gives the file's byte order.
// @defines: PLANE PACK
uniform sampler2D u_frame;     // the drawn frame in GL order (row 0 at the bottom), linear filtering
uniform ivec2 u_size;          // the frame's size in pixels, both even
layout(location = 0) out vec4 out_bytes;
#if PLANE == 1
layout(location = 1) out vec4 out_cr_bytes;
#endif

const vec3 LUMA = vec3(0.2126, 0.7152, 0.0722);

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    float a[4] = float[4](0.0, 0.0, 0.0, 0.0);
#if PLANE == 0
    int source_row = u_size.y - 1 - texel.y;
    for (int b = 0; b < PACK; ++b) {
        vec3 rgb = texelFetch(u_frame, ivec2(texel.x * PACK + b, source_row), 0).rgb;
        a[b] = (16.0 + 219.0 * dot(LUMA, rgb)) / 255.0;
    }
    out_bytes = vec4(a[0], a[1], a[2], a[3]);
#else
    float c[4] = float[4](0.0, 0.0, 0.0, 0.0);
    // A bilinear sample at the shared corner of a 2x2 block is the block's mean.
    float corner_y = float(u_size.y - 1 - 2 * texel.y) / float(u_size.y);
    for (int b = 0; b < PACK; ++b) {
        float corner_x = float(2 * (texel.x * PACK + b) + 1) / float(u_size.x);
        vec3 rgb = texture(u_frame, vec2(corner_x, corner_y)).rgb;
        float y = dot(LUMA, rgb);
        a[b] = (128.0 + 224.0 * (rgb.b - y) / 1.8556) / 255.0;
        c[b] = (128.0 + 224.0 * (rgb.r - y) / 1.5748) / 255.0;
    }
    out_bytes = vec4(a[0], a[1], a[2], a[3]);
    out_cr_bytes = vec4(c[0], c[1], c[2], c[3]);
#endif
}
