// Shared helpers: pixel coordinates (origin top-left, y down) to clip space.
vec4 pixel_to_clip(vec2 p, vec2 viewport) {
    return vec4(p.x / viewport.x * 2.0 - 1.0, 1.0 - p.y / viewport.y * 2.0, 0.0, 1.0);
}
