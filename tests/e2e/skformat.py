"""skformat.py - survey-kiosk's file formats in Python, from docs/FORMATS.md alone.

An independent reader and writer: study.pub / study.key, fingerprints and
device ids, withdrawal codes and tags, withdrawal statements, survey packs,
sealed and signed records (v2) with their answers payload, and kiosk bundles
(v2).  Written from the specification (docs/FORMATS.md) without looking at
lib/, include/ or sync/, so that the test suite can check that the page is
enough and that the real binaries agree with it.  It is as strict as a real
reader: every length is checked against what remains, reserved bytes must be
zero, strings must be well-formed UTF-8 without NUL, versions and enumerated
bytes are checked, and a file must end exactly where its fields say.

Needs PyNaCl (Debian's python3-nacl) and the standard library only.
Errors raise SkError subclasses named after the C error codes.
"""
import hashlib
import json
import os
import re
import struct

import nacl.bindings as nb
import nacl.exceptions
import nacl.pwhash

# ---------------------------------------------------------------- errors --


class SkError(Exception):
    code = "SK_ERR"


class FormatError(SkError):
    code = "SK_ERR_FORMAT"


class UnsupportedError(SkError):
    code = "SK_ERR_UNSUPPORTED"


class AuthError(SkError):
    code = "SK_ERR_AUTH"


class MismatchError(SkError):
    code = "SK_ERR_MISMATCH"


class PassphraseError(SkError):
    code = "SK_ERR_PASSPHRASE"


MIB = 1024 * 1024
PAYLOAD_MAX = 32 * MIB
PACK_FORM_MAX = 32 * MIB
PACK_FILE_MAX = 32 * MIB + 32 * 1024
PACK_ATTACHMENTS_MAX = 64
BUNDLE_ITEM_MAX = 64 * MIB

# ------------------------------------------------------------- primitives --


