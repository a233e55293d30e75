#!/usr/bin/python3
"""Convert questionnaires kept as pyxform markdown tables into .xlsx workbooks.

    /usr/bin/python3 scripts/md2xlsx.py examples/src/nhsda-alumni.md [more.md ...]
    /usr/bin/python3 scripts/md2xlsx.py --examples     # every examples/src/*.md

Writes examples/<name>.xlsx beside examples/src (or <name>.xlsx next to any
other .md).  Needs openpyxl (Debian: python3-openpyxl) at authoring time only;
the outputs are committed and nothing runs this at build or test time.
The workbook is what a researcher would keep editing in Excel or LibreOffice:
sheets survey, choices, settings, bold headers, sensible column widths.
"""
import glob
import os
import sys

import openpyxl
from openpyxl.styles import Font

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_test_xlsx import read_md, typed  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "examples")


def convert(md):
    order, sheets = read_md(md)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in order:
        ws = wb.create_sheet(name)
        widths = {}
        for r, row in enumerate(sheets[name], start=1):
            for c, v in enumerate(row, start=1):
                if v == "":
                    continue
                cell = ws.cell(row=r, column=c, value=typed(v))
                if r == 1:
                    cell.font = Font(bold=True)
                widths[c] = max(widths.get(c, 8), min(60, len(v) + 2))
        for c, w in widths.items():
            ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = w
        ws.freeze_panes = "A2"
    base = os.path.splitext(os.path.basename(md))[0] + ".xlsx"
    src_dir = os.path.dirname(os.path.abspath(md))
    out_dir = os.path.dirname(src_dir) if os.path.basename(src_dir) == "src" else src_dir
    out = os.path.join(out_dir, base)
    wb.save(out)
    return out


def main(args):
    if args == ["--examples"]:
        args = sorted(glob.glob(os.path.join(EXAMPLES, "src", "*.md")))
    if not args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for md in args:
        print("%s -> %s" % (md, convert(md)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
