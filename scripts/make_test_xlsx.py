#!/usr/bin/python3
"""Make the binary and CSV test forms from their markdown originals.

Run once (and again when a source .md changes) with Debian's python3, which has
openpyxl:  /usr/bin/python3 scripts/make_test_xlsx.py
The outputs are committed; tests never run this script.

  tests/data/forms/golden_basic.md -> golden_basic.xlsx (openpyxl) and .csv
  tests/data/forms/xlsx-src/<name>.md -> broken/<name>.xlsx
  tests/data/forms/handmade_inline.xlsx: written with zipfile, using inline
      strings, rich-text shared strings, numbers, booleans, gaps and entities,
      which openpyxl does not produce.
"""
import csv
import io
import os
import sys
import zipfile

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))
FORMS = os.path.join(HERE, "..", "tests", "data", "forms")


def read_md(path):
    """pyxform's markdown layout -> {sheet: [rows]} (rows as lists of cells)."""
    sheets, cur = {}, None
    order = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if not s.startswith("|"):
                continue
            cells = [c.strip() for c in s.strip("|").split("|")]
            if cells[0]:
                cur = cells[0]
                sheets[cur] = []
                order.append(cur)
                if not any(cells[1:]):
                    continue
            sheets[cur].append(cells[1:])
    return order, sheets


def typed(v):
    """Numbers as numbers (as a person typing into Excel would get)."""
    try:
        if v.isdigit():
            return int(v)
    except ValueError:
        pass
    return v


def write_xlsx(order, sheets, out):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in order:
        ws = wb.create_sheet(name)
        for r, row in enumerate(sheets[name], start=1):
            for c, v in enumerate(row, start=1):
                if v != "":
                    ws.cell(row=r, column=c, value=typed(v))
    wb.save(out)


def write_csv(order, sheets, out):
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        for name in order:
            width = max(len(r) for r in sheets[name]) if sheets[name] else 0
            w.writerow([name] + [""] * width)
            for row in sheets[name]:
                w.writerow([""] + row)


def handmade(out):
    """An .xlsx the way other producers write it: inline strings, rich text."""
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="xml" ContentType="application/xml"/></Types>')
    wbx = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
           '<sheet name="settings" sheetId="3" r:id="rId9"/>'
           '<sheet name="survey" sheetId="1" r:id="rId7"/>'
           '<sheet name="choices" sheetId="2" r:id="rId8"/></sheets></workbook>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId7" Type="worksheet" Target="worksheets/s_a.xml"/>'
            '<Relationship Id="rId8" Type="worksheet" Target="/xl/worksheets/s_b.xml"/>'
            '<Relationship Id="rId9" Type="worksheet" Target="worksheets/s_c.xml"/></Relationships>')
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<si><t>type</t></si><si><t>name</t></si><si><t>label</t></si>'
           '<si><r><rPr><b/></rPr><t>How </t></r><r><t xml:space="preserve">old are </t></r><r><t>you?</t></r></si>'
           '<si><t>Fish &amp; chips &lt;3</t></si></sst>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'

    def istr(ref, text):
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    survey = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'
              '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c>'
              + istr("E1", "default") + '</row>'
              '<row r="3">' + istr("A3", "integer") + istr("B3", "age") + '<c r="D3" t="s"><v>3</v></c>'
              '<c r="E3"><v>18.0</v></c></row>'
              '<row r="4">' + istr("A4", "select_one food") + istr("B4", "food") + '<c r="D4" t="s"><v>4</v></c>'
              '<c r="E4"><v>2.5E0</v></c><c r="F4" t="b"><v>1</v></c></row>'
              '</sheetData></worksheet>')
    choices = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'
               '<row r="1">' + istr("A1", "list_name") + istr("B1", "name") + istr("C1", "label") + '</row>'
               '<row r="2">' + istr("A2", "food") + '<c r="B2"><v>1</v></c>' + istr("C2", "Fish") + '</row>'
               '<row r="3">' + istr("A3", "food") + '<c r="B3"><v>2</v></c>' + istr("C3", "Chips") + '</row>'
               '</sheetData></worksheet>')
    settings = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'
                '<row r="1">' + istr("A1", "form_id") + istr("B1", "version") + '</row>'
                '<row r="2">' + istr("A2", "handmade") + '<c r="B2"><v>3.25</v></c></row>'
                '</sheetData></worksheet>')
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("xl/workbook.xml", wbx)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/sharedStrings.xml", sst)
        z.writestr("xl/worksheets/s_a.xml", survey)
        z.writestr("xl/worksheets/s_b.xml", choices)
        z.writestr("xl/worksheets/s_c.xml", settings)


def main():
    for name in ["golden_basic"]:
        order, sheets = read_md(os.path.join(FORMS, name + ".md"))
        write_xlsx(order, sheets, os.path.join(FORMS, name + ".xlsx"))
        write_csv(order, sheets, os.path.join(FORMS, name + ".csv"))
    src = os.path.join(FORMS, "xlsx-src")
    for f in sorted(os.listdir(src)):
        if f.endswith(".md"):
            order, sheets = read_md(os.path.join(src, f))
            write_xlsx(order, sheets, os.path.join(FORMS, "broken", f[:-3] + ".xlsx"))
    handmade(os.path.join(FORMS, "handmade_inline.xlsx"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