def blake2b(data, bits, key=b""):
    return hashlib.blake2b(data, digest_size=bits // 8, key=key).digest()


def sign_detached(msg, sign_sk):
    """Pure Ed25519, libsodium's 64-byte secret key (seed || pk)."""
    if len(sign_sk) != 64:
        raise ValueError("an Ed25519 secret key is 64 bytes")
    return nb.crypto_sign(msg, sign_sk)[:64]


def verify_detached(sig, msg, pk):
    if len(sig) != 64 or len(pk) != 32:
        return False
    try:
        nb.crypto_sign_open(sig + msg, pk)
        return True
    except nacl.exceptions.BadSignatureError:
        return False
    except nacl.exceptions.CryptoError:
        return False


def check_string(raw, what):
    """A format string: well-formed UTF-8 (RFC 3629), no NUL."""
    if b"\0" in raw:
        raise FormatError("%s holds a NUL byte" % what)
    try:
        # Python's strict UTF-8 codec refuses overlong forms, surrogates and
        # anything above U+10FFFF, as RFC 3629 does.
        return raw.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        raise FormatError("%s is not well-formed UTF-8: %s" % (what, e)) from None


def enc_string(s, what):
    raw = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    check_string(raw, what)
    return raw


class Reader:
    """Bounds-checked little-endian reader over bytes."""

    def __init__(self, data, what):
        self.d = bytes(data)
        self.p = 0
        self.what = what

    def left(self):
        return len(self.d) - self.p

    def take(self, n, field="field"):
        if n < 0 or n > self.left():
            raise FormatError("%s: %s needs %d bytes, %d remain" % (self.what, field, n, self.left()))
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def u8(self, f="u8"):
        return self.take(1, f)[0]

    def u16(self, f="u16"):
        return struct.unpack("<H", self.take(2, f))[0]

    def u32(self, f="u32"):
        return struct.unpack("<I", self.take(4, f))[0]

    def u64(self, f="u64"):
        return struct.unpack("<Q", self.take(8, f))[0]

    def i64(self, f="i64"):
        return struct.unpack("<q", self.take(8, f))[0]

    def str8(self, f, lo, hi):
        n = self.u8(f + " length")
        if n < lo or n > hi:
            raise FormatError("%s: %s is %d bytes, must be %d..%d" % (self.what, f, n, lo, hi))
        return check_string(self.take(n, f), "%s: %s" % (self.what, f))

    def str16(self, f, lo, hi):
        n = self.u16(f + " length")
        if n < lo or n > hi:
            raise FormatError("%s: %s is %d bytes, must be %d..%d" % (self.what, f, n, lo, hi))
        return check_string(self.take(n, f), "%s: %s" % (self.what, f))

    def end(self):
        if self.left():
            raise FormatError("%s: %d bytes after the end" % (self.what, self.left()))


def check_magic_version(r, magic, version, older_gone=True):
    m = r.take(4, "magic")
    if m != magic:
        raise FormatError("%s: magic %r, want %r" % (r.what, m, magic))
    v = r.u8("version")
    if v > version:
        raise UnsupportedError("%s: version %d is newer than this reader (%d): update the software"
                               % (r.what, v, version))
    if v < version:
        raise UnsupportedError("%s: version %d is from an older release, no longer read" % (r.what, v))
    return v


def check_reserved(b, what):
    if any(b):
        raise FormatError("%s: reserved bytes are not zero (%s)" % (what, b.hex()))

# --------------------------------------------------------------- base32 --


B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def base32_10(b):
    """10 bytes -> XXXX-XXXX-XXXX-XXXX, bits read most significant first."""
    if len(b) != 10:
        raise ValueError("base32 takes exactly 10 bytes")
    n = int.from_bytes(b, "big")
    s = "".join(B32[(n >> (75 - 5 * i)) & 31] for i in range(16))
    return "-".join(s[i:i + 4] for i in range(0, 16, 4))


def normalise_code(typed):
    """Typed withdrawal code or fingerprint -> canonical form, or FormatError."""
    out = []
    for ch in typed:
        if ch in " \t-":
            continue
        c = ch.upper() if ch.isascii() else ch
        c = {"O": "0", "I": "1", "L": "1"}.get(c, c)
        if c not in B32:
            raise FormatError("%r is not a code character" % ch)
        out.append(c)
    if len(out) != 16:
        raise FormatError("a code has 16 symbols, %r has %d" % (typed, len(out)))
    s = "".join(out)
    return "-".join(s[i:i + 4] for i in range(0, 16, 4))


def base32_decode(code):
    s = normalise_code(code).replace("-", "")
    n = 0
    for c in s:
        n = (n << 5) | B32.index(c)
    return n.to_bytes(10, "big")


WTAG_KEY = b"survey-kiosk withdrawal code v1"
assert len(WTAG_KEY) == 31


def withdrawal_tag(code):
    canon = normalise_code(code)
    return blake2b(canon.encode("ascii"), 128, key=WTAG_KEY)


def new_withdrawal_code():
    return base32_10(os.urandom(10))

# ----------------------------------------------------- fingerprints, ids --


def study_fingerprint(box_pk, sign_pk):
    return base32_10(blake2b(box_pk + sign_pk, 256)[:10])


def device_id(pk):
    return blake2b(pk, 256)[:8]


def device_fingerprint(pk):
    return base32_10(blake2b(pk, 256)[:10])


class DeviceKey:
    """An Ed25519 device key as a kiosk makes one (crypto_sign_keypair)."""

    def __init__(self, seed=None):
        self.pk, self.sk = nb.crypto_sign_seed_keypair(seed if seed is not None else os.urandom(32))

    @property
    def id(self):
        return device_id(self.pk)

    @property
    def id_hex(self):
        return self.id.hex()

    @property
    def fingerprint(self):
        return device_fingerprint(self.pk)

# ------------------------------------------------------------ study key --


class StudyPub:
    def __init__(self, box_pk, sign_pk):
        self.box_pk, self.sign_pk = box_pk, sign_pk

    @property
    def fingerprint(self):
        return study_fingerprint(self.box_pk, self.sign_pk)


class StudyKey(StudyPub):
    def __init__(self, box_pk, sign_pk, box_sk, sign_sk):
        super().__init__(box_pk, sign_pk)
        self.box_sk, self.sign_sk = box_sk, sign_sk


def parse_study_pub(data):
    """study.pub (72 bytes), or the clear public halves of study.key."""
    if data[:4] == b"SKSK":
        r = Reader(data, "study.key")
        check_magic_version(r, b"SKSK", 1)
        if len(data) != 240:
            raise FormatError("study.key is %d bytes, not 240" % len(data))
        return StudyPub(data[64:96], data[96:128])
    r = Reader(data, "study.pub")
    check_magic_version(r, b"SKSP", 1)
    check_reserved(r.take(3, "reserved"), "study.pub")
    box_pk, sign_pk = r.take(32, "box_pk"), r.take(32, "sign_pk")
    r.end()
    return StudyPub(box_pk, sign_pk)


def write_study_pub(pub):
    return b"SKSP" + bytes([1, 0, 0, 0]) + pub.box_pk + pub.sign_pk


OPS_MIN, OPS_MAX = 1, 64
MEM_MIN, MEM_MAX = 8 * 1024, 1024 * MIB


def load_study_key(data, passphrase):
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    if not 1 <= len(passphrase) <= 1023:
        raise FormatError("a passphrase is 1 to 1023 bytes")
    r = Reader(data, "study.key")
    check_magic_version(r, b"SKSK", 1)
    kdf = r.u8("kdf")
    if kdf != 1:
        raise FormatError("study.key: KDF %d unknown" % kdf)
    check_reserved(r.take(2, "reserved"), "study.key")
    if len(data) != 240:
        raise FormatError("study.key is %d bytes, not 240" % len(data))
    ops, mem = r.u64("opslimit"), r.u64("memlimit")
    if not (OPS_MIN <= ops <= OPS_MAX and MEM_MIN <= mem <= MEM_MAX):
        raise FormatError("study.key: cost parameters out of range (%d, %d)" % (ops, mem))
    salt, nonce = r.take(16, "salt"), r.take(24, "nonce")
    box_pk, sign_pk = r.take(32, "box_pk"), r.take(32, "sign_pk")
    ct = r.take(112, "ciphertext")
    r.end()
    k = nacl.pwhash.argon2id.kdf(32, passphrase, salt, opslimit=ops, memlimit=mem)
    try:
        plain = nb.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, data[:128], nonce, k)
    except nacl.exceptions.CryptoError:
        raise PassphraseError("wrong passphrase (or a damaged study.key)") from None
    box_sk, sign_sk = plain[:32], plain[32:96]
    if nb.crypto_scalarmult_base(box_sk) != box_pk or sign_sk[32:] != sign_pk:
        raise AuthError("study.key: the secret halves do not match the public ones")
    return StudyKey(box_pk, sign_pk, box_sk, sign_sk)


