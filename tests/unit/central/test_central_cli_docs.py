"""README's "Command line" section lists every `central` command the parser has."""

from __future__ import annotations

import argparse
from pathlib import Path

from central.cli import build_parser


def _commands(parser: argparse.ArgumentParser, prefix: str = "central") -> list[str]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [prefix]
    return [c for name, sub in subs[0].choices.items() for c in _commands(sub, f"{prefix} {name}")]


def test_readme_lists_every_central_command() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    lines = [line.split("#", 1)[0].strip() for line in section.splitlines()]
    commands = _commands(build_parser())
    assert len(commands) >= 20 and "central users disable" in commands
    for command in commands:
        assert any(line == command or line.startswith(command + " ") for line in lines), command
    assert any(line.startswith("central --version") for line in lines)
    assert "central members import FILE.csv [--replace]" in lines
