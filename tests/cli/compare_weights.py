#!/usr/bin/env python3
"""compare_weights.py A.pt B.pt TOL: how far apart the float32 weights
("param/", "ema/") of two scldm checkpoints are, as ||A - B|| / ||A|| over
all of them; exits 1 above TOL or when the checkpoints hold different tensors.
One norm over all weights, not the worst element: a weight whose gradient is
zero up to rounding (the decoder's head bias, which the softmax over genes
ignores) takes AdamW steps of +-lr from rounding noise alone. The container is documented in
man/scldm-formats.5: "SCLDMCKP" | u32 version | u64 JSON size | JSON | tensor
bytes | u32 CRC-32."""
import json
import struct
import sys

import numpy as np


def weights(path):
    data = open(path, "rb").read()
    assert data[:8] == b"SCLDMCKP", path
    (size,) = struct.unpack_from("<Q", data, 12)
    meta = json.loads(data[20:20 + size])
    base = 20 + size
    out = {}
    for t in meta["tensors"]:
        if t["dtype"] == "float32" and t["name"].split("/")[0] in ("param", "ema"):
            raw = data[base + t["offset"]: base + t["offset"] + t["bytes"]]
            out[t["name"]] = np.frombuffer(raw, dtype="<f4").reshape(t["shape"])
    return meta, out


def main():
    (_, a), (_, b) = weights(sys.argv[1]), weights(sys.argv[2])
    tol = float(sys.argv[3])
    if sorted(a) != sorted(b) or not a:
        print("different tensors:", sorted(set(a) ^ set(b)))
        return 1
    diff = sum(float(np.sum((a[n].astype(np.float64) - b[n]) ** 2)) for n in a)
    norm = sum(float(np.sum(a[n].astype(np.float64) ** 2)) for n in a)
    rel = (diff / norm) ** 0.5 if norm > 0 else diff ** 0.5
    print(f"relative difference {rel:.3g} over {len(a)} tensors")
    return 0 if rel <= tol else 1

if __name__ == "__main__":
    sys.exit(main())
