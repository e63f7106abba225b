"""QrCode: a Kivy widget that draws a QR code from its text, crisp at any size.

The matrix comes from the `qrcode` library (already the printer's); it is drawn as a texture
of one pixel a module, magnified with nearest-neighbour filtering, on a white quiet zone of
four modules, so a phone or the gate's scanner reads it off the screen.
"""

from __future__ import annotations

from typing import Any

import qrcode
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import StringProperty
from kivy.uix.widget import Widget

QUIET = 4


def matrix(data: str) -> list[list[bool]]:
    """The modules of `data`'s QR code (medium error correction), quiet zone included."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET)
    code.add_data(data)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


class QrCode(Widget):
    data = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._texture: Texture | None = None
        self.bind(data=self._rebuild, pos=self._draw, size=self._draw)

    def _rebuild(self, *_args: Any) -> None:
        self._texture = None
        if self.data:
            rows = matrix(self.data)
            n = len(rows)
            # Texture rows go bottom-up; white 255, black 0, one byte a module (luminance).
            buf = bytes(0 if dark else 255 for row in reversed(rows) for dark in row)
            tex = Texture.create(size=(n, n), colorfmt="luminance")
            tex.blit_buffer(buf, colorfmt="luminance", bufferfmt="ubyte")
            tex.mag_filter = "nearest"
            tex.min_filter = "nearest"
            self._texture = tex
        self._draw()

    def _draw(self, *_args: Any) -> None:
        self.canvas.clear()
        if self._texture is None:
            return
        side = min(self.width, self.height)
        n = self._texture.width
        side -= side % n  # whole screen pixels a module: no module drawn wider than another
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(texture=self._texture, size=(side, side),
                      pos=(self.center_x - side / 2, self.center_y - side / 2))
