"""Writers and editors for scldm's binary formats (see man/scldm-formats.5),
so that the adversarial harness can make files that get past the checksums
and reach the deeper checks. Pure Python + numpy; no zstd module needed
(frames are written as zstd frames of raw, uncompressed blocks)."""
import copy
import json
import struct
import zlib

import numpy as np

STREAM_MAGIC = b"SCLDMSTR"
CKPT_MAGIC = b"SCLDMCKP"


def crc32(data, start=0):
    return zlib.crc32(data, start) & 0xFFFFFFFF


# ------------------------------------------------------------------ zstd


def zstd_raw_frame(payload):
    """One zstd frame holding `payload` in raw blocks (valid zstd, no compression)."""
    out = bytearray(struct.pack("<I", 0xFD2FB528))
    out.append(0xA0)  # single segment, 4-byte frame content size, no checksum, no dictionary
    out += struct.pack("<I", len(payload))
    i = 0
    while True:
        chunk = payload[i:i + 131072]
        i += len(chunk)
        last = i >= len(payload)
        hdr = (1 if last else 0) | (0 << 1) | (len(chunk) << 3)
        out += hdr.to_bytes(3, "little")
        out += chunk
        if last:
            break
    return bytes(out)


# ------------------------------------------------------------------ streams


def dump_json(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def read_stream_header(data):
    """(header dict, offset of the first frame) of stream bytes."""
    assert data[:8] == STREAM_MAGIC, "not a stream"
    (n,) = struct.unpack("<I", data[8:12])
    return json.loads(data[12:12 + n]), 12 + n + 4


def frame(n_records, payload, raw_size=None, packed=None, crc=None, tag=b"FRAM", packed_size=None):
    if packed is None:
        packed = zstd_raw_frame(payload)
    sizes = struct.pack("<III", n_records, len(payload) if raw_size is None else raw_size,
                        len(packed) if packed_size is None else packed_size)
    c = crc32(packed, crc32(sizes)) if crc is None else crc
    return tag + sizes + struct.pack("<I", c) + packed


def end_marker(total, crc=None):
    t = struct.pack("<Q", total)
    return b"SEND" + t + struct.pack("<I", crc32(t) if crc is None else crc)


def stream_bytes(header, frames, n_records=None, end_count=None, header_raw=None, header_len=None,
                 header_crc=None, tail=b"", end=True):
    """frames: list of (n, frame bytes)."""
    hj = header_raw if header_raw is not None else dump_json(header)
    out = bytearray(STREAM_MAGIC)
    out += struct.pack("<I", len(hj) if header_len is None else header_len)
    out += hj
    out += struct.pack("<I", crc32(hj) if header_crc is None else header_crc)
    total = 0
    for n, fb in frames:
        out += fb
        total += n
    if end:
        out += end_marker(total if end_count is None else end_count)
    out += tail
    return bytes(out)


def meta_payload(ids, labels, library):
    p = bytearray()
    ids_b = [i.encode("utf-8") if isinstance(i, str) else i for i in ids]
    p += struct.pack("<%dI" % len(ids_b), *[len(b) for b in ids_b])
    for b in ids_b:
        p += b
    for col in labels:
        p += struct.pack("<%di" % len(col), *col)
    p += struct.pack("<%dd" % len(library), *library)
    return p


def latent_payload(ids, labels, library, values):
    p = meta_payload(ids, labels, library)
    p += np.asarray(values, dtype="<f4").tobytes()
    return bytes(p)


def counts_payload(ids, labels, library, rows, raw_genes=False):
    """rows: list of (gene indices ascending, counts). raw_genes: indices given
    already as the stored differences."""
    p = meta_payload(ids, labels, library)
    nnz = [len(g) for g, _ in rows]
    p += struct.pack("<%dI" % len(nnz), *nnz)
    genes, counts = [], []
    for g, c in rows:
        if raw_genes:
            genes += list(g)
        else:
            prev = None
            for x in g:
                genes.append(x if prev is None else x - prev)
                prev = x
        counts += list(c)
    p += np.asarray(genes, dtype="<u4").tobytes()
    p += np.asarray(counts, dtype="<u4").tobytes()
    return bytes(p)


# ------------------------------------------------------------------ checkpoints

FP_KEYS = {
    "vae": (["config", "genes"], ["param/"]),
    "prior": (["config", "attributes", "library"], ["param/", "ema/"]),
    "classifier": (["config", "label", "classes"], ["param/", "feature/"]),
}


def nl_dump(obj):
    """nlohmann::json::dump() of obj (sorted keys, compact, UTF-8)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fnv_parts(parts):
    h = 1469598103934665603
    m = (1 << 64) - 1
    for p in parts:
        for c in p:
            h ^= c
            h = (h * 1099511628211) & m
        h ^= 0xFF
        h = (h * 1099511628211) & m
    return "%016x" % h


class Ckpt:
    def __init__(self, version, meta, blobs):
        self.version = version
        self.meta = meta
        self.blobs = blobs  # list of [name, dtype, shape, bytes]

    @classmethod
    def read(cls, path):
        b = open(path, "rb").read()
        assert b[:8] == CKPT_MAGIC
        (version,) = struct.unpack("<I", b[8:12])
        (n,) = struct.unpack("<Q", b[12:20])
        meta = json.loads(b[20:20 + n])
        off = 20 + n
        blobs = []
        for t in meta["tensors"]:
            blobs.append([t["name"], t["dtype"], list(t["shape"]), b[off:off + t["bytes"]]])
            off += t["bytes"]
        del meta["tensors"]
        return cls(version, meta, blobs)

    def copy(self):
        return Ckpt(self.version, copy.deepcopy(self.meta), [list(b) for b in self.blobs])

    def fingerprint(self, kind=None):
        kind = kind or self.meta.get("kind")
        keys, prefixes = FP_KEYS[kind]
        parts = [nl_dump(self.meta[k]) for k in keys]
        for name, _, _, data in self.blobs:
            for p in prefixes:
                if name.startswith(p):
                    parts.append(data)
        return fnv_parts(parts)

    def blob(self, name):
        for b in self.blobs:
            if b[0] == name:
                return b
        raise KeyError(name)

    def tobytes(self, fix_fp=True, tensors=None, version=None, json_len=None, crc=None, tail=b"",
                json_raw=None):
        meta = copy.deepcopy(self.meta)
        if fix_fp:
            try:
                meta["fingerprint"] = Ckpt(self.version, self.meta, self.blobs).fingerprint(self.meta.get("kind"))
            except Exception:
                pass
        if tensors is None:
            tensors, off = [], 0
            for name, dtype, shape, data in self.blobs:
                tensors.append({"name": name, "dtype": dtype, "shape": shape, "offset": off, "bytes": len(data)})
                off += len(data)
        meta["tensors"] = tensors
        js = json_raw if json_raw is not None else dump_json(meta)
        out = bytearray(CKPT_MAGIC)
        out += struct.pack("<I", self.version if version is None else version)
        out += struct.pack("<Q", len(js) if json_len is None else json_len)
        out += js
        for b in self.blobs:
            out += b[3]
        out += struct.pack("<I", crc32(bytes(out)) if crc is None else crc)
        out += tail
        return bytes(out)


def resign_ckpt(data):
    """Recomputes the trailing CRC of checkpoint bytes whose body was edited."""
    body = data[:-4]
    return body + struct.pack("<I", crc32(body))
