// Shared helpers: frame pixels (origin top-left, y down) to clip space.
// `view` is the rectangle of the frame the current viewport shows: x, y (top-left), width, height.
vec4 pixel_to_clip(vec2 p, vec4 view) {
    vec2 t = (p - view.xy) / view.zw;
    return vec4(t.x * 2.0 - 1.0, 1.0 - t.y * 2.0, 0.0, 1.0);
}

// The whole frame in view: `viewport` is its size.
vec4 pixel_to_clip(vec2 p, vec2 viewport) {
    return pixel_to_clip(p, vec4(0.0, 0.0, viewport));
}
