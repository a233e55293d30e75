#!/usr/bin/env python3
"""make_corpus.py - (re)make the seed corpora in tests/fuzz/corpus/ from the
project's own test data (tests/data/forms, tests/golden/crypto, examples/).
Seeds are small and deterministic; run it again when the formats change.
Input formats: see the comment at the top of each tests/fuzz/fuzz_<target>.c."""
import glob, hashlib, os, re, struct, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
CORPUS = os.path.join(HERE, 'corpus')


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def read(rel):
    with open(os.path.join(ROOT, rel), 'rb') as f:
        return f.read()


def xlsx_parts(data):
    """An .xlsx as the NUL-separated parts fuzz_util.h's fz_xlsx reads back."""
    z = zipfile.ZipFile(__import__('io').BytesIO(data))
    names = z.namelist()
    wb = z.read('xl/workbook.xml')
    rels = z.read('xl/_rels/workbook.xml.rels')
    sst = z.read('xl/sharedStrings.xml') if 'xl/sharedStrings.xml' in names else b''
    # fz_xlsx names the sheets sheet1.xml, sheet2.xml, ... in order: point
    # the relationships at those names.
    targets = re.findall(rb'Target="([^"]*worksheets/[^"]*)"', rels)
    sheets = []
    for i, t in enumerate(targets, 1):
        path = t.decode().lstrip('/')
        if not path.startswith('xl/'):
            path = 'xl/' + path
        sheets.append(z.read(path))
        rels = rels.replace(b'Target="' + t + b'"', b'Target="worksheets/sheet%d.xml"' % i)
    return b'\0'.join([wb, rels, sst] + sheets)


forms_md = sorted(glob.glob(os.path.join(ROOT, 'tests/data/forms/*.md'))) + \
    sorted(glob.glob(os.path.join(ROOT, 'examples/src/*.md')))
broken_md = sorted(glob.glob(os.path.join(ROOT, 'tests/data/forms/broken/*.md')))
xlsx = sorted(glob.glob(os.path.join(ROOT, 'tests/data/forms/*.xlsx'))) + \
    sorted(glob.glob(os.path.join(ROOT, 'examples/*.xlsx')))
csv = sorted(glob.glob(os.path.join(ROOT, 'tests/data/forms/*.csv'))) + \
    sorted(glob.glob(os.path.join(ROOT, 'tests/data/forms/broken/*.csv')))

# md, csv, xlsx: the files themselves (xlsx also as parts)
for p in forms_md + broken_md:
    put('md', os.path.basename(p), open(p, 'rb').read())
for p in csv:
    put('csv', os.path.basename(p), open(p, 'rb').read())
for p in xlsx:
    data = open(p, 'rb').read()
    put('xlsx', os.path.basename(p), data)
    put('xlsx', os.path.basename(p) + '.parts', xlsx_parts(data))

# expr: every expression of the example and test forms, in a few modes
exprs = set()
for p in forms_md:
    rows = [[c.strip() for c in l.strip().strip('|').split('|')]
            for l in open(p, encoding='utf-8') if l.lstrip().startswith('|')]
    header = None
    for r in rows:
        if r and r[0]:
            header = None
            continue
        if header is None:
            header = [h.lower() for h in r]
            continue
        for h, v in zip(header, r):
            if v and h in ('relevant', 'constraint', 'calculation', 'choice_filter', 'required',
                           'read_only', 'readonly'):
                exprs.add((1 if h == 'choice_filter' else 0, v.replace('\\|', '|')))
exprs |= {(0, "regex(${a}, '^[0-9]{3}-\\d{4}$')"), (0, "jr:choice-name(${role}, '${role}')"),
          (0, "int((today() - ${c}) div 365.25)"), (0, "substr(concat(${h}, 'x'), 1, 3)"),
          (0, "selected(${e}, 'b') and count-selected(${e}) > 1"), (0, "number('2024-03-01T10:30')"),
          (0, "if(${a} > 2, round(${b} * 3.5, 1), coalesce(${f}, 'none'))"),
          (1, "region = 'north' and starts-with(name, 'd')"), (0, "now()"),
          (0, "string-length(.) <= 10 and regex(., '^[A-Za-z ]+$')")}
for i, (mode, src) in enumerate(sorted(exprs)):
    for m in (mode, mode | 2 | 32, mode | 4 | 8, mode | 6 | 16 | 64):
        put('expr', 'e%03d_%02x' % (i, m), bytes([m]) + src.encode())