def write_study_key(key, passphrase, opslimit=1, memlimit=8192):
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    salt, nonce = os.urandom(16), os.urandom(24)
    head = (b"SKSK" + bytes([1, 1, 0, 0]) + struct.pack("<QQ", opslimit, memlimit) + salt + nonce
            + key.box_pk + key.sign_pk)
    k = nacl.pwhash.argon2id.kdf(32, passphrase, salt, opslimit=opslimit, memlimit=memlimit)
    return head + nb.crypto_aead_xchacha20poly1305_ietf_encrypt(key.box_sk + key.sign_sk, head, nonce, k)


def new_study_key():
    box_pk, box_sk = nb.crypto_box_keypair()
    sign_pk, sign_sk = nb.crypto_sign_keypair()
    return StudyKey(box_pk, sign_pk, box_sk, sign_sk)

# ------------------------------------------------------------------ packs --


class Pack:
    pass


def _plain_name(name, what):
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise FormatError("pack: %s %r is not a plain name" % (what, name))


def _no_control(s, what):
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in s):
        raise FormatError("pack: %s has a control character" % what)


def parse_pack(data, verify=True):
    if len(data) > PACK_FILE_MAX:
        raise FormatError("pack: %d bytes, more than SK_PACK_FILE_MAX" % len(data))
    r = Reader(data, "pack")
    p = Pack()
    m = r.take(4, "magic")
    if m != b"SKPK":
        raise FormatError("pack: magic %r" % m)
    p.version = r.u8("version")
    if p.version > 2:
        raise UnsupportedError("pack: version %d is newer than this reader (2): update the software" % p.version)
    if p.version < 1:
        raise UnsupportedError("pack: version %d is from an older release, no longer read" % p.version)
    check_reserved(r.take(3, "reserved"), "pack")
    p.created_ms = r.i64("created_ms")
    p.box_pk, p.sign_pk = r.take(32, "box_pk"), r.take(32, "sign_pk")
    p.form_id = r.str16("form id", 1, 64)
    p.form_version = r.str16("form version", 0, 32)
    p.title = r.str16("form title", 0, 1024)
    p.file_name = r.str16("file name", 1, 255)
    _plain_name(p.file_name, "file name")
    n = r.u32("form bytes length")
    if n > PACK_FORM_MAX:
        raise FormatError("pack: form bytes %d > 32 MiB" % n)
    p.form_bytes = r.take(n, "form bytes")
    p.attachments, p.url, p.tls_pin, p.receipt_pk = [], None, None, None
    if p.version >= 2:
        count = r.u16("attachment count")
        if count > PACK_ATTACHMENTS_MAX:
            raise FormatError("pack: %d attachments > %d" % (count, PACK_ATTACHMENTS_MAX))
        total, seen = n, set()
        for i in range(count):
            name = r.str16("attachment %d name" % i, 1, 255)
            _plain_name(name, "attachment name")
            _no_control(name, "attachment name")
            folded = name.encode("utf-8").lower()   # ASCII letters only: bytes.lower()
            if folded in seen:
                raise FormatError("pack: two attachments named %r (ignoring case)" % name)
            seen.add(folded)
            m = r.u32("attachment %d length" % i)
            total += m
            if total > PACK_FORM_MAX:
                raise FormatError("pack: form and attachments > 32 MiB")
            p.attachments.append((name, r.take(m, "attachment %d bytes" % i)))
        url = r.str16("delivery URL", 0, 255)
        pin, rk = r.take(32, "TLS pin"), r.take(32, "receipt key")
        if url:
            _no_control(url, "delivery URL")
            p.url, p.tls_pin, p.receipt_pk = url, pin, rk
        elif pin != bytes(32) or rk != bytes(32):
            raise FormatError("pack: no delivery URL but a non-zero pin or receipt key")
    p.signed = data[:r.p]
    p.signature = r.take(64, "signature")
    r.end()
    p.digest = blake2b(bytes(data), 256)
    p.raw = bytes(data)
    p.study_fp = study_fingerprint(p.box_pk, p.sign_pk)
    if verify and not verify_detached(p.signature, p.signed, p.sign_pk):
        raise AuthError("pack: signature does not verify with the pack's own study key")
    return p


