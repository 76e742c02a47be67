"""Print the third-party requirements of prefloop distributions, one per line.

Images install dependencies in their own layer before the code is copied, so a
code change does not reinstall them. Our own distributions (prefloop-*) are
left out; the extras named with --extras are included.

    python deps.py --extras model shared/pyproject.toml services/trainer/pyproject.toml
"""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path


def requirements(pyproject: Path, extras: set[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    found = list(project.get("dependencies", []))
    for extra, items in project.get("optional-dependencies", {}).items():
        if extra in extras:
            found += items
    return [r for r in found if not re.match(r"prefloop-", r)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extras", default="", help="comma-separated extras to include")
    parser.add_argument("pyprojects", nargs="+", type=Path)
    args = parser.parse_args()
    extras = {e for e in args.extras.split(",") if e}
    lines = [r for path in args.pyprojects for r in requirements(path, extras)]
    print("\n".join(dict.fromkeys(lines)))


if __name__ == "__main__":
    main()
