#version 330 core
// Instanced anti-aliased discs with an outline: neurons and data points.
in vec2 in_corner;        // -1..1
in vec3 in_disc;          // centre.xy px, radius px
in vec4 in_fill;
in vec4 in_outline;       // rgb, width px
uniform mat4 u_projection;  // frame pixels -> clip space (transforms.py)
out vec2 v_offset;        // pixels from the centre
out float v_radius;
out vec4 v_fill;
out vec4 v_outline;

void main() {
    float reach = in_disc.z + 1.0;
    v_offset = in_corner * reach;
    v_radius = in_disc.z;
    v_fill = in_fill;
    v_outline = in_outline;
    gl_Position = u_projection * vec4(in_disc.xy + v_offset, 0.0, 1.0);
}