def write_pack(study, form_id, form_version, title, file_name, form_bytes, created_ms, strict=True,
               version=2, attachments=(), url="", tls_pin=bytes(32), receipt_pk=bytes(32)):
    """strict=False writes bytes fields as given (for tests of other readers).
    version=1 writes the old layout (no attachments, no server)."""
    def s16(s, what):
        raw = enc_string(s, what) if strict or isinstance(s, str) else bytes(s)
        return struct.pack("<H", len(raw)) + raw
    body = (b"SKPK" + bytes([version, 0, 0, 0]) + struct.pack("<q", created_ms) + study.box_pk
            + study.sign_pk + s16(form_id, "form id") + s16(form_version, "form version")
            + s16(title, "title") + s16(file_name, "file name")
            + struct.pack("<I", len(form_bytes)) + form_bytes)
    if version >= 2:
        body += struct.pack("<H", len(attachments))
        for name, data in attachments:
            body += s16(name, "attachment name") + struct.pack("<I", len(data)) + data
        body += s16(url, "delivery URL") + tls_pin + receipt_pk
    return body + sign_detached(body, study.sign_sk)

# ---------------------------------------------------------------- records --


KIND_CONSENT, KIND_RESPONSE, KIND_INCOMPLETE, KIND_DECLINED, KIND_DRAFT = 1, 2, 3, 4, 5
KIND_NAMES = {1: "consent", 2: "response", 3: "incomplete", 4: "declined", 5: "draft"}
FLAG_WRAPPED = 1
RECORD_MIN = 40 + 1 + 1 + 16 + 80 + 24 + 16 + 64


class Record:
    @property
    def kind_name(self):
        return KIND_NAMES[self.kind]

    @property
    def wrapped(self):
        return bool(self.flags & FLAG_WRAPPED)


def parse_record(data):
    """Parse a v2 record (no crypto).  Raises FormatError / UnsupportedError."""
    r = Reader(data, "record")
    c = Record()
    check_magic_version(r, b"SKRC", 2)
    c.kind = r.u8("kind")
    if c.kind not in KIND_NAMES:
        raise FormatError("record: kind %d unknown" % c.kind)
    c.flags = r.u8("flags")
    if c.flags & ~FLAG_WRAPPED or (c.flags & FLAG_WRAPPED and c.kind != KIND_INCOMPLETE):
        raise FormatError("record: flags %#x not allowed with kind %d" % (c.flags, c.kind))
    check_reserved(r.take(1, "reserved"), "record")
    c.record_id = r.take(16, "record id")
    c.device_id = r.take(8, "device id")
    c.seq = r.u64("seq")
    c.form_id = r.str8("form id", 0, 64)
    c.form_version = r.str8("form version", 0, 32)
    c.wtag = r.take(16, "withdrawal tag")
    c.sealed_key = r.take(80, "sealed key")
    c.nonce = r.take(24, "nonce")
    c.ad = bytes(data[:r.p])
    if r.left() < 16 + 64:
        raise FormatError("record: %d bytes left for ciphertext and signature, need >= 80" % r.left())
    c.ciphertext = r.take(r.left() - 64, "ciphertext")
    if len(c.ciphertext) - 16 > PAYLOAD_MAX:
        raise FormatError("record: payload larger than 32 MiB")
    c.signed = bytes(data[:r.p])
    c.signature = r.take(64, "signature")
    r.end()
    c.raw = bytes(data)
    return c


def verify_record(rec, device_pk):
    if device_id(device_pk) != rec.device_id:
        raise MismatchError("record names device %s, the key is of %s"
                            % (rec.device_id.hex(), device_id(device_pk).hex()))
    if not verify_detached(rec.signature, rec.signed, device_pk):
        raise AuthError("record %s: device signature does not verify" % rec.record_id.hex())


