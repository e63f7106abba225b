"""The on-screen keyboards' state, in plain Python (no Kivy): what each key press does to the
text, so the widgets only draw it and the rules are tested without a screen."""

from kiosk.ui.keyboards.keypad import KeypadModel, id_number_keypad, mobile_keypad
from kiosk.ui.keyboards.name_composer import Mode, NameComposer

__all__ = ["KeypadModel", "Mode", "NameComposer", "id_number_keypad", "mobile_keypad"]
