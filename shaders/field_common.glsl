// Shared by field.frag and field_composite.frag: how the boundary distance is stored in 8 bits.
// The field texture's alpha holds 0.5 + d / (2 * BOUNDARY_RANGE), d = distance to p = 0.5 in field
// texels (clamped to +-BOUNDARY_RANGE): bilinear filtering of that ramp stays a distance.
const float BOUNDARY_RANGE = 8.0;
