"""Writes granted.wav (a rising two-note chime) and refused.wav (a low double beep) here."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050


def tone(freq: float, seconds: float, volume: float = 0.5) -> list[int]:
    n = int(RATE * seconds)
    fade = int(RATE * 0.01)
    out = []
    for i in range(n):
        env = min(1.0, i / fade, (n - i) / fade)
        out.append(int(32767 * volume * env * math.sin(2 * math.pi * freq * i / RATE)))
    return out


def silence(seconds: float) -> list[int]:
    return [0] * int(RATE * seconds)


def write(path: Path, samples: list[int]) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    write(here / "granted.wav", tone(880, 0.12) + tone(1320, 0.18))
    write(here / "refused.wav", tone(330, 0.15) + silence(0.06) + tone(330, 0.15))
