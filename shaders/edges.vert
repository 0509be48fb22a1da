#version 330 core
// One instanced quad per connection, widened on the GPU; a 1 px fringe carries the anti-aliasing.
in vec2 in_corner;        // x: 0..1 along the edge, y: -1..1 across
in vec4 in_ends;          // p0.xy, p1.xy in pixels (per architecture)
in vec3 in_style;         // width px, signed strength -1..1, learning 0..1 (per snapshot)
uniform mat4 u_projection;  // frame pixels -> clip space (transforms.py)
uniform float u_disc_radius;  // px of the opaque neuron discs drawn over both ends afterwards (0: none)
out float v_across;       // pixels from the centre line
out float v_along;        // pixels from p0
out float v_half_width;
out float v_strength;
out float v_learning;

void main() {
    vec2 p0 = in_ends.xy;
    vec2 p1 = in_ends.zw;
    vec2 d = p1 - p0;
    float len = max(length(d), 1e-4);
    vec2 dir = d / len;
    vec2 normal = vec2(-dir.y, dir.x);
    float half_width = max(in_style.x * 0.5, 0.5);
    float reach = half_width + 1.0;
    // The quad leaves out each end's part under its neuron's disc: every pixel it leaves out lies within
    // radius - 1 of the centre, where the disc is opaque (coverage 1), so the frame is the same.
    float hidden = sqrt(max((u_disc_radius - 1.0) * (u_disc_radius - 1.0) - reach * reach, 0.0));
    hidden = min(hidden, len * 0.5);
    float along = mix(hidden, len - hidden, in_corner.x);
    vec2 p = p0 + dir * along + normal * (in_corner.y * reach);
    v_across = in_corner.y * reach;
    v_along = along;
    v_half_width = half_width;
    v_strength = in_style.y;
    v_learning = in_style.z;
    gl_Position = u_projection * vec4(p, 0.0, 1.0);
}
