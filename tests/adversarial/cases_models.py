"""Checkpoints (*.pt) with damaged bytes or edited JSON (CRC and fingerprint
recomputed so that the edit reaches the deeper checks), models that do not
match the data, and checkpoints of the wrong kind."""
import os
import struct

import numpy as np

import formats as F
from common import Case, expected_codes, h5ad_check, info_invalid, json_check, stream_check, tsv_check

CD = "ckpt"
VARIANTS = []  # dict(name, model, path, expect ok|bad|either, deep, quick, note)


def _add(model, name, data, expect="bad", deep=False, quick=False, note="", over=None, byte=False):
    VARIANTS.append(dict(model=model, name=name, data=data, expect=expect, deep=deep, quick=quick, note=note,
                         over=over or {}, byte=byte))


def _byte_variants(model, raw, ck):
    start = len(VARIANTS)
    _byte_variants_(model, raw, ck)
    for v in VARIANTS[start:]:
        v["byte"] = True
    # the middle truncation is representative too
    mid = [v for v in VARIANTS[start:] if v["name"] == "truncated_at_%d" % (len(raw) // 2)]
    for v in mid:
        v["keep"] = True


def _byte_variants_(model, raw, ck):
    L = struct.unpack("<Q", raw[12:20])[0]
    n = len(raw)
    _add(model, "empty", b"", quick=True)
    for off in (4, 8, 12, 19, 20, 20 + L // 2, 20 + L, 20 + L + 100, n // 2, n - 4, n - 1):
        if off < n:
            _add(model, "truncated_at_%d" % off, raw[:off], quick=off == n // 2, deep=off == n - 1)
    for off in (0, 9, 14, 25, 20 + L + 50, n - 2):
        b = bytearray(raw)
        b[off] ^= 0x20
        _add(model, "flipped_byte_%d" % off, bytes(b))
    _add(model, "data_after_end", raw + b"\0\0\0\0")
    _add(model, "version_2", F.resign_ckpt(raw[:8] + struct.pack("<I", 2) + raw[12:]), quick=model == "vae")
    _add(model, "version_0", F.resign_ckpt(raw[:8] + struct.pack("<I", 0) + raw[12:]), expect="either")
    _add(model, "json_len_2p40", raw[:12] + struct.pack("<Q", 1 << 40) + raw[20:])
    _add(model, "json_len_1GiB", raw[:12] + struct.pack("<Q", 1 << 30) + raw[20:], quick=model == "vae",
         note="a small file that declares a 1 GiB header")
    _add(model, "json_len_plus_1", F.resign_ckpt(raw[:12] + struct.pack("<Q", L + 1) + raw[20:]))
    _add(model, "json_not_object", ck.tobytes(json_raw=b"[" + b" " * (L - 2) + b"]"))
    _add(model, "json_garbage", ck.tobytes(json_raw=b"{" + b"x" * (L - 1)))
    _add(model, "text_file", b"this is not a checkpoint\n")
    _add(model, "hdf5_instead", b"\x89HDF\r\n\x1a\n" + b"\0" * 100)


def _edit(model, name, ck, fn, expect="bad", deep=False, quick=False, note="", fix_fp=True, over=None, **kw):
    c = ck.copy()
    fn(c)
    _add(model, name, c.tobytes(fix_fp=fix_fp, **kw), expect=expect, deep=deep, quick=quick, note=note, over=over)


def _set(path, value):
    def fn(c):
        d = c.meta
        keys = path.split(".")
        for k in keys[:-1]:
            d = d[k]
        if value is _DEL:
            del d[keys[-1]]
        else:
            d[keys[-1]] = value
    return fn


_DEL = object()


def _blob_fn(name, fn):
    def f(c):
        b = c.blob(name)
        fn(b)
    return f


def _fill(value):
    def fn(b):
        a = np.frombuffer(b[3], dtype="<f4").copy()
        a[:] = value
        b[3] = a.tobytes()
    return fn


def _common_tensor_edits(model, ck, first):
    """Edits of the tensor table; `first` is a float32 parameter to damage."""
    _edit(model, "tensors_missing", ck, lambda c: None, tensors=[], note="no tensor table")
    _add(model, "tensors_not_list", ck.tobytes(tensors={"a": 1}))
    _edit(model, "tensor_dtype_float16", ck, _blob_fn(first, lambda b: b.__setitem__(1, "float16")))
    _edit(model, "tensor_dtype_unknown", ck, _blob_fn(first, lambda b: b.__setitem__(1, "complex64")))

    def as_int64(b):
        b[1] = "int64"
        n = int(np.prod(b[2]))
        b[2] = [n // 2] if n % 2 == 0 else b[2]
    _edit(model, "tensor_dtype_int64_same_bytes", ck, _blob_fn(first, as_int64))

    def transpose(b):
        b[2] = list(reversed(b[2])) if len(b[2]) == 2 and b[2][0] != b[2][1] else [int(np.prod(b[2]))]
    _edit(model, "tensor_shape_wrong_same_bytes", ck, _blob_fn(first, transpose), quick=model == "vae",
          note="bytes match the declared shape, the shape does not match the model")

    tensors = []
    off = 0
    for nm, dt, sh, data in ck.blobs:
        tensors.append({"name": nm, "dtype": dt, "shape": sh, "offset": off, "bytes": len(data)})
        off += len(data)
    t = [dict(x) for x in tensors]
    i = [k for k, x in enumerate(t) if x["name"] == first][0]
    nbytes = t[i]["bytes"]
    t[i]["shape"] = [-1, -(nbytes // 4)]
    _add(model, "tensor_shape_negative_wraps", ck.tobytes(tensors=t), quick=model == "vae",
         note="(-1)*(-n)*4 == n*4 as uint64: only the shape is wrong")
    t = [dict(x) for x in tensors]
    t[i]["shape"], t[i]["bytes"] = [1 << 32, 1 << 32], 0
    c2 = ck.copy()
    c2.blob(first)[3] = b""
    _add(model, "tensor_shape_overflow_zero_bytes", c2.tobytes(tensors=t), quick=model == "vae",
         note="2^32 * 2^32 * 4 wraps to 0 bytes")
    t = [dict(x) for x in tensors]
    t[i]["shape"], t[i]["bytes"] = [1 << 38], 1 << 40
    _add(model, "tensor_bytes_1TiB", ck.tobytes(tensors=t), note="declares a 1 TiB tensor")
    t = [dict(x) for x in tensors]
    t[i]["shape"], t[i]["bytes"] = [1 << 28], 1 << 30
    _add(model, "tensor_bytes_1GiB", ck.tobytes(tensors=t), note="a small file that declares a 1 GiB tensor")
    t = [dict(x) for x in tensors]
    t[i]["shape"] = "16"
    _add(model, "tensor_shape_string", ck.tobytes(tensors=t))
    t = [dict(x) for x in tensors]
    del t[i]["dtype"]
    _add(model, "tensor_no_dtype", ck.tobytes(tensors=t))
    _edit(model, "tensor_missing", ck, lambda c: c.blobs.pop([k for k, b in enumerate(c.blobs) if b[0] == first][0]))
    _edit(model, "tensor_extra_unknown", ck, lambda c: c.blobs.append(["param/ghost", "float32", [2], b"\0" * 8]),
          expect="either")
    _edit(model, "tensor_duplicate", ck, lambda c: c.blobs.append(list(c.blob(first))), expect="either")
    _edit(model, "weights_nan", ck, _blob_fn(first, _fill(np.nan)), deep=True, quick=model != "classifier",
          note="NaN weights: results must not be NaN")
    _edit(model, "weights_inf", ck, _blob_fn(first, _fill(np.inf)))
    _edit(model, "fingerprint_missing", ck, _set("fingerprint", _DEL), fix_fp=False)
    _edit(model, "fingerprint_wrong", ck, _set("fingerprint", "0000000000000000"), fix_fp=False, quick=model == "vae")
    _edit(model, "fingerprint_number", ck, _set("fingerprint", 5), fix_fp=False)
    _edit(model, "kind_missing", ck, _set("kind", _DEL), fix_fp=False)
    _edit(model, "kind_number", ck, _set("kind", 5), fix_fp=False, quick=True)
    _edit(model, "kind_null", ck, _set("kind", None), fix_fp=False)
    if "optimizer" in [b[0] for b in ck.blobs]:
        def garbage(b):
            b[3] = bytes((i * 37) & 0xFF for i in range(len(b[3])))
        _edit(model, "optimizer_garbage", ck, _blob_fn("optimizer", garbage), deep=True, quick=True,
              over={"info": (0, 1), "use": (0,)}, note="only --resume reads the optimizer state")

        def trunc(b):
            b[3] = b[3][:100]
            b[2] = [100]
        _edit(model, "optimizer_truncated", ck, _blob_fn("optimizer", trunc), deep=True,
              over={"info": (0, 1), "use": (0,)})
        _edit(model, "optimizer_missing", ck, lambda c: c.blobs.pop([k for k, b in enumerate(c.blobs) if b[0] == "optimizer"][0]),
              deep=True, over={"info": (0, 1), "use": (0,)})


def build(ctx):
    d = os.path.join(ctx.fx, CD)
    os.makedirs(d, exist_ok=True)
    VARIANTS.clear()
    # ---- VAE
    # NAME.last.pt: the training state (optimizer, best weights) that --resume reads
    raw = open(ctx.p("vae.last.pt"), "rb").read()
    ck = F.Ckpt.read(ctx.p("vae.last.pt"))
    ctx.fp_ok = ck.fingerprint() == ck.meta["fingerprint"]
    M = "vae"
    _add(M, "rewritten_valid", ck.tobytes(), expect="ok", deep=True, quick=True, note="sanity: the harness's own writer")
    _byte_variants(M, raw, ck)
    _common_tensor_edits(M, ck, "param/emb.weight")
    _edit(M, "kind_prior", ck, _set("kind", "prior"))
    _edit(M, "kind_classifier", ck, _set("kind", "classifier"))
    _edit(M, "config_missing", ck, _set("config", _DEL))
    for key, vals in (("n_genes", ["100", 0, 99, -1]), ("tokens", [0, -1, 3, 1000000]), ("embed", [0, 15, 1 << 20]),
                      ("latent_dim", [0, -8, 4]), ("heads", [0, 3, -2]), ("heads_cross", [0, 5]), ("blocks", [0, 4, 1 << 20]),
                      ("input", ["foo", 1]), ("layernorm_eps", [-1.0, 0.0, "x"]), ("max_genes", [0, -5, 1 << 40]),
                      ("mlp_hidden", [0, -1]), ("beta", [-1.0, "x"])):
        for v in vals:
            _edit(M, "config_%s_%s" % (key, str(v).replace("-", "m")), ck, _set("config." + key, v),
                  quick=(key, v) in (("heads", 0), ("embed", 1 << 20)),
                  expect="either" if (key, v) == ("mlp_hidden", 0) else "bad",  # 0: the default width these weights have
                  note="config %s = %r" % (key, v))
    _edit(M, "config_extra_key", ck, lambda c: c.meta["config"].update(extra=1), expect="either")
    _edit(M, "genes_missing", ck, _set("genes", _DEL))
    _edit(M, "genes_string", ck, _set("genes", "Gene00001"))
    _edit(M, "genes_numbers", ck, _set("genes", list(range(100))))
    _edit(M, "genes_short", ck, lambda c: c.meta.update(genes=c.meta["genes"][:99]))

    def dupg(c):
        c.meta["genes"][1] = c.meta["genes"][0]
    _edit(M, "genes_duplicate", ck, dupg, deep=True, quick=True, note="two vocabulary entries with one name")

    def emptyg(c):
        c.meta["genes"][1] = ""
    _edit(M, "genes_empty_name", ck, emptyg, expect="either")
    _edit(M, "step_negative", ck, _set("step", -1), expect="either", deep=True, over={"resume": (1,)})
    _edit(M, "step_string", ck, _set("step", "two"), expect="either", deep=True, over={"resume": (1,)})
    _edit(M, "step_beyond_total", ck, _set("step", 10 ** 12), expect="either", deep=True,
          over={"resume": (2,)})  # --max-steps below the checkpoint's step: a usage error
    _edit(M, "metrics_missing", ck, _set("metrics", _DEL), expect="either")
    _edit(M, "training_missing", ck, _set("training", _DEL), expect="either", deep=True)

    # ---- prior
    M = "prior"
    raw = open(ctx.p("prior.last.pt"), "rb").read()
    ck = F.Ckpt.read(ctx.p("prior.last.pt"))
    _add(M, "rewritten_valid", ck.tobytes(), expect="ok", deep=True, quick=True)
    _byte_variants(M, raw, ck)
    _common_tensor_edits(M, ck, "ema/inp.weight")  # sampling reads the EMA weights
    _edit(M, "ema_nan", ck, lambda c: [(_fill(np.nan)(b)) for b in c.blobs if b[0].startswith("ema/") and b[1] == "float32"],
          quick=True, note="sampling uses the EMA weights: NaN must not reach the output")
    _edit(M, "ema_missing", ck, expect="either", fn= lambda c: c.blobs.__setitem__(slice(None), [b for b in c.blobs if not b[0].startswith("ema/")]))
    _edit(M, "kind_vae", ck, _set("kind", "vae"))
    _edit(M, "attributes_missing", ck, _set("attributes", _DEL))
    _edit(M, "attributes_not_list", ck, _set("attributes", "cell_type"))
    _edit(M, "attributes_empty", ck, _set("attributes", []), note="config says one attribute with 4 classes")
    _edit(M, "attributes_duplicate_categories", ck, lambda c: c.meta["attributes"][0].update(categories=["B", "B", "NK", "Mono"]),
          quick=True, note="two labels with one name")
    _edit(M, "attributes_fewer_categories", ck, lambda c: c.meta["attributes"][0].update(categories=["B", "T", "NK"]))
    _edit(M, "attributes_more_categories", ck, lambda c: c.meta["attributes"][0].update(categories=["B", "T", "NK", "Mono", "DC"]))
    _edit(M, "attributes_numbers", ck, lambda c: c.meta["attributes"][0].update(categories=[1, 2, 3, 4]))
    _edit(M, "attributes_duplicate_names", ck, lambda c: c.meta["attributes"].append(dict(c.meta["attributes"][0])))
    for key, vals in (("classes", [[5], [], "4", [0]]), ("tokens", [0, 3]), ("width", [0, 33]), ("heads", [0, 3]),
                      ("blocks", [0, 9]), ("time_frequencies", [0, -2]), ("latent_dim", [0, 4]), ("mlp_hidden", [0])):
        for v in vals:
            # mlp_hidden 0 means the default width, which these weights have; the
            # DiT's token count is checked against the VAE only by decode.
            same = (key, v) in (("mlp_hidden", 0), ("tokens", 3))
            _edit(M, "config_%s_%s" % (key, str(v).replace(" ", "")), ck, _set("config." + key, v), note="config %s = %r" % (key, v),
                  quick=(key, v) == ("heads", 0), expect="either" if same else "bad")
    _edit(M, "library_missing", ck, _set("library", _DEL))
    _edit(M, "library_groups_empty", ck, _set("library", {"groups": {}}), expect="either",
          note="no library sizes to sample from")

    def lib_bad(c):
        for g in c.meta["library"]["groups"].values():
            g["sd"] = -1.0
    _edit(M, "library_sd_negative", ck, lib_bad)

    def lib_huge(c):
        for g in c.meta["library"]["groups"].values():
            g["mean"] = 1e6
    _edit(M, "library_mean_huge", ck, lib_huge, expect="either", note="exp(1e6) library sizes")

    def lib_str(c):
        for g in c.meta["library"]["groups"].values():
            g["mean"] = "seven"
    _edit(M, "library_mean_string", ck, lib_str)
    _edit(M, "guidance_missing", ck, _set("guidance", _DEL), expect="either")
    _edit(M, "guidance_strategy_unknown", ck, _set("guidance.strategy", "random"))
    _edit(M, "vae_missing", ck, _set("vae", _DEL), expect="either")
    _edit(M, "vae_fingerprint_number", ck, _set("vae.fingerprint", 7))

    # ---- classifier
    M = "classifier"
    raw = open(ctx.p("clf.pt"), "rb").read()
    ck = F.Ckpt.read(ctx.p("clf.pt"))
    _add(M, "rewritten_valid", ck.tobytes(), expect="ok", quick=True)
    _byte_variants(M, raw, ck)
    _common_tensor_edits(M, ck, "param/0.weight")
    _edit(M, "kind_vae", ck, _set("kind", "vae"))
    _edit(M, "label_missing", ck, _set("label", _DEL))
    _edit(M, "label_number", ck, _set("label", 3))
    _edit(M, "classes_empty", ck, _set("classes", []))
    _edit(M, "classes_duplicate", ck, _set("classes", ["B", "B", "NK", "Mono"]), quick=True, note="two classes with one name")
    _edit(M, "classes_fewer", ck, _set("classes", ["B", "T", "NK"]))
    _edit(M, "model_unknown", ck, _set("config.model", "forest"))
    _edit(M, "features_mismatch", ck, _set("config.features", 31))
    _edit(M, "hidden_mismatch", ck, _set("config.hidden", 16))
    _edit(M, "feature_sd_zero", ck, _blob_fn("feature/sd", _fill(0.0)), expect="either",
          note="zero standard deviations: predictions must stay finite")
    _edit(M, "feature_mean_wrong_shape", ck, _blob_fn("feature/mean", lambda b: (b.__setitem__(2, [16]), b.__setitem__(3, b[3][:64]))))
    _edit(M, "vae_missing", ck, _set("vae", _DEL), expect="either")

    for v in VARIANTS:
        v["path"] = os.path.join(d, "%s-%s.pt" % (v["model"], v["name"]))
        with open(v["path"], "wb") as f:
            f.write(v["data"])
        v["data"] = None


def _h5(name):
    return lambda ctx, d, r: h5ad_check(os.path.join(d, name)) if r["rc"] == 0 else []


def _st(name):
    return lambda ctx, d, r: stream_check(ctx, os.path.join(d, name)) if r["rc"] == 0 else []


def _json_file(name):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        return json_check(open(os.path.join(d, name)).read(), name)[0]
    return chk


def _tsv(name):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        return tsv_check(os.path.join(d, name), n_rows=40)
    return chk


# damage that `info` (which promises a `valid` verdict) must notice
STRUCTURAL = ("empty", "truncated", "flipped", "data_after", "version_2", "json", "text", "hdf5", "tensors_", "tensor_shape_negative",
              "tensor_shape_overflow", "tensor_shape_string", "tensor_bytes", "tensor_no_dtype", "tensor_dtype_float16",
              "tensor_dtype_unknown", "fingerprint", "kind_number", "kind_null", "kind_missing")
# byte-level damage is read by one reader for every kind: VAE cases run it through the model commands
# by default, prior and classifier cases only these (the rest with --full)
BYTE_KEEP = ("empty", "version_2", "json_len_1GiB", "flipped_byte_25")
TENSOR_KEEP = ("tensor_shape_negative_wraps", "tensor_shape_overflow_zero_bytes", "tensor_shape_wrong_same_bytes", "tensor_missing")


def cases(ctx):
    P = ctx.p
    out = []
    for v in VARIANTS:
        p, m, nm, q = v["path"], v["model"], v["name"], v["quick"]
        g = "ckpt-" + m
        use = expected_codes(v, "use")
        info_e = expected_codes(v, "info")
        structural = v["expect"] == "bad" and nm.startswith(STRUCTURAL)
        out.append(Case("ckpt/%s/%s/info" % (m, nm), g, "info", ["info", p], expect=(0, 1) if v["expect"] == "bad" else info_e,
                        check=info_invalid if structural else None, quick=q and structural, note=v["note"]))
        use_tier = "full" if v.get("byte") and not q and not v.get("keep") and nm not in BYTE_KEEP else None
        if m != "vae" and nm.startswith("tensor") and not nm.startswith(TENSOR_KEEP):
            use_tier = "full"
        if m == "vae":
            out.append(Case("ckpt/vae/%s/encode" % nm, g, "encode", ["encode", P("small.h5ad"), "--vae", p, "-o", "out.lat"],
                            expect=use, check=_st("out.lat"), quick=q, note=v["note"], tier=use_tier))
            dec = q or nm in ("weights_nan", "genes_duplicate", "config_heads_0", "config_tokens_3", "config_latent_dim_4",
                              "tensor_shape_wrong_same_bytes", "rewritten_valid")
            out.append(Case("ckpt/vae/%s/decode" % nm, g, "decode",
                            ["decode", P("lats.lat"), "--vae", p, "--force", "-o", "out.h5ad"], expect=use,
                            check=_h5("out.h5ad"), note=v["note"], tier=None if dec else "full"))
            if v["deep"]:
                out.append(Case("ckpt/vae/%s/resume" % nm, g, "fit-vae",
                                ["fit-vae", P("small.h5ad"), "--resume", p, "--max-steps", "3", "--preset", "tiny", "-q", "-o", "out.pt"],
                                expect=expected_codes(v, "resume") if "resume" in v["over"] else
                                ({"ok": (0,), "bad": (1,), "either": (0, 1)}[v["expect"]] if not nm.startswith("optimizer") else (1,)),
                                note=v["note"]))
                out.append(Case("ckpt/vae/%s/eval-recon" % nm, g, "eval",
                                ["eval", "--real", P("small.h5ad"), "--vae", p, "--json", "-o", "out.json"],
                                expect=use, note=v["note"], check=_json_file("out.json"),
                                tier=None if nm in ("rewritten_valid", "weights_nan", "genes_duplicate") else "full"))
        elif m == "prior":
            out.append(Case("ckpt/prior/%s/sample" % nm, g, "sample",
                            ["sample", "--prior", p, "-n", "5", "--steps", "2", "-o", "out.lat"], expect=use,
                            check=_st("out.lat"), quick=q, note=v["note"], tier=use_tier))
            sc = q or nm.startswith(("attributes", "config_classes", "library"))
            out.append(Case("ckpt/prior/%s/sample-condition" % nm, g, "sample",
                            ["sample", "--prior", p, "-n", "5", "--steps", "2", "--condition", "cell_type=B", "-o", "out.lat"],
                            expect=use, check=_st("out.lat"), note=v["note"], tier=None if sc else "full"))
            if v["deep"]:
                out.append(Case("ckpt/prior/%s/resume" % nm, g, "fit-prior",
                                ["fit-prior", P("lat.lat"), "--resume", p, "--max-steps", "3", "--preset", "tiny", "--condition", "cell_type",
                                 "-q", "-o", "out.pt"],
                                expect=(1,) if nm.startswith("optimizer") or v["expect"] == "bad" else use, note=v["note"]))
        else:
            out.append(Case("ckpt/classifier/%s/apply" % nm, g, "classify",
                            ["classify", "--model", p, P("lats.lat"), "-o", "out.tsv"], expect=use, check=_tsv("out.tsv"),
                            quick=q, note=v["note"], timeout=10,
                            tier="full" if use_tier or nm == "weights_inf" else None))
            if v["expect"] != "ok" and nm in ("weights_nan", "truncated_at_%d" % 0, "classes_duplicate", "kind_vae"):
                out.append(Case("ckpt/classifier/%s/eval" % nm, g, "eval",
                                ["eval", "--real", P("small.h5ad"), "--generated", P("gen.h5ad"), "--classifier", p,
                                 "--json", "-o", "out.json"], expect=use, note=v["note"]))
    # checkpoints of the wrong kind, and things that are not checkpoints
    S, L, G = P("small.h5ad"), P("lats.lat"), P("gen.h5ad")
    wrong = [
        ("encode --vae prior", "encode", ["encode", S, "--vae", P("prior.pt"), "-o", "o.lat"]),
        ("encode --vae classifier", "encode", ["encode", S, "--vae", P("clf.pt"), "-o", "o.lat"]),
        ("encode --vae h5ad", "encode", ["encode", S, "--vae", S, "-o", "o.lat"]),
        ("encode --vae stream", "encode", ["encode", S, "--vae", L, "-o", "o.lat"]),
        ("encode --vae directory", "encode", ["encode", S, "--vae", P("adir.h5ad"), "-o", "o.lat"]),
        ("encode --vae missing", "encode", ["encode", S, "--vae", P("nope.pt"), "-o", "o.lat"]),
        ("encode no vae anywhere", "encode", ["encode", S, "-o", "o.lat"], (1, 2)),
        ("encode vae of other genes", "encode", ["encode", S, "--vae", P("vae80.pt"), "-o", "o.lat"], (0, 1)),
        ("decode --vae prior", "decode", ["decode", L, "--vae", P("prior.pt"), "-o", "o.h5ad"]),
        ("decode --vae other size", "decode", ["decode", L, "--vae", P("vae_ld4.pt"), "-o", "o.h5ad"]),
        ("decode --vae other size --force", "decode", ["decode", L, "--vae", P("vae_ld4.pt"), "--force", "-o", "o.h5ad"]),
        ("decode --vae other genes --force", "decode", ["decode", L, "--vae", P("vae80.pt"), "--force", "-o", "o.h5ad"],
         (0, 1)),
        ("sample --prior vae", "sample", ["sample", "--prior", P("vae.pt"), "-n", "3", "-o", "o.lat"]),
        ("sample --prior classifier", "sample", ["sample", "--prior", P("clf.pt"), "-n", "3", "-o", "o.lat"]),
        ("sample --prior h5ad", "sample", ["sample", "--prior", S, "-n", "3", "-o", "o.lat"]),
        ("sample no prior anywhere", "sample", ["sample", "-n", "3", "-o", "o.lat"], (1, 2)),
        ("classify --model vae", "classify", ["classify", "--model", P("vae.pt"), L, "-o", "o.tsv"]),
        ("classify --model prior", "classify", ["classify", "--model", P("prior.pt"), L, "-o", "o.tsv"]),
        ("classify --model missing", "classify", ["classify", "--model", P("nope.pt"), L, "-o", "o.tsv"]),
        ("eval --vae prior", "eval", ["eval", "--real", S, "--vae", P("prior.pt"), "-o", "o.txt"]),
        ("eval --vae other genes", "eval", ["eval", "--real", S, "--vae", P("vae80.pt"), "-o", "o.txt"], (0, 1)),
        ("eval --vae missing with --generated", "eval", ["eval", "--real", S, "--generated", G, "--vae", P("nope.pt"), "-o", "o.txt"],
         (1, 2)),
        ("eval --classifier vae", "eval", ["eval", "--real", S, "--generated", G, "--classifier", P("vae.pt"), "-o", "o.txt"]),
        ("fit-prior h5ad --vae prior", "fit-prior", ["fit-prior", S, "--vae", P("prior.pt"), "--preset", "tiny", "--max-steps", "1", "-o", "o.pt"]),
        ("fit-prior h5ad --vae other genes", "fit-prior", ["fit-prior", S, "--vae", P("vae80.pt"), "--preset", "tiny", "--max-steps", "1", "-o", "o.pt"],
         (0, 1)),
        ("classify counts --vae other genes", "classify", ["classify", "--model", P("clf.pt"), S, "--vae", P("vae80.pt"), "-o", "o.tsv"]),
        ("classify counts --vae other seed", "classify", ["classify", "--model", P("clf.pt"), S, "--vae", P("vae_seed9.pt"), "-o", "o.tsv"]),
        ("info directory", "info", ["info", P("adir.h5ad")]),
    ]
    for w in wrong:
        name, sub, argv = w[:3]
        exp = w[3] if len(w) > 3 else (1,)
        out.append(Case("model/" + name.replace(" ", "_"), "model-match", sub, argv, expect=exp,
                        quick=name in ("encode --vae prior", "sample --prior vae", "decode --vae other size --force")))
    return out