# form: a sitting over the small forms, with typed answers
answers = b'\n%%answers%%\n#1\n42\n2024-03-01\nyes\nsome text\n#0\n3.5\n'
for p in sorted(glob.glob(os.path.join(ROOT, 'tests/data/forms/*.md'))) + \
        sorted(glob.glob(os.path.join(ROOT, 'examples/src/*.md'))):
    put('form', 'md_' + os.path.basename(p), b'\0' + open(p, 'rb').read() + answers)
put('form', 'csv_golden_basic', b'\1' + read('tests/data/forms/golden_basic.csv') + answers)
put('form', 'xlsx_golden_basic', b'\2' + xlsx_parts(read('tests/data/forms/golden_basic.xlsx')) + answers)

# pack, bundle: the golden files
put('pack', 'pack.bin', read('tests/golden/crypto/pack.bin'))
put('pack', 'pack_v1.bin', read('tests/golden/crypto/pack_v1.bin'))
put('bundle', 'bundle.skb', read('tests/golden/crypto/bundle.skb'))

# signed: mode 0 a pack body (no signature), 1 bundle items, 2 a record
# header + answers JSON, 3 a header + an inner record
pack = read('tests/golden/crypto/pack.bin')
record = read('tests/golden/crypto/record.bin')
wrapped = read('tests/golden/crypto/wrapped_draft.bin')
form_md = read('tests/data/forms/golden_basic.md')
json = (b'{"format":"survey-kiosk/answers","v":1,"sitting":"00112233445566778899aabbccddeeff",'
        b'"form_id":"golden_basic","form_version":"1","language":"en","started":1763856000000,'
        b'"finished":1763856123000,"answers":[{"name":"q1","value":"yes","section":"response",'
        b'"changed":1763856010000,"dwell_ms":4200},{"name":"c1","value":"yes","section":"consent",'
        b'"changed":1763856011000,"dwell_ms":100}]}')


def header(kind, seq, form_id=b'golden_basic', version=b'1'):
    return (bytes([kind]) + struct.pack('>Q', seq) + bytes([len(form_id)]) + form_id +
            bytes([len(version)]) + version + b'\x11' * 16 + b'\x22' * 16)


def body_pack(form=form_md, name=b'golden_basic.md'):
    def s16(b):
        return struct.pack('<H', len(b)) + b
    return (b'SKPK\x01\0\0\0' + struct.pack('<q', 1763856000000) + b'\0' * 64 +
            s16(b'golden_basic') + s16(b'1') + s16(b'Golden') + s16(name) +
            struct.pack('<I', len(form)) + form)


# answers: payloads as records carry them (golden files and the one below)
put('answers', 'payload_v1.json', read('tests/golden/answers/payload_v1.json'))
put('answers', 'payload_v2.json', read('tests/golden/answers/payload_v2.json'))
put('answers', 'escapes.json', json.replace(b'"yes","section":"response"',
    b'"y\\u00e9s \\ud83d\\ude00 \\"q\\" \\/\\n","section":"response"'))
put('signed', 'pack_golden', b'\0' + pack[:-64])
put('signed', 'pack_made', b'\0' + body_pack())
put('signed', 'bundle_items', b'\1' + b''.join(bytes([k]) + struct.pack('>H', len(b)) + b
                                               for k, b in ((0, pack), (1, record), (1, wrapped))))
put('signed', 'record_json', b'\2' + header(2, 1) + json)
put('signed', 'record_consent', b'\2' + header(1, 2) + json)
put('signed', 'wrapped_record', b'\3' + header(3, 3) + record)
put('signed', 'wrapped_draft', b'\3' + header(3, 4) + wrapped)

# merge: flags, then items (kind, ...), see fuzz_merge.c
def m_raw(kind, b):
    return bytes([kind]) + struct.pack('>H', len(b)) + b


def m_sealed(kind, seq, payload=json):
    return bytes([2]) + header(kind, seq) + struct.pack('>H', len(payload)) + payload


def m_pack(form=form_md, fid=b'golden_basic'):
    return bytes([3, len(fid)]) + fid + struct.pack('>H', len(form)) + form


put('merge', 'pack_and_records', b'\3' + m_pack() + m_sealed(1, 1) + m_sealed(2, 2) + m_sealed(4, 3))
put('merge', 'gap_and_repeat', b'\6' + m_pack() + m_sealed(2, 1) + m_sealed(2, 5) + m_sealed(2, 5))
put('merge', 'raw_golden', b'\0' + m_raw(0, pack) + m_raw(1, record))
put('merge', 'unpinned_incomplete', b'\4' + m_sealed(3, 7) + m_pack())
