#version 330 core
// Hidden neurons' own fields inside their discs: one instanced quad per neuron (neuron_fields.py).
in vec2 in_corner;          // -1..1
in vec3 in_disc;            // centre.xy px, radius px (the whole disc, outline included)
in vec2 in_tile;            // the neuron's tile in the atlas: column, row
uniform mat4 u_projection;  // frame pixels -> clip space (transforms.py)
uniform float u_outline;    // px of the disc's outline left uncovered (the quad reaches only its inner edge)
out vec2 v_offset;          // pixels from the centre
out float v_radius;
flat out vec2 v_tile;

void main() {
    v_offset = in_corner * (in_disc.z - u_outline + 1.0);
    v_radius = in_disc.z;
    v_tile = in_tile;
    gl_Position = u_projection * vec4(in_disc.xy + v_offset, 0.0, 1.0);
}
