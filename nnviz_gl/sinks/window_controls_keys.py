"""The keyboard for the control panel: glfw's keys and characters handed to Dear ImGui, so a ctrl-clicked
slider takes a typed value and the combos' and inputs' text can be edited.

ImGui says when it wants the keyboard (``io.want_capture_keyboard``: a value being typed, a slider being
dragged); while it does, the window's own key bindings (space, r, 0, 1-9, Esc, ...) must not fire. Every
key goes to ImGui either way, so its idea of which keys are down (ctrl for a ctrl-click) stays true.
"""

from __future__ import annotations

import glfw
from imgui_bundle import imgui

_NAMED = {
    glfw.KEY_TAB: imgui.Key.tab, glfw.KEY_LEFT: imgui.Key.left_arrow, glfw.KEY_RIGHT: imgui.Key.right_arrow,
    glfw.KEY_UP: imgui.Key.up_arrow, glfw.KEY_DOWN: imgui.Key.down_arrow, glfw.KEY_PAGE_UP: imgui.Key.page_up,
    glfw.KEY_PAGE_DOWN: imgui.Key.page_down, glfw.KEY_HOME: imgui.Key.home, glfw.KEY_END: imgui.Key.end,
    glfw.KEY_INSERT: imgui.Key.insert, glfw.KEY_DELETE: imgui.Key.delete, glfw.KEY_BACKSPACE: imgui.Key.backspace,
    glfw.KEY_SPACE: imgui.Key.space, glfw.KEY_ENTER: imgui.Key.enter, glfw.KEY_KP_ENTER: imgui.Key.keypad_enter,
    glfw.KEY_ESCAPE: imgui.Key.escape,
    glfw.KEY_LEFT_CONTROL: imgui.Key.left_ctrl, glfw.KEY_RIGHT_CONTROL: imgui.Key.right_ctrl,
    glfw.KEY_LEFT_SHIFT: imgui.Key.left_shift, glfw.KEY_RIGHT_SHIFT: imgui.Key.right_shift,
    glfw.KEY_LEFT_ALT: imgui.Key.left_alt, glfw.KEY_RIGHT_ALT: imgui.Key.right_alt,
    glfw.KEY_LEFT_SUPER: imgui.Key.left_super, glfw.KEY_RIGHT_SUPER: imgui.Key.right_super,
}
# letters: ImGui's shortcuts (ctrl-a selects all, ctrl-c/v/x/z copy, paste, cut, undo)
_LETTERS = {glfw.KEY_A + i: getattr(imgui.Key, chr(ord("a") + i)) for i in range(26)}
GLFW_TO_IMGUI = {**_NAMED, **_LETTERS}

_MODIFIERS = (  # (ImGui's modifier, glfw's bit, the glfw keys that are it)
    (imgui.Key.mod_ctrl, glfw.MOD_CONTROL, (glfw.KEY_LEFT_CONTROL, glfw.KEY_RIGHT_CONTROL)),
    (imgui.Key.mod_shift, glfw.MOD_SHIFT, (glfw.KEY_LEFT_SHIFT, glfw.KEY_RIGHT_SHIFT)),
    (imgui.Key.mod_alt, glfw.MOD_ALT, (glfw.KEY_LEFT_ALT, glfw.KEY_RIGHT_ALT)),
    (imgui.Key.mod_super, glfw.MOD_SUPER, (glfw.KEY_LEFT_SUPER, glfw.KEY_RIGHT_SUPER)),
)


def forward_key(io, key: int, action: int, mods: int) -> bool:
    """Tell ImGui about a glfw key event; True when ImGui has the keyboard (the window must ignore it)."""
    for modifier, bit, keys in _MODIFIERS:
        # X reports a modifier key's own press without its bit, and its release with it
        down = action != glfw.RELEASE if key in keys else bool(mods & bit)
        io.add_key_event(modifier, down)
    named = GLFW_TO_IMGUI.get(key)
    if named is not None and action in (glfw.PRESS, glfw.RELEASE):  # ImGui makes its own repeats
        io.add_key_event(named, action == glfw.PRESS)
    return io.want_capture_keyboard


def forward_char(io, codepoint: int) -> bool:
    """A typed character (glfw's char callback, after the keyboard layout); True when ImGui takes it."""
    io.add_input_character(codepoint)
    return io.want_capture_keyboard
