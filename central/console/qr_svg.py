"""Draw an invitation's signed text as an inline SVG QR code, on the server (no JS library)."""

from __future__ import annotations

import re

from qrcode.image.svg import SvgPathImage

from lobby_core.passes.qr import build_qr


def qr_svg(text: str) -> str:
    """An <svg> element for `text` (ECC M, alphanumeric, version <= 7); ValueError otherwise."""
    img = build_qr(text, box_size=10, border=4).make_image(image_factory=SvgPathImage)
    svg = img.to_string(encoding="unicode")
    # Inline in HTML: drop the XML declaration; size it with CSS rather than fixed mm units.
    svg = re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)
    return re.sub(r'\s(width|height)="[^"]*"', "", svg, count=2)
