#version 330 core
// The loss panel's curves: one instanced quad per segment between two consecutive history rows (the same
// buffer bound twice, one row apart). A segment with a non-finite end (a diverged loss) is not drawn: a gap.
in vec2 in_corner;        // x: 0..1 along the segment, y: -1..1 across
in float in_epoch0;
in vec4 in_values0;       // loss, test loss, score, test score
in float in_epoch1;
in vec4 in_values1;
uniform mat4 u_projection;  // frame pixels -> clip space (transforms.py)
uniform int u_series;       // which of the four values
uniform vec4 u_plot;        // x, y (top-left), width, height in frame pixels
uniform vec2 u_epochs;      // first, last epoch of the x axis
uniform vec3 u_axis;        // low, high (log10 of them when z > 0.5), log
uniform float u_width_px;
out float v_across;
out float v_half_width;

bool usable(float v) {
    return !(isnan(v) || isinf(v) || (u_axis.z > 0.5 && v <= 0.0));
}

vec2 to_pixels(float epoch, float value) {
    float v = u_axis.z > 0.5 ? log(value) / log(10.0) : value;
    float fy = clamp((v - u_axis.x) / (u_axis.y - u_axis.x), 0.0, 1.0);
    float fx = (epoch - u_epochs.x) / (u_epochs.y - u_epochs.x);
    return vec2(u_plot.x + fx * u_plot.z, u_plot.y + (1.0 - fy) * u_plot.w);
}

void main() {
    float a = in_values0[u_series];
    float b = in_values1[u_series];
    if (!usable(a) || !usable(b)) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);  // outside the clip volume: the segment is a gap
        v_across = v_half_width = 0.0;
        return;
    }
    vec2 p0 = to_pixels(in_epoch0, a);
    vec2 p1 = to_pixels(in_epoch1, b);
    float half_width = max(u_width_px * 0.5, 0.5);
    float reach = half_width + 1.0;
    vec2 d = p1 - p0;
    float len = length(d);
    vec2 dir = len > 1e-4 ? d / len : vec2(1.0, 0.0);
    vec2 normal = vec2(-dir.y, dir.x);
    // butt ends: consecutive segments meet without overlapping (an overlap would blend its fringe twice,
    // a visible dot at every join); the wedge left open at a bend is under a pixel at these widths
    vec2 p = p0 + dir * (in_corner.x * len) + normal * (in_corner.y * reach);
    v_across = in_corner.y * reach;
    v_half_width = half_width;
    gl_Position = u_projection * vec4(p, 0.0, 1.0);
}
