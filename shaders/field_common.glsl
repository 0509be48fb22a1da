// Shared by the field pass and the field panel's passes: how the boundary distance is stored in 8 bits.
// The field texture's alpha holds 0.5 + d / (2 * BOUNDARY_RANGE), d = distance to p = 0.5 in field
// texels (clamped to +-BOUNDARY_RANGE): bilinear filtering of that ramp stays a distance.
const float BOUNDARY_RANGE = 8.0;

// Signed distance to the boundary in field texels, from the stored alpha.
float boundary_texels(float stored) {
    return (stored - 0.5) * 2.0 * BOUNDARY_RANGE;
}

// Coverage of the anti-aliased p = 0.5 line at a pixel `d_px` output pixels from it.
float line_coverage(float d_px, float width_px) {
    return clamp(width_px * 0.5 + 0.5 - abs(d_px), 0.0, 1.0);
}