def _decrypt(rec, study):
    try:
        k = nb.crypto_box_seal_open(rec.sealed_key, study.box_pk, study.box_sk)
        if len(k) != 32:
            raise AuthError("record: sealed key is not 32 bytes")
        return nb.crypto_aead_xchacha20poly1305_ietf_decrypt(rec.ciphertext, rec.ad, rec.nonce, k)
    except nacl.exceptions.CryptoError:
        raise AuthError("record %s: sealed to another study or altered" % rec.record_id.hex()) from None


def open_record(rec, study, device_pk=None):
    """Returns (payload bytes, inner draft Record or None).  For a wrapped draft
    the payload is the inner draft's payload and the header is the outer one."""
    if isinstance(rec, (bytes, bytearray)):
        rec = parse_record(rec)
    plain = _decrypt(rec, study)
    if not rec.wrapped:
        return plain, None
    inner = parse_record(plain)
    if inner.kind != KIND_DRAFT or inner.flags:
        raise FormatError("wrapped record: the inner record is not a draft (kind %d flags %d)"
                          % (inner.kind, inner.flags))
    if device_pk is not None:
        verify_record(inner, device_pk)
    return _decrypt(inner, study), inner


def write_record(device, study_box_pk, kind, seq, form_id, form_version, wtag, payload,
                 record_id=None, flags=0, sealed_key_and_k=None, nonce=None, device_id_override=None,
                 version=2, reserved=0, strict=True):
    """Seal payload to the study and sign with the device key (DeviceKey or (pk, sk))."""
    pk, sk = (device.pk, device.sk) if isinstance(device, DeviceKey) else device
    record_id = record_id if record_id is not None else os.urandom(16)
    if strict or isinstance(form_id, str):
        fid, fver = enc_string(form_id, "form id"), enc_string(form_version, "form version")
    else:
        fid, fver = bytes(form_id), bytes(form_version)
    if len(fid) > 64 or len(fver) > 32 or len(record_id) != 16 or len(wtag or b"") not in (0, 16):
        raise ValueError("record field out of range")
    wtag = wtag or bytes(16)
    if sealed_key_and_k is None:
        k = os.urandom(32)  # what crypto_aead_xchacha20poly1305_ietf_keygen does (not in PyNaCl 1.5)
        sealed = nb.crypto_box_seal(k, study_box_pk)
    else:
        sealed, k = sealed_key_and_k
    nonce = nonce or os.urandom(24)
    dev_id = device_id_override if device_id_override is not None else device_id(pk)
    head = (b"SKRC" + bytes([version, kind, flags, reserved]) + record_id + dev_id + struct.pack("<Q", seq)
            + bytes([len(fid)]) + fid + bytes([len(fver)]) + fver + wtag + sealed + nonce)
    body = head + nb.crypto_aead_xchacha20poly1305_ietf_encrypt(payload, head, nonce, k)
    return body + sign_detached(body, sk)

# -------------------------------------------------------- answers payload --


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def parse_answers(payload):
    """Strictly check an answers payload (survey-kiosk/answers v2, or v1 which has
    no repeats); returns the dict."""
    try:
        text = check_string(bytes(payload), "answers payload")
        doc = json.loads(text)
    except (ValueError, FormatError) as e:
        raise FormatError("answers payload is not JSON: %s" % e) from None
    if not isinstance(doc, dict):
        raise FormatError("answers payload is not a JSON object")
    if doc.get("format") != "survey-kiosk/answers" or not _is_int(doc.get("v")) or doc["v"] not in (1, 2):
        raise FormatError("answers payload: format/v are %r/%r" % (doc.get("format"), doc.get("v")))
    types = {"sitting": (str, type(None)), "form_id": (str, type(None)),
             "form_version": (str, type(None)), "language": (str, type(None))}
    for k, t in types.items():
        if k in doc and not isinstance(doc[k], t):
            raise FormatError("answers payload: %s has type %s" % (k, type(doc[k]).__name__))
    for k in ("started", "finished"):
        if k in doc and not _is_int(doc[k]):
            raise FormatError("answers payload: %s is not an integer" % k)
    if not isinstance(doc.get("answers"), list):
        raise FormatError("answers payload: answers is not an array")
    for a in doc["answers"]:
        if not isinstance(a, dict):
            raise FormatError("answers payload: an answer is not an object")
        for k in ("name", "value", "section"):
            if not isinstance(a.get(k), str):
                raise FormatError("answers payload: answer %s is %r, not a string" % (k, a.get(k)))
        if a["section"] not in ("response", "consent"):
            raise FormatError("answers payload: section %r" % a["section"])
        for k in ("changed", "dwell_ms"):
            if k in a and not _is_int(a[k]):
                raise FormatError("answers payload: answer %s is not an integer" % k)
        if "repeat" in a and (doc["v"] < 2 or not isinstance(a["repeat"], str) or
                              not re.fullmatch(r"[^\[\]]+\[[1-9][0-9]{0,9}\]", a["repeat"])):
            raise FormatError("answers payload: repeat %r" % (a["repeat"],))
    return doc


