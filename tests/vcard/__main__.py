"""Drive virtual cards from another process: `python -m tests.vcard`, commands on stdin.

    insert SLOT UID [vanish]   put a card with UID into "Virtual PCD 00 0SLOT"
    remove SLOT                take it out
    atr SLOT                   "ok T": when the card first sent its ATR after power-on
                               (time.perf_counter)
    quit

Each command is answered with one line, "ok" or "error: ...". Running the cards in their
own process keeps their socket handling off the GIL of the process being measured.
"""

from __future__ import annotations

import sys

from .card import VPCD_PORTS, VirtualCard


def main() -> int:
    cards: dict[int, VirtualCard] = {}
    for line in sys.stdin:
        words = line.split()
        try:
            if words[:1] == ["quit"]:
                break
            if len(words) in (3, 4) and words[0] == "insert":
                slot = int(words[1])
                if slot not in range(len(VPCD_PORTS)):
                    raise ValueError(f"no slot {slot}; vpcd has {len(VPCD_PORTS)}")
                if slot in cards:
                    raise ValueError(f"slot {slot} already has a card")
                card = VirtualCard(words[2], slot=slot, vanish_on_uid_read=words[3:] == ["vanish"])
                card.insert()
                cards[slot] = card
            elif len(words) == 2 and words[0] == "atr":
                card = cards.get(int(words[1]))
                if card is None:
                    raise ValueError(f"no card in slot {words[1]}")
                sent = card.powered_atr_at
                if not sent:
                    raise ValueError("not powered on yet")
                print(f"ok {sent[0]:.9f}", flush=True)
                continue
            elif len(words) == 2 and words[0] == "remove":
                card = cards.pop(int(words[1]), None)
                if card is not None:
                    card.remove()
            else:
                raise ValueError("use: insert SLOT UID [vanish] | remove SLOT | atr SLOT | quit")
            reply = "ok"
        except (ValueError, OSError) as exc:
            reply = f"error: {exc}"
        print(reply, flush=True)
    for card in cards.values():
        card.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
