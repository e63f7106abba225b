"""Whether the demo's kiosk gets a window, and how to give it one when there is no display."""

from __future__ import annotations

from collections.abc import Mapping


def has_display(env: Mapping[str, str]) -> bool:
    """An X server or a Wayland compositor to open the kiosk window on."""
    return bool(env.get("DISPLAY", "").strip() or env.get("WAYLAND_DISPLAY", "").strip())


HOW_TO_GET_A_SCREEN = """\
demo: no display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so the kiosk runs
      headless: its decisions scroll past below. To see its touchscreen:
        - on a Raspberry Pi, run `make demo` in a terminal on the Pi's own desktop;
        - over SSH from a desktop: `ssh -X host`, then `make demo`;
        - on a server: start a virtual screen and watch it with a VNC viewer:
            Xvfb :5 -screen 0 1280x800x24 &   x11vnc -display :5 -localhost -forever &
            DISPLAY=:5 make demo              # then point a VNC viewer at localhost:5900
          (apt-get install x11vnc for the VNC server; Xvfb comes with `make demo`)."""