def answers_dict(doc, section=None):
    """name -> value of the answers outside repeats."""
    return {a["name"]: a["value"] for a in doc["answers"]
            if "repeat" not in a and (section is None or a["section"] == section)}


def answers_by_instance(doc):
    """{"household[2]": {name: value}} for the answers inside repeat instances."""
    out = {}
    for a in doc["answers"]:
        if "repeat" in a:
            out.setdefault(a["repeat"], {})[a["name"]] = a["value"]
    return out


def make_answers(sitting, form_id, form_version, language, started, finished, answers):
    """answers: list of (name, value, section) or (name, value, section, changed, dwell_ms)
    or (name, value, section, changed, dwell_ms, repeat) with repeat "household[2]"."""
    items = []
    for a in answers:
        name, value, section = a[:3]
        changed = a[3] if len(a) > 3 else started + 1000
        dwell = a[4] if len(a) > 4 else 1000
        item = {"name": name, "value": value, "section": section,
                "changed": changed, "dwell_ms": dwell}
        if len(a) > 5 and a[5]:
            item["repeat"] = a[5]
        items.append(item)
    doc = {"format": "survey-kiosk/answers", "v": 2, "sitting": sitting, "form_id": form_id,
           "form_version": form_version, "language": language, "started": started,
           "finished": finished, "answers": items}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

# ----------------------------------------------------- withdrawal statements --


class Statement:
    pass


def parse_statement(data, study_sign_pk=None):
    r = Reader(data, "withdrawal statement")
    check_magic_version(r, b"SKWD", 1)
    check_reserved(r.take(3, "reserved"), "withdrawal statement")
    s = Statement()
    s.tag = r.take(16, "tag")
    s.time_ms = r.i64("time")
    s.signature = r.take(64, "signature")
    r.end()
    if study_sign_pk is not None and not verify_detached(s.signature, bytes(data[:32]), study_sign_pk):
        raise AuthError("withdrawal statement: not signed by this study")
    return s


def write_statement(study_sign_sk, tag, time_ms):
    body = b"SKWD" + bytes([1, 0, 0, 0]) + tag + struct.pack("<q", time_ms)
    return body + sign_detached(body, study_sign_sk)

# ---------------------------------------------------------------- bundles --


ITEM_PACK, ITEM_RECORD = 1, 2


class Bundle:
    def records(self):
        return [b for k, b in self.items if k == ITEM_RECORD]

    def packs(self):
        return [b for k, b in self.items if k == ITEM_PACK]


def _bundle_pass1(f, size):
    """Magic, version, key at 16, hash 0..size-65 in 64 KiB chunks, verify."""
    f.seek(0)
    head = f.read(48)
    if len(head) < 5:
        raise FormatError("bundle: %d bytes" % size)
    r = Reader(head, "bundle")
    check_magic_version(r, b"SKBN", 2)
    if size < 48 + 1 + 8 + 1 + 16 + 64:
        raise FormatError("bundle: too short (%d bytes)" % size)
    pk = head[16:48]
    h = hashlib.blake2b(digest_size=64)
    f.seek(0)
    left = size - 64
    while left:
        chunk = f.read(min(65536, left))
        if not chunk:
            raise FormatError("bundle: file shrank while reading")
        h.update(chunk)
        left -= len(chunk)
    sig = f.read(64)
    H = h.digest()
    if not verify_detached(sig, H, pk):
        raise AuthError("bundle: signature does not verify (damaged or altered)")
    if head[8:16] != device_id(pk):
        raise MismatchError("bundle: device id %s is not derived from its key" % head[8:16].hex())
    return H, pk


