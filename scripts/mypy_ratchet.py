#!/usr/bin/env python
"""The typing ratchet: every file listed in scripts/mypy_ratchet.txt must pass mypy.

Settings are `[tool.mypy]` in pyproject.toml (django-stubs and djangorestframework-stubs,
strict on services, selectors and models). Only the listed files are checked and reported;
the modules they import are analysed for their types only (`follow_imports = silent`).

    scripts/mypy_ratchet.py               # check (make test runs this): fails on any error
    scripts/mypy_ratchet.py --candidates  # which unlisted services/selectors/models pass
    scripts/mypy_ratchet.py --update      # add those to the list (it only ever grows)

A listed file that now fails is fixed, never taken off the list: the typed part only grows.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "scripts" / "mypy_ratchet.txt"
PACKAGES = ["crm", "leads", "opportunities", "quotes", "invoices", "forecasting"]
LAYER_FILES = ("services.py", "selectors.py", "models.py")
ERROR = re.compile(r"^(?P<path>[^:\n]+\.py):\d+(?::\d+)?: error: ")


def listed() -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in LIST.read_text().splitlines())
    return [line for line in lines if line]


def layer_files() -> list[str]:
    found = {str(path.relative_to(ROOT)) for package in PACKAGES
             for name in LAYER_FILES for path in (ROOT / package).rglob(name)
             if "migrations" not in path.parts}
    return sorted(found)


def run_mypy(paths: list[str]) -> tuple[dict[str, list[str]], str, int]:
    from mypy import api

    stdout, stderr, status = api.run(["--no-error-summary", *paths])
    errors: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        match = ERROR.match(line)
        if match:
            errors.setdefault(match["path"], []).append(line)
    return errors, stdout + stderr, status


def check() -> int:
    paths = listed()
    missing = [p for p in paths if not (ROOT / p).is_file()]
    if missing:
        print("Listed in scripts/mypy_ratchet.txt but not found (moved? list the new path):")
        print("\n".join(f"  {p}" for p in missing))
        return 1
    started = time.monotonic()
    errors, output, status = run_mypy(paths)
    took = time.monotonic() - started
    if errors or status not in (0, 1) or (status == 1 and not errors):
        print(output.rstrip())
        print(f"mypy ratchet: {sum(map(len, errors.values()))} errors in {len(errors)} of the "
              f"{len(paths)} files that must pass ({took:.0f} s). Fix them; the list only grows.")
        return 1
    print(f"mypy ratchet: the {len(paths)} listed files pass ({took:.0f} s).")
    return 0


def candidates() -> list[str]:
    known = set(listed())
    others = [p for p in layer_files() if p not in known]
    errors, _output, status = run_mypy(others)
    if status not in (0, 1):
        sys.exit(_output)
    return [p for p in others if p not in errors]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--candidates", action="store_true",
                      help="list unlisted services/selectors/models that pass")
    mode.add_argument("--update", action="store_true", help="add the passing ones to the list")
    args = parser.parse_args()
    if not (args.candidates or args.update):
        return check()
    passing = candidates()
    print("\n".join(passing) or "No unlisted services/selectors/models pass yet.")
    if args.update and passing:
        with LIST.open("a") as handle:
            handle.write("".join(f"{p}\n" for p in passing))
        print(f"Added {len(passing)} files to {LIST.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
