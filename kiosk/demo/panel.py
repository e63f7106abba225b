"""The demo's simulator panel: what you type in the demo's terminal becomes a device event.

Each line is one command, sent over the sim:// devices' control sockets (devices.sim_control)
to the kiosk process, exactly as a technician would with socat. The panel only translates and
answers; it never touches the kiosk's data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from devices import DeviceError
from lobby_core.masking import mask_id_number, mask_name
from lobby_core.uid import normalise_uid

SAMPLE_ID_NUMBER = "11010519491231002X"  # the standard's own example number (valid check digit)
SAMPLE_ID_NAME = "林小雨"
QR_MARK = "[QR] "  # how the sim printer's text copy of a slip shows its QR payload

Send = Callable[[str, str], str]


@dataclass(frozen=True)
class Sockets:
    """The control socket of each sim:// device in the demo kiosk."""

    card_reader: str
    relay: str
    printer: str
    scanner: str
    id_reader: str


@dataclass(frozen=True)
class DemoCard:
    member_no: str
    uid: str
    label: str  # what the card shows, e.g. "gym|pool until 2099-12-31, active"


# device word -> (attribute of Sockets, what "break" sends, what "mend" sends, its name)
_DEVICES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str]] = {
    "reader": ("card_reader", ("unplug",), ("replug",), "card reader"),
    "relay": ("relay", ("unplug",), ("replug", "answer"), "gate relay board"),
    "printer": ("printer", ("fault paper_out",), ("fault none", "replug"), "slip printer"),
    "scanner": ("scanner", ("unplug",), ("replug",), "QR scanner"),
    "id": ("id_reader", ("unplug",), ("replug",), "ID card reader"),
}
_ALIASES = {"card": "reader", "cards": "reader", "gate": "relay", "qr": "scanner",
            "idreader": "id", "id_reader": "id"}

HELP = """\
  1-6            tap that demo card on the card reader      tap UID   tap any card
  id             lay the sample ID card (林小雨) on the ID reader: the visitor form fills in
  scan           scan the last printed slip's QR at the turnstile (else the sample invitation)
  scan invite    scan the sample invitation's QR               scan TEXT  scan anything
  break DEVICE   unplug it (printer: out of paper); mend DEVICE puts it right again
                 DEVICE: reader, relay, printer, scanner, id
  health         each device as the kiosk's simulated hardware reports it
  help           this list;  quit (or Ctrl-C, Ctrl-D) stops the demo"""