def read_bundle(path_or_bytes, verify_items=True):
    """Read and check a bundle completely.  verify_items: check every record's
    device id and signature against the bundle key and every pack's signature."""
    import io
    if isinstance(path_or_bytes, (bytes, bytearray)):
        f = io.BytesIO(bytes(path_or_bytes))
    else:
        f = open(path_or_bytes, "rb")
    with f:
        f.seek(0, 2)
        size = f.tell()
        H1, pk = _bundle_pass1(f, size)
        # pass 2: the header and one item at a time, hashing again
        f.seek(0)
        h = hashlib.blake2b(digest_size=64)

        def rd(n, what):
            b = f.read(n)
            if len(b) != n:
                raise FormatError("bundle: %s needs %d bytes" % (what, n))
            h.update(b)
            return b
        b = Bundle()
        hdr = rd(48, "header")
        r = Reader(hdr, "bundle")
        b.version = check_magic_version(r, b"SKBN", 2)
        check_reserved(r.take(3, "reserved"), "bundle")
        b.device_id = r.take(8)
        b.device_pk = r.take(32)
        n = rd(1, "label length")[0]
        if n > 64:
            raise FormatError("bundle: label is %d bytes, at most 64" % n)
        b.label = check_string(rd(n, "label"), "bundle: device label")
        b.created_ms = struct.unpack("<q", rd(8, "created_ms"))[0]
        b.items = []
        while True:
            if f.tell() >= size - 64:
                raise FormatError("bundle: no end mark")
            kind = rd(1, "item kind")[0]
            if kind == 0:
                break
            if kind not in (ITEM_PACK, ITEM_RECORD):
                raise FormatError("bundle: item kind %d unknown" % kind)
            ln = struct.unpack("<I", rd(4, "item length"))[0]
            if not 1 <= ln <= BUNDLE_ITEM_MAX or ln > size - 64 - f.tell():
                raise FormatError("bundle: item length %d out of range" % ln)
            b.items.append((kind, rd(ln, "item")))
        nrec, npack = struct.unpack("<QQ", rd(16, "counts"))
        if f.tell() != size - 64:
            raise FormatError("bundle: %d bytes between the counts and the signature"
                              % (size - 64 - f.tell()))
        if h.digest() != H1:
            raise AuthError("bundle: changed between the passes")
        if nrec != len(b.records()) or npack != len(b.packs()):
            raise FormatError("bundle: counts %d/%d do not match %d records, %d packs"
                              % (nrec, npack, len(b.records()), len(b.packs())))
        b.hash = H1
    b.parsed_records = []
    b.parsed_packs = []
    for raw in b.packs():
        b.parsed_packs.append(parse_pack(raw, verify=verify_items))
    for raw in b.records():
        rec = parse_record(raw)
        if verify_items:
            if rec.device_id != b.device_id:
                raise MismatchError("bundle: record of device %s in a bundle of %s"
                                    % (rec.device_id.hex(), b.device_id.hex()))
            verify_record(rec, b.device_pk)
        b.parsed_records.append(rec)
    b.fingerprint = device_fingerprint(b.device_pk)
    return b


def write_bundle(device, label, created_ms, packs=(), records=(), items=None, version=2,
                 reserved=b"\0\0\0", label_raw=None, counts=None, device_id_override=None, tail=b"",
                 end_mark=b"\0"):
    """A bundle signed by device (DeviceKey).  items overrides packs+records
    ([(kind, bytes)]); the other knobs let tests build malformed-but-signed files."""
    if items is None:
        items = [(ITEM_PACK, p) for p in packs] + [(ITEM_RECORD, r) for r in records]
    lab = label_raw if label_raw is not None else enc_string(label, "device label")
    if label_raw is None and len(lab) > 64:
        raise ValueError("a device label is at most 64 bytes")
    dev_id = device_id_override if device_id_override is not None else device.id
    out = bytearray(b"SKBN" + bytes([version]) + reserved + dev_id + device.pk
                    + bytes([len(lab)]) + lab + struct.pack("<q", created_ms))
    for kind, data in items:
        out += bytes([kind]) + struct.pack("<I", len(data)) + data
    nrec = sum(1 for k, _ in items if k == ITEM_RECORD)
    npack = sum(1 for k, _ in items if k == ITEM_PACK)
    if counts is not None:
        nrec, npack = counts
    out += end_mark + struct.pack("<QQ", nrec, npack) + tail
    H = blake2b(bytes(out), 512)
    return bytes(out) + sign_detached(H, device.sk)


def bundle_file_name(device, first_seq, last_seq, created_ms):
    return "skb-%s-%d-%d-%d.skb" % (device.id_hex, first_seq, last_seq, created_ms)

# ------------------------------------------------------- central store (write) --
# FORMATS.md ("What the central store enforces") names the tables and their
# columns but not the columns' SQL types or how each value is encoded (device
# ids as hex text or 8 bytes, fp as text or bytes, wtag NULL or 16 zero bytes
# for "none", meta.study as a blob).  The DDL below was read from a store that
# survey-sync itself wrote (SELECT sql FROM sqlite_master; typeof() of its
# values), not from the source: anyone can do that with the public binary.

