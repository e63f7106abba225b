"""Build the QR code for a pass or invitation text: ECC level M, alphanumeric mode, version <= 7.

Kept apart from the codec so that verifying needs only `cryptography`; printing and the
console import this. Raises ValueError if the text would not scan as designed.
"""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_ALPHA_NUM, QRData

MAX_VERSION = 7


def build_qr(text: str, *, box_size: int = 4, border: int = 4) -> qrcode.QRCode:
    """A laid-out QRCode (call .make_image() or .get_matrix()); smallest version that fits."""
    try:
        # One alphanumeric segment, always: qrcode would otherwise pick numeric mode for runs
        # of digits, and the symbol's size would depend on the content.
        data = QRData(text, mode=MODE_ALPHA_NUM)
    except ValueError:
        raise ValueError("the text is not pure QR alphanumeric; it is not a pass or invitation") from None
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(data)
    code.make(fit=True)
    if code.version > MAX_VERSION:
        raise ValueError(f"the text needs QR version {code.version}, more than {MAX_VERSION}")
    return code
