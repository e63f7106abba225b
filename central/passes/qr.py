"""Build the QR code for a pass or invitation text: ECC level M, alphanumeric mode, version <= 7.

Kept apart from the codec so that verifying needs only `cryptography`; printing and the
console import this. Raises ValueError if the text would not scan as designed.
"""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_ALPHA_NUM

MAX_VERSION = 7


def build_qr(text: str, *, box_size: int = 4, border: int = 4) -> qrcode.QRCode:
    """A laid-out QRCode (call .make_image() or .get_matrix()); smallest version that fits."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(text)
    code.make(fit=True)
    modes = {chunk.mode for chunk in code.data_list}
    if modes != {MODE_ALPHA_NUM}:
        raise ValueError("the text is not pure QR alphanumeric; it is not a pass or invitation")
    if code.version > MAX_VERSION:
        raise ValueError(f"the text needs QR version {code.version}, more than {MAX_VERSION}")
    return code