CENTRAL_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE devices(id TEXT PRIMARY KEY, pk BLOB, fp BLOB NOT NULL, label TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0, retired_seq INTEGER, state_ms INTEGER NOT NULL DEFAULT 0,
  first_import_ms INTEGER NOT NULL DEFAULT 0, last_import_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE imports(id INTEGER PRIMARY KEY, source TEXT NOT NULL, time_ms INTEGER NOT NULL,
  added INTEGER NOT NULL DEFAULT 0, held INTEGER NOT NULL DEFAULT 0, present INTEGER NOT NULL DEFAULT 0,
  conflicts INTEGER NOT NULL DEFAULT 0, withdrawn INTEGER NOT NULL DEFAULT 0,
  refused INTEGER NOT NULL DEFAULT 0, packs_added INTEGER NOT NULL DEFAULT 0);
CREATE TABLE packs(digest BLOB PRIMARY KEY, study_fp TEXT NOT NULL, form_id TEXT NOT NULL,
  form_version TEXT NOT NULL, bytes BLOB NOT NULL, import_id INTEGER NOT NULL);
CREATE INDEX packs_form ON packs(form_id, form_version);
CREATE TABLE records(device TEXT NOT NULL REFERENCES devices(id), record_id BLOB NOT NULL,
  seq INTEGER NOT NULL, kind INTEGER NOT NULL, form_id TEXT NOT NULL, form_version TEXT NOT NULL,
  wtag BLOB, blob BLOB NOT NULL, import_id INTEGER NOT NULL, unreadable TEXT,
  PRIMARY KEY(device, record_id));
CREATE INDEX records_device_seq ON records(device, seq);
CREATE INDEX records_form ON records(form_id, form_version, device, seq);
CREATE INDEX records_wtag ON records(wtag) WHERE wtag IS NOT NULL;
CREATE TABLE conflicts(id INTEGER PRIMARY KEY, device TEXT NOT NULL, record_id BLOB NOT NULL,
  source TEXT NOT NULL, blob BLOB NOT NULL, blob_hash BLOB NOT NULL, time_ms INTEGER NOT NULL,
  UNIQUE(device, record_id, blob_hash));
CREATE TABLE withdrawals(tag BLOB PRIMARY KEY, time_ms INTEGER NOT NULL, statement BLOB NOT NULL);
CREATE TABLE withdrawn_records(device TEXT NOT NULL, record_id BLOB NOT NULL,
  tag BLOB NOT NULL REFERENCES withdrawals(tag), seq INTEGER NOT NULL, kind INTEGER NOT NULL,
  form_id TEXT NOT NULL, form_version TEXT NOT NULL, PRIMARY KEY(device, record_id));
CREATE INDEX withdrawn_device_seq ON withdrawn_records(device, seq);
"""


def write_central_store(path, study_pub, devices=(), records=(), packs=(), withdrawals=(),
                        withdrawn_records=(), now_ms=1796000000000):
    """A central.db (schema 2) written from scratch.
    devices: [(id_hex, pk or None, fp_bytes10, label, state)]
    records: [(device_id_hex, record_bytes)] (header columns taken from the record)
    packs: [pack bytes]; withdrawals: [(tag, time_ms, statement_bytes)]
    withdrawn_records: [(device_id_hex, record_id, tag, seq, kind, form_id, form_version)]"""
    import sqlite3
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    con = sqlite3.connect(path)
    con.execute("PRAGMA application_id = %d" % 0x534B4353)
    con.execute("PRAGMA user_version = 2")
    con.execute("PRAGMA journal_mode = WAL")
    con.executescript(CENTRAL_SCHEMA)
    con.execute("INSERT INTO meta(key, value) VALUES('study', ?)", (study_pub.box_pk + study_pub.sign_pk,))
    con.execute("INSERT INTO imports(id, source, time_ms) VALUES(1, 'crafted', ?)", (now_ms,))
    for dev_hex, pk, fp, label, state in devices:
        con.execute("INSERT INTO devices(id, pk, fp, label, state, state_ms, first_import_ms,"
                    " last_import_ms) VALUES(?,?,?,?,?,?,?,?)",
                    (dev_hex, pk, fp, label, state, now_ms, now_ms, now_ms))
    for raw in packs:
        p = parse_pack(raw, verify=False)
        con.execute("INSERT INTO packs VALUES(?,?,?,?,?,1)",
                    (p.digest, p.study_fp, p.form_id, p.form_version, raw))
    for dev_hex, raw in records:
        r = parse_record(raw)
        wtag = r.wtag if any(r.wtag) else None
        con.execute("INSERT INTO records(device, record_id, seq, kind, form_id, form_version, wtag,"
                    " blob, import_id) VALUES(?,?,?,?,?,?,?,?,1)",
                    (dev_hex, r.record_id, r.seq, r.kind, r.form_id, r.form_version, wtag, raw))
    for tag, t, stmt in withdrawals:
        con.execute("INSERT INTO withdrawals VALUES(?,?,?)", (tag, t, stmt))
    for row in withdrawn_records:
        con.execute("INSERT INTO withdrawn_records VALUES(?,?,?,?,?,?,?)", row)
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
