"""The visitor's registration steps (presenters.visitor_steps): one screen, one panel a step,
Back and Cancel on each. Host searches go through the adapter (a store read)."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from kiosk.ui.presenters.idle import IdleKind
from kiosk.ui.presenters.texts import ID_TYPE_LABELS, N_, PURPOSES, text
from kiosk.ui.presenters.visitor_steps import Step
from kiosk.ui.widgets.keypad import MOBILE, Keypad
from kiosk.ui.widgets.name_keyboard import NameKeyboard
from lobby_core import id_documents as ids

from .registry import VISITOR, register
from .visitor_base import VisitorScreen

STEP_TITLES = {
    Step.ID: N_("Your ID"),
    Step.NAME: N_("Your name"),
    Step.MOBILE: N_("Your mobile number"),
    Step.HOST: N_("Whom are you visiting?"),
    Step.PURPOSE: N_("Why are you visiting?"),
    Step.PARTY: N_("How many of you?"),
    Step.PRIVACY: N_("Privacy notice"),
}
PROGRESS = N_("Step {step} of {steps}")
PRIVACY_NOTICE = N_(
    "To let you in, we keep your ID type and number, name, mobile number, whom you visit and why. "
    "Reception uses them to approve your visit and for the property's safety. Your ID number is "
    "stored encrypted and shown masked. Everything is deleted {days} days after your visit. "
    "We share nothing with anyone else unless the law requires it.")


@register(VISITOR)
class VisitorStepsScreen(VisitorScreen):
    idle_kind = IdleKind.FORM
    step = StringProperty(Step.ID.value)
    title = StringProperty("")
    progress = StringProperty("")
    error = StringProperty("")
    error_field = StringProperty("")
    last_step = BooleanProperty(False)
    from_card = BooleanProperty(False)
    allows_x = BooleanProperty(True)
    needs_country = BooleanProperty(False)
    id_type_label = StringProperty("")
    id_type_labels = ListProperty([])
    id_number_masked = StringProperty("")
    name_masked = StringProperty("")
    name_typed = StringProperty("")
    id_type = StringProperty("cn_ric")
    id_number_typed = StringProperty("")
    mobile_typed = StringProperty("")
    host_query_typed = StringProperty("")
    hosts = ListProperty([])  # [(index, label, detail, chosen)]
    host_hint = StringProperty("")
    purposes = ListProperty([])  # [(key, label, chosen)]
    purpose_other = BooleanProperty(False)
    party_size = NumericProperty(1)
    consent = BooleanProperty(False)
    notice = StringProperty("")

    # -- drawing ---------------------------------------------------------------------------
    def on_step(self, _inst: Any, step: str) -> None:
        panels = self.ids.get("panels")
        if panels is not None:
            panels.current = step

    def on_from_card(self, _inst: Any, from_card: bool) -> None:
        for mode in ("id_mode", "name_mode"):
            manager = self.ids.get(mode)
            if manager is not None:
                manager.current = "card" if from_card else "typed"

    def on_kv_post(self, _base: Any) -> None:
        self.ids.panels.current = self.step
        self.on_from_card(self, self.from_card)
        # Built here, not as children in the .kv: the keyboard widgets fill their keys from
        # their own ids in __init__, which a .kv child does not have yet.
        keyboard = NameKeyboard()
        keyboard.bind(text=lambda _kb, value: self.typed("name", value))
        self.ids.name_box.add_widget(keyboard)
        self.ids["name"] = keyboard
        number = Keypad(kind=self.id_type)
        number.bind(text=lambda _kp, value: self.typed("id_number", value))
        self.bind(id_type=lambda _s, kind: setattr(number, "kind", kind))
        self.ids.id_number_box.add_widget(number)
        self.ids["id_number"] = number
        mobile = Keypad(kind=MOBILE)
        mobile.bind(text=lambda _kp, value: self.typed("mobile", value))
        self.ids.mobile_box.add_widget(mobile)
        self.ids["mobile"] = mobile
        # Hosts are found by unit number or by pinyin initials ("hrds"): digits and letters.
        query = Keypad(kind=ids.OTHER)
        query.bind(text=lambda _kp, value: self.search(value))
        self.ids.host_query_box.add_widget(query)
        self.ids["host_query"] = query

    def refresh(self) -> None:
        if self.shell is None:
            return
        s = self.session.steps
        tr = self.shell.translate
        self.step = s.step.value
        number, count = s.progress
        self.progress = tr(PROGRESS).format(step=number, steps=count)
        self.title = tr(STEP_TITLES[s.step])
        self.error = self.t(s.error)
        self.error_field = s.error_field or ""
        self.last_step = s.index + 1 == count
        self.from_card = s.from_card
        self.allows_x = s.keypad_allows_x
        self.needs_country = s.needs_country
        self.id_type_labels = [tr(label) for label in ID_TYPE_LABELS.values()]
        self.id_type_label = tr(ID_TYPE_LABELS[s.id_type])
        self.id_number_masked = s.id_number_masked
        self.name_masked = s.name_masked
        self.name_typed = "" if s.from_card else s.name
        self.id_type = s.id_type
        self.id_number_typed = "" if s.from_card else s.id_number
        self.mobile_typed = s.mobile
        self.host_query_typed = s.hosts.query
        self.hosts = [(i, h.label, h.detail, h == s.hosts.chosen) for i, h in enumerate(s.hosts.matches)]
        self.host_hint = "" if s.hosts.matches else tr(
            N_("Type at least 2 characters of the unit, room or company.") if s.hosts.too_short
            else N_("No match. Check the spelling, or ask reception."))
        self.purposes = [(key, tr(label), key == s.purpose_key) for key, label in PURPOSES.items()]
        self.purpose_other = s.purpose_key == "other"
        self.party_size = s.party_size
        self.consent = s.consent
        days = getattr(getattr(self.shell.kiosk.visitor_desk, "settings", None), "retention_days", 30)
        self.notice = text(PRIVACY_NOTICE, days=days).render(tr)
        self._fill_inputs()

    def _fill_inputs(self) -> None:
        """The entry widgets show exactly what the presenter holds (empty after a wipe)."""
        s = self.session.steps
        for wid, value in (("id_number", s.id_number if not s.from_card else ""), ("country", s.country),
                           ("name", s.name if not s.from_card else ""), ("mobile", s.mobile),
                           ("host_query", s.hosts.query), ("purpose_other", s.purpose_other)):
            widget = self.ids.get(wid)
            if widget is None or widget.text == value:
                continue
            if hasattr(widget, "clear") and not value:
                widget.clear()  # a keyboard widget empties its own composition too
            elif not hasattr(widget, "clear"):
                widget.text = value

    # -- what the visitor does -------------------------------------------------------------
    def choose_id_type(self, label: str) -> None:
        tr = self.shell.translate
        for key, msgid in ID_TYPE_LABELS.items():
            if tr(msgid) == label:
                self.session.steps.set_id_type(key)
        self.refresh()

    def typed(self, field: str, value: str) -> None:
        s = self.session.steps
        if getattr(s, field) == value:
            return  # an entry box redrawn with what the presenter holds: nothing was typed
        setter = {"id_number": s.set_id_number, "country": s.set_country, "name": s.set_name,
                  "mobile": s.set_mobile, "purpose_other": s.set_purpose_other}[field]
        before = s.error
        setter(value)
        if before is not None:
            self.error = ""
        if field == "name":
            self.name_typed = s.name
        elif field == "id_number":
            self.id_number_typed = s.id_number
        elif field == "mobile":
            self.mobile_typed = s.mobile
        self.host_query_typed = s.hosts.query

    def search(self, query: str) -> None:
        hosts = self.session.steps.hosts
        if query == hosts.query:
            return
        ask = hosts.type(query)
        self.host_query_typed = query
        self.refresh()
        if ask:
            desk = self.shell.kiosk.visitor_desk
            self.shell.adapter.run(lambda: desk.search_hosts(query),
                                   lambda found: self._found(query, found), lambda _exc: None)

    def _found(self, query: str, found: list[Any]) -> None:
        if self.session.steps.hosts.answer(query, found):
            self.refresh()

    def choose_host(self, index: int) -> None:
        self.session.steps.choose_host(index)
        self.refresh()

    def choose_purpose(self, key: str) -> None:
        self.session.steps.set_purpose(key)
        self.refresh()

    def more(self) -> None:
        self.session.steps.more()
        self.refresh()

    def fewer(self) -> None:
        self.session.steps.fewer()
        self.refresh()

    def set_consent(self, agreed: bool) -> None:
        self.session.steps.set_consent(agreed)
        self.refresh()

    def type_instead(self) -> None:
        self.session.steps.type_instead()
        self.refresh()

    def next(self) -> None:
        if self.session.steps.next():
            self.session.submit()
        else:
            self.refresh()

    def back(self) -> None:
        if self.session.steps.back():
            self.refresh()
        else:
            self.cancel()