class Panel:
    def __init__(self, sockets: Sockets, cards: Sequence[DemoCard], slips: Path,
                 invitation: str | None, send: Send) -> None:
        self.sockets = sockets
        self.cards = list(cards)
        self.slips = slips
        self.invitation = invitation
        self._send = send

    def handle(self, line: str) -> str:
        """One typed line -> what to print ("" for nothing)."""
        words = line.split()
        if not words:
            return ""
        verb, args = words[0].lower(), words[1:]
        try:
            if verb.isdecimal() and not args:
                return self._tap_demo(int(verb))
            if verb == "tap":
                return self._tap_uid(args)
            if verb == "id":
                return self._id(args)
            if verb == "scan":
                return self._scan(line.strip()[len(words[0]):].strip())
            if verb in ("break", "mend"):
                return self._break_or_mend(verb, args)
            if verb in ("health", "status"):
                return self._health()
            if verb in ("help", "?"):
                return HELP
        except DeviceError as exc:  # the kiosk's devices are not listening: say so, keep going
            return f"demo: {exc} (is the kiosk still running?)"
        return f"demo: {line.strip()[:40]!r} is not a command; type help"

    # -- cards ---------------------------------------------------------------------------------
    def _tap_demo(self, n: int) -> str:
        if not 1 <= n <= len(self.cards):
            return f"demo: there are demo cards 1-{len(self.cards)}; `tap UID` taps any other"
        card = self.cards[n - 1]
        return self._reply("card reader", self._send(self.sockets.card_reader, f"tap {card.uid}"),
                           f"tapped card {n} ({card.member_no}, {card.label})")

    def _tap_uid(self, args: list[str]) -> str:
        if len(args) != 1:
            return "demo: usage: tap UID (hex, e.g. tap 04A1B2C3)"
        try:
            uid = normalise_uid(args[0])
        except ValueError as exc:  # the reader would drop it silently: say why here
            return f"demo: {args[0][:40]!r} is not a card UID: {exc}"
        return self._reply("card reader", self._send(self.sockets.card_reader, f"tap {uid}"),
                           f"tapped card {uid}")

    # -- ID card, QR -----------------------------------------------------------------------------
    def _id(self, args: list[str]) -> str:
        if args:
            return "demo: usage: id (lays the sample ID card on the reader and takes it away)"
        reply = self._send(self.sockets.id_reader,
                           f"card number={SAMPLE_ID_NUMBER} name={SAMPLE_ID_NAME}")
        return self._reply("ID card reader", reply,
                           f"ID card read: {mask_name(SAMPLE_ID_NAME)} {mask_id_number(SAMPLE_ID_NUMBER)}")

    def last_slip_qr(self) -> str | None:
        """The QR payload of the newest slip the sim printer wrote, if any."""
        try:
            copies = sorted(self.slips.glob("slip-*.txt"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        except OSError:
            return None
        for path in reversed(copies):
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                continue
            for row in text.splitlines():
                if row.startswith(QR_MARK) and row[len(QR_MARK):].strip():
                    return row[len(QR_MARK):].strip()
        return None

    def _scan(self, rest: str) -> str:
        if rest.lower() in ("invite", "invitation"):
            if self.invitation is None:
                return "demo: there is no sample invitation (central could not make one)"
            text, what = self.invitation, "the sample invitation"
        elif rest:
            text, what = rest, f"{rest[:40]!r}"
        else:
            slip = self.last_slip_qr()
            if slip is not None:
                text, what = slip, "the last printed slip"
            elif self.invitation is not None:
                text, what = self.invitation, "the sample invitation (no slip printed yet)"
            else:
                return "demo: no slip printed yet and no sample invitation; `scan TEXT` scans anything"
        if "\n" in text or "\r" in text:
            return "demo: a scan is one line"
        return self._reply("QR scanner", self._send(self.sockets.scanner, f"scan {text}"),
                           f"scanned {what}")

    # -- faults ----------------------------------------------------------------------------------
    def _break_or_mend(self, verb: str, args: list[str]) -> str:
        word = _ALIASES.get(args[0].lower(), args[0].lower()) if len(args) == 1 else ""
        if word not in _DEVICES:
            return f"demo: usage: {verb} DEVICE, one of {', '.join(_DEVICES)}"
        attr, broken, mended, name = _DEVICES[word]
        path = getattr(self.sockets, attr)
        for command in broken if verb == "break" else mended:
            reply = self._send(path, command)
            if reply != "ok":
                return f"demo: the {name} refused {command!r}: {reply}"
        if verb == "break":
            how = "out of paper" if word == "printer" else "unplugged"
            return f"{name} is broken ({how}); `mend {word}` puts it right"
        return f"{name} is mended"

    def _health(self) -> str:
        rows = []
        for word, (attr, _b, _m, name) in _DEVICES.items():
            try:
                reply = self._send(getattr(self.sockets, attr), "health")
            except DeviceError as exc:
                reply = f"not answering: {exc}"
            rows.append(f"  {name:<17} ({word:<7}) {reply}")
        return "\n".join(rows)

    @staticmethod
    def _reply(device: str, reply: str, done: str) -> str:
        if reply == "ok":
            return done
        if reply.startswith("ignored: "):
            return f"demo: the {device} ignored it: {reply.removeprefix('ignored: ')}"
        return f"demo: the {device} said: {reply}"
