"""Run `lossdoctor diagnose` over a folder of real-world logs and print what was read and what failed.

Usage: python bench/check_wild.py [FOLDER] [--originals-only]

By default FOLDER is ../shared/wild. Each file is diagnosed through the CLI entry point (in
process, for speed); the table shows the exit code, the format detected and the diagnosis or error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lossdoctor.cli import cli  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "wild"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default=DEFAULT)
    ap.add_argument("--originals-only", action="store_true", help="only the byte-for-byte original files")
    args = ap.parse_args()
    folder = Path(args.folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != "README.md"
                   and (".orig." in p.name or not args.originals_only))
    if not files:
        sys.exit(f"Error: {folder}: no log files there; pass the folder of real-world logs")
    runner = CliRunner()
    exits = Counter()
    for p in files:
        r = runner.invoke(cli, ["diagnose", str(p), "--format", "json"])
        exits[r.exit_code] += 1
        if r.exit_code == 0:
            d = json.loads(r.output)
            val = d["val"]["trend"] if d["val"] else "-"
            what = f"{d['format']:<14} {d['train']['key']}/{d['val']['key'] if d['val'] else '-'} " \
                   f"{d['train']['trend']}/{val} -> {d['diagnosis']['code']}"
        else:
            what = (r.stderr or r.output).strip().splitlines()[-1][:150] if (r.stderr or r.output) else "?"
        print(f"{r.exit_code}  {p.name[:48]:<48} {what}")
    print(f"\n{len(files)} files: {exits[0]} diagnosed, {exits[2]} refused with a clear error (exit 2), "
          f"{exits[3]} internal errors (exit 3), {sum(v for k, v in exits.items() if k not in (0, 2, 3))} other")


if __name__ == "__main__":
    main()
