// The boundary line in fragment shaders (it takes derivatives), after field_common.glsl.

// A distance changes by about one texel per texel; the stored one of a multiclass field jumps from one
// sign to the other where the runner-up class changes (field.frag), with no boundary in between.
const float MAX_DISTANCE_SLOPE = 1.8;

// Coverage of the boundary line at a pixel whose interpolated stored distance is `d_texels`; none over a jump.
float boundary_line(float d_texels, float px_per_texel, float width_px) {
    float slope = length(vec2(dFdx(d_texels), dFdy(d_texels))) * px_per_texel;   // texels per texel
    return slope > MAX_DISTANCE_SLOPE ? 0.0 : line_coverage(d_texels * px_per_texel, width_px);
}
