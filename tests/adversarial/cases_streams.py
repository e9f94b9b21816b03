"""Record streams with edited headers (CRC recomputed), hand-made frames and
damaged bytes, thrown at every command that reads streams."""
import copy
import os
import random
import re
import struct

import numpy as np

import formats as F
from common import Case, expected_codes, h5ad_check, info_invalid, tsv_check

SD = "streams"
VARIANTS = []  # dict(name, kind: latent|counts, data, expect: ok|bad|either, deep, quick, note, over)


def _add(name, kind, data, expect, deep=False, quick=False, note="", over=None, check=None):
    VARIANTS.append(dict(name=name, kind=kind, data=data, expect=expect, deep=deep, quick=quick, note=note,
                         over=over or {}, check=check))


def _stream_parts(ctx, name):
    """The header of fixture stream `name`, and the small cells' ids and label codes in its categories."""
    h, _ = F.read_stream_header(open(ctx.p(name), "rb").read())
    obs = ctx.small_obs
    labels = [[l["categories"].index(str(v)) for v in obs[l["name"]]] for l in h["labels"]]
    return h, list(obs.index), labels


def _lat_parts(ctx):
    h, ids, labels = _stream_parts(ctx, "lats.lat")
    lib = [float(x) for x in ctx.small_X.sum(1)]
    rng = np.random.default_rng(1)
    vals = (rng.standard_normal(len(ids) * 32) * 0.5).astype(np.float32)
    return h, ids, labels, lib, vals


def _cnt_parts(ctx):
    h, ids, labels = _stream_parts(ctx, "counts.scs")
    X = ctx.small_X
    rows = []
    for i in range(X.shape[0]):
        nz = np.nonzero(X[i])[0]
        rows.append((list(nz), [int(v) for v in X[i, nz]]))
    lib = [float(x) for x in X.sum(1)]
    return h, ids, labels, lib, rows


def build(ctx):
    d = os.path.join(ctx.fx, SD)
    os.makedirs(d, exist_ok=True)
    VARIANTS.clear()
    h, ids, labels, lib, vals = _lat_parts(ctx)
    n = len(ids)

    def lat(header=None, ids_=None, labels_=None, lib_=None, vals_=None, n_=None, **kw):
        hh = h if header is None else header
        p = F.latent_payload(ids if ids_ is None else ids_, labels if labels_ is None else labels_,
                             lib if lib_ is None else lib_, vals if vals_ is None else vals_)
        nn = n if n_ is None else n_
        return F.stream_bytes(hh, [(nn, F.frame(nn, p))], **kw)

    def hedit(fn):
        hh = copy.deepcopy(h)
        fn(hh)
        return lat(header=hh)

    L = "latent"
    _add("lat_rebuilt_valid", L, lat(), "ok", deep=True, quick=True, note="sanity: the harness's own writer")
    _add("lat_version_2", L, hedit(lambda j: j.update(version=2)), "bad", quick=True)
    _add("lat_version_string", L, hedit(lambda j: j.update(version="1")), "bad", quick=True)
    _add("lat_version_float", L, hedit(lambda j: j.update(version=1.5)), "bad")
    _add("lat_version_negative", L, hedit(lambda j: j.update(version=-1)), "bad")
    _add("lat_version_missing", L, hedit(lambda j: j.pop("version")), "bad")
    _add("lat_format_missing", L, hedit(lambda j: j.pop("format")), "bad", quick=True)
    _add("lat_format_wrong", L, hedit(lambda j: j.update(format="scldm-checkpoint")), "bad")
    _add("lat_format_number", L, hedit(lambda j: j.update(format=5)), "bad")
    _add("lat_kind_missing", L, hedit(lambda j: j.pop("kind")), "bad")
    _add("lat_kind_unknown", L, hedit(lambda j: j.update(kind="images")), "bad")
    _add("lat_kind_number", L, hedit(lambda j: j.update(kind=7)), "bad")
    _add("lat_kind_counts_with_latent_frames", L, hedit(lambda j: j.update(kind="counts", genes=["g%d" % i for i in range(100)])), "bad")
    _add("lat_dtype_float64", L, hedit(lambda j: j.update(dtype="float64")), "bad", note="the reader must not ignore dtype")
    _add("lat_shape_missing", L, hedit(lambda j: j.pop("shape")), "bad")
    _add("lat_shape_zero", L, hedit(lambda j: j.update(shape=[0, 8])), "bad")
    _add("lat_shape_negative", L, hedit(lambda j: j.update(shape=[-4, -8])), "bad")
    _add("lat_shape_1d", L, hedit(lambda j: j.update(shape=[32])), "bad")
    _add("lat_shape_3d", L, hedit(lambda j: j.update(shape=[4, 8, 1])), "bad")
    _add("lat_shape_strings", L, hedit(lambda j: j.update(shape=["4", "8"])), "bad")
    _add("lat_shape_float", L, hedit(lambda j: j.update(shape=[4.5, 8])), "bad")
    _add("lat_shape_transposed", L, hedit(lambda j: j.update(shape=[8, 4])), "either", deep=True,
         over={"decode": (1,), "classify": (1,)}, note="same size, other shape: the VAE expects 4 x 8")
    _add("lat_shape_other_size", L, hedit(lambda j: j.update(shape=[2, 16])), "either", over={"decode": (1,), "classify": (1,)})
    _add("lat_shape_huge", L, hedit(lambda j: j.update(shape=[1 << 20, 1 << 20])), "bad")
    _add("lat_shape_overflow", L, hedit(lambda j: j.update(shape=[(1 << 62) + 8, 4])), "bad", deep=True, quick=True,
         note="4 * (2^62 + 8) wraps to 32 in 64 bits")
    _add("lat_labels_missing", L, hedit(lambda j: j.pop("labels")), "bad")
    _add("lat_labels_not_list", L, hedit(lambda j: j.update(labels="cell_type")), "bad")
    _add("lat_label_no_categories", L, hedit(lambda j: j["labels"][0].pop("categories")), "bad")
    _add("lat_label_categories_numbers", L, hedit(lambda j: j["labels"][0].update(categories=[1, 2, 3, 4])), "bad")
    _add("lat_duplicate_categories", L, hedit(lambda j: j["labels"][0].update(categories=["B", "B", "NK", "Mono"])), "bad",
         deep=True, quick=True, note="two labels with one name")
    _add("lat_duplicate_label_names", L, hedit(lambda j: j["labels"][1].update(name="cell_type")), "bad", deep=True)
    _add("lat_empty_label_name", L, hedit(lambda j: j["labels"][1].update(name="")), "bad")
    _add("lat_provenance_string", L, hedit(lambda j: j.update(provenance="hello")), "either")
    _add("lat_fingerprint_other_vae", L, hedit(lambda j: j["provenance"].update(vae_fingerprint="0123456789abcdef")), "either",
         over={"decode": (1,), "classify": (1,)}, note="latents of another VAE")
    _add("lat_fingerprint_number", L, hedit(lambda j: j["provenance"].update(vae_fingerprint=12345)), "either",
         over={"decode": (1,), "classify": (1,)})
    _add("lat_vae_path_is_prior", L, hedit(lambda j: j["provenance"].update(vae_path=ctx.p("prior.pt"))), "either")
    _add("lat_header_array", L, lat(header_raw=b"[1,2,3]"), "bad")
    _add("lat_header_null", L, lat(header_raw=b"null"), "bad")
    _add("lat_header_not_json", L, lat(header_raw=b"{format: scldm}"), "bad")
    _add("lat_header_invalid_utf8", L, lat(header_raw=F.dump_json(h).replace(b'"scldm encode', b'"\xff\xfe encode')), "bad")
    _add("lat_header_len_zero", L, lat(header_len=0), "bad")
    _add("lat_header_len_huge", L, lat(header_len=0xFFFFFFFF), "bad", quick=True)
    _add("lat_header_len_short", L, lat(header_len=20), "bad")
    _add("lat_header_crc_wrong", L, lat(header_crc=0x12345678), "bad")
    # frames
    _add("lat_zero_records", L, F.stream_bytes(h, []), "either", deep=True,
         over={"info": (0,), "fit-prior": (1,), "classify-train": (1,)})
    _add("lat_no_end_marker", L, lat(end=False), "bad", quick=True)
    _add("lat_end_count_wrong", L, lat(end_count=n + 1), "bad")
    _add("lat_end_count_fewer", L, lat(end_count=n - 1), "bad")
    _add("lat_data_after_end", L, lat(tail=b"x"), "bad")
    _add("lat_two_end_markers", L, lat(tail=F.end_marker(n)), "bad")
    p_ok = F.latent_payload(ids, labels, lib, vals)
    _add("lat_frame_zero_records", L, F.stream_bytes(h, [(0, F.frame(0, b""))]), "bad")
    _add("lat_frame_raw_size_wrong", L, F.stream_bytes(h, [(n, F.frame(n, p_ok, raw_size=len(p_ok) + 4))]), "bad")
    _add("lat_frame_raw_size_huge", L, F.stream_bytes(h, [(n, F.frame(n, p_ok, raw_size=0xFFFFFFFF))]), "bad")
    _add("lat_frame_packed_size_huge", L, F.stream_bytes(h, [(n, F.frame(n, p_ok, packed_size=0x7FFFFFFF))]), "bad")
    _add("lat_frame_garbage_packed", L, F.stream_bytes(h, [(n, F.frame(n, p_ok, packed=b"\x00" * 50))]), "bad")
    _add("lat_frame_crc_wrong", L, F.stream_bytes(h, [(n, F.frame(n, p_ok, crc=1))]), "bad")
    _add("lat_frame_count_more", L, F.stream_bytes(h, [(n, F.frame(n + 1, p_ok))], end_count=n + 1), "bad")
    _add("lat_frame_bad_tag", L, F.stream_bytes(h, [(n, F.frame(n, p_ok, tag=b"FRAX"))]), "bad")
    lab_bad = copy.deepcopy(labels)
    lab_bad[0][3] = 4
    _add("lat_label_code_out_of_range", L, lat(labels_=lab_bad), "bad", quick=True)
    lab_m2 = copy.deepcopy(labels)
    lab_m2[0][3] = -2
    _add("lat_label_code_minus2", L, lat(labels_=lab_m2), "bad")
    lab_m1 = copy.deepcopy(labels)
    lab_m1[0][3] = -1
    _add("lat_label_code_missing", L, lat(labels_=lab_m1), "ok")
    for nm, val in (("nan", np.nan), ("inf", np.inf)):
        v = vals.copy()
        v[5] = val
        _add("lat_value_%s" % nm, L, lat(vals_=v), "bad", quick=nm == "nan")
    v = vals.copy()
    v[:] = 1e30
    _add("lat_value_huge_finite", L, lat(vals_=v), "either", deep=True,
         note="finite latents far out: decode must not write NaN/inf or clipped counts")
    for nm, val in (("nan", float("nan")), ("negative", -5.0), ("inf", float("inf"))):
        lb = list(lib)
        lb[2] = val
        _add("lat_library_%s" % nm, L, lat(lib_=lb), "bad")
    lb = list(lib)
    lb[2] = 1e300
    _add("lat_library_1e300", L, lat(lib_=lb), "either", over={"decode": (1,)},
         note="decode must not write clipped or non-finite counts")
    lb = [0.0] * n
    _add("lat_library_zero", L, lat(lib_=lb), "either")
    ids_dup = list(ids)
    ids_dup[1] = ids_dup[0]
    _add("lat_duplicate_ids", L, lat(ids_=ids_dup), "either", note="both cells must survive")
    ids_tab = list(ids)
    ids_tab[0] = "bad\tid\nwith newline"
    _add("lat_id_tab_newline", L, lat(ids_=ids_tab), "either", note="TSV output must stay parseable")
    ids_bin = list(ids)
    ids_bin[0] = b"\xff\xfe\x00x"
    _add("lat_id_invalid_utf8", L, lat(ids_=ids_bin), "either")
    p_idlen = bytearray(p_ok)
    struct.pack_into("<I", p_idlen, 0, 0x7FFFFFFF)
    _add("lat_id_length_huge", L, F.stream_bytes(h, [(n, F.frame(n, bytes(p_idlen)))]), "bad")
    _add("lat_payload_short", L, F.stream_bytes(h, [(n, F.frame(n, p_ok[:-8]))]), "bad")
    _add("lat_payload_long", L, F.stream_bytes(h, [(n, F.frame(n, p_ok + b"\0" * 8))]), "bad")
    two = [(20, F.frame(20, F.latent_payload(ids[:20], [c[:20] for c in labels], lib[:20], vals[:20 * 32]))),
           (20, F.frame(20, F.latent_payload(ids[20:], [c[20:] for c in labels], lib[20:], vals[20 * 32:])))]
    _add("lat_two_frames_valid", L, F.stream_bytes(h, two), "ok")
    base = lat()
    for off in (4, 8, 11, 12, 40, 12 + len(F.dump_json(h)) + 2, len(base) // 2, len(base) - 16, len(base) - 1):
        _add("lat_truncated_at_%d" % off, L, base[:off], "bad", quick=off == len(base) // 2)
    rng = random.Random(3)
    for off in [2, 9, 20, len(base) - 10, len(base) - 3] + rng.sample(range(200, len(base) - 20), 3):
        b = bytearray(base)
        b[off] ^= 0x55
        _add("lat_flipped_byte_%d" % off, L, bytes(b), "bad")
    _add("lat_empty", L, b"", "bad", quick=True)
    _add("lat_magic_only", L, b"SCLDMSTR", "bad")
    _add("lat_garbage", L, bytes(rng.randrange(256) for _ in range(3000)), "bad")

    # ---- counts streams
    C = "counts"
    hc, cids, clabels, clib, rows = _cnt_parts(ctx)
    nc = len(cids)

    def cnt(header=None, rows_=None, raw_genes=False, ids_=None, lib_=None, labels_=None, **kw):
        p = F.counts_payload(cids if ids_ is None else ids_, clabels if labels_ is None else labels_,
                             clib if lib_ is None else lib_, rows if rows_ is None else rows_, raw_genes=raw_genes)
        return F.stream_bytes(hc if header is None else header, [(nc, F.frame(nc, p))], **kw)

    def cedit(fn):
        hh = copy.deepcopy(hc)
        fn(hh)
        return cnt(header=hh)

    _add("cnt_rebuilt_valid", C, cnt(), "ok", deep=True, quick=True, note="sanity: the harness's own writer")
    _add("cnt_genes_missing", C, cedit(lambda j: j.pop("genes")), "bad")
    _add("cnt_genes_empty", C, cedit(lambda j: j.update(genes=[])), "bad")
    _add("cnt_genes_numbers", C, cedit(lambda j: j.update(genes=list(range(100)))), "bad")
    _add("cnt_genes_fewer_than_indices", C, cedit(lambda j: j.update(genes=j["genes"][:50])), "bad", quick=True)

    def dupg(j):
        j["genes"][1] = j["genes"][0]
    _add("cnt_duplicate_gene_names", C, cedit(dupg), "either", deep=True, quick=True,
         over={"encode": (1,), "fit-vae": (1,)}, note="two genes with one name")

    def emptyg(j):
        j["genes"][3] = ""
    _add("cnt_empty_gene_name", C, cedit(emptyg), "either")
    _add("cnt_dtype_float32", C, cedit(lambda j: j.update(dtype="float32")), "bad", note="the reader must not ignore dtype")
    _add("cnt_kind_latent", C, cedit(lambda j: j.update(kind="latent", shape=[4, 8])), "bad", over={"convert": (1, 2)})
    r2 = copy.deepcopy(rows)
    r2[0] = (r2[0][0][:-1] + [100], r2[0][1])
    _add("cnt_gene_index_out_of_range", C, cnt(rows_=r2), "bad", quick=True)
    r3 = copy.deepcopy(rows)
    r3[0] = (r3[0][0], [0] + r3[0][1][1:])
    _add("cnt_zero_count", C, cnt(rows_=r3), "bad")
    deltas = [[g[0]] + [g[i] - g[i - 1] for i in range(1, len(g))] for g, _ in rows]
    deltas[0][1] = 0
    _add("cnt_gene_gap_zero", C, cnt(rows_=[(deltas[i], rows[i][1]) for i in range(nc)], raw_genes=True), "bad",
         note="a repeated gene index in one cell")
    r5 = copy.deepcopy(rows)
    r5[0] = (r5[0][0], [16777217] + r5[0][1][1:])
    _add("cnt_count_2p24_plus_1", C, cnt(rows_=r5), "either", quick=True,
         over={"convert": (0, 1)}, note="16777217 is not a float32: h5ad output must keep it exact or refuse",
         check="exact")
    r6 = copy.deepcopy(rows)
    r6[0] = (r6[0][0], [0xFFFFFFFF] + r6[0][1][1:])
    _add("cnt_count_uint32_max", C, cnt(rows_=r6), "either", check="exact")
    lb = list(clib)
    lb[0] = 12345.0
    _add("cnt_library_disagrees_with_counts", C, cnt(lib_=lb), "either", note="library size must equal the total count")
    _add("cnt_zero_records", C, F.stream_bytes(hc, []), "either", deep=True, over={"info": (0,), "fit-vae": (1,)})
    cbase = cnt()
    for off in (12, 100, len(cbase) // 2, len(cbase) - 16, len(cbase) - 1):
        _add("cnt_truncated_at_%d" % off, C, cbase[:off], "bad")
    for off in rng.sample(range(200, len(cbase) - 20), 3):
        b = bytearray(cbase)
        b[off] ^= 0x01
        _add("cnt_flipped_byte_%d" % off, C, bytes(b), "bad")

    for v in VARIANTS:
        v["path"] = os.path.join(d, v["name"] + (".lat" if v["kind"] == "latent" else ".scs"))
        with open(v["path"], "wb") as f:
            f.write(v["data"])
        v["data"] = None


# damage that only the shared stream reader sees: convert and info cover it; the
# model commands run on it only with --full
SHARED_READER = re.compile(r"(lat|cnt)_(version|format|kind|dtype|shape_(missing|zero|negative|1d|3d|strings|float|huge)$|"
                           r"labels|label_no|label_categories|empty|header|magic|garbage|truncated|flipped|frame|end|"
                           r"data_after|two_end|no_end|payload|id_length|genes_(missing|empty|numbers))")


def cases(ctx):
    P = ctx.p
    out = []
    for v in VARIANTS:
        path, g, q = v["path"], "stream", v["quick"]
        nm = v["name"]
        info_exp = expected_codes(v, "info")
        out.append(Case("stream/%s/info" % nm, g, "info", ["info", path], expect=(0, 1) if v["expect"] == "bad" else info_exp,
                        check=info_invalid if v["expect"] == "bad" else None, quick=q, note=v["note"]))
        if q or "truncated" in nm or "flipped" in nm:
          out.append(Case("stream/%s/info-stdin" % nm, g, "info", ["info", "-"], stdin=open(path, "rb").read(),
                        expect=(0, 1) if v["expect"] == "bad" else info_exp,
                        check=info_invalid if v["expect"] == "bad" else None, note=v["note"]))
        if v["kind"] == "latent":
            out.append(Case("stream/%s/convert-tsv" % nm, g, "convert", ["convert", path, "-O", "tsv", "-o", "out.tsv"],
                            expect=expected_codes(v, "convert"), check=_tsv_ok("out.tsv", n_rows=0 if "zero_records" in nm else 40), quick=q, note=v["note"]))
            out.append(Case("stream/%s/decode" % nm, g, "decode", ["decode", path, "--vae", P("vae.pt"), "-o", "out.h5ad"],
                            expect=expected_codes(v, "decode"), check=_h5_ok("out.h5ad"), quick=q, note=v["note"],
                            tier=None if q or not SHARED_READER.match(nm) else "full"))
            if v["deep"]:
                out.append(Case("stream/%s/fit-prior" % nm, g, "fit-prior",
                                ["fit-prior", path, "--preset", "tiny", "--max-steps", "1", "--condition", "cell_type",
                                 "-q", "-o", "out.pt"], expect=expected_codes(v, "fit-prior"), note=v["note"]))
                out.append(Case("stream/%s/classify" % nm, g, "classify", ["classify", "--model", P("clf.pt"), path, "-o", "out.tsv"],
                                expect=expected_codes(v, "classify"), check=_tsv_ok("out.tsv", numeric=False), note=v["note"]))
                out.append(Case("stream/%s/classify-train" % nm, g, "classify",
                                ["classify", "--train", path, "--label", "cell_type", "-q", "-o", "out.pt"],
                                expect=expected_codes(v, "classify-train"), note=v["note"],
                                tier=None if nm in ("lat_duplicate_categories", "lat_shape_overflow", "lat_zero_records") else "full"))
                out.append(Case("stream/%s/decode-stdin" % nm, g, "decode", ["decode", "--vae", P("vae.pt"), "-o", "out.scs"],
                                stdin=open(path, "rb").read(), expect=expected_codes(v, "decode"), note=v["note"]))
        else:
            chk = _exact_h5("out.h5ad", path) if v["check"] == "exact" else _h5_ok("out.h5ad")
            out.append(Case("stream/%s/convert-h5ad" % nm, g, "convert", ["convert", path, "-o", "out.h5ad"],
                            expect=expected_codes(v, "convert"), check=chk, quick=q, note=v["note"]))
            out.append(Case("stream/%s/convert-mtx" % nm, g, "convert", ["convert", path, "-o", "out.mtx"],
                            expect=expected_codes(v, "convert"), note=v["note"], tier=None if q or "count" in nm else "full"))
            out.append(Case("stream/%s/encode" % nm, g, "encode", ["encode", path, "--vae", P("vae.pt"), "-o", "out.lat"],
                            expect=expected_codes(v, "encode"), note=v["note"],
                            tier=None if q or not SHARED_READER.match(nm) else "full"))
            if v["deep"]:
                out.append(Case("stream/%s/fit-vae" % nm, g, "fit-vae",
                                ["fit-vae", path, "--preset", "tiny", "--max-steps", "1", "-q", "-o", "out.pt"],
                                expect=expected_codes(v, "fit-vae"), note=v["note"]))
                out.append(Case("stream/%s/eval-generated" % nm, g, "eval",
                                ["eval", "--real", P("small.h5ad"), "--generated", path, "--json", "-o", "out.json"],
                                expect=expected_codes(v, "eval"), note=v["note"]))
    # kind mix-ups
    out.append(Case("stream/counts-to-decode", "stream", "decode", ["decode", P("counts.scs"), "--vae", P("vae.pt"), "-o", "o.h5ad"], quick=True))
    out.append(Case("stream/latent-to-encode", "stream", "encode", ["encode", P("lats.lat"), "--vae", P("vae.pt"), "-o", "o.lat"]))
    out.append(Case("stream/latent-to-fit-vae", "stream", "fit-vae", ["fit-vae", P("lats.lat"), "--preset", "tiny", "-o", "o.pt"]))
    out.append(Case("stream/counts-to-fit-prior", "stream", "fit-prior",
                    ["fit-prior", P("counts.scs"), "--preset", "tiny", "--max-steps", "1", "-o", "o.pt"], note="counts without --vae"))
    out.append(Case("stream/latent-as-eval-real", "stream", "eval", ["eval", "--real", P("lats.lat"), "--generated", P("gen.h5ad"), "-o", "o.txt"]))
    out.append(Case("stream/checkpoint-as-stream", "stream", "decode", ["decode", P("vae.pt"), "--vae", P("vae.pt"), "-o", "o.h5ad"]))
    out.append(Case("stream/h5ad-as-latents", "stream", "decode", ["decode", P("small.h5ad"), "--vae", P("vae.pt"), "-o", "o.h5ad"]))
    out.append(Case("stream/latents-other-vae/decode", "stream", "decode",
                    ["decode", P("lats_other.lat"), "--vae", P("vae.pt"), "-o", "o.h5ad"], quick=True))
    out.append(Case("stream/latents-other-vae/decode-force", "stream", "decode",
                    ["decode", P("lats_other.lat"), "--vae", P("vae.pt"), "--force", "-o", "o.h5ad"], expect=(0,),
                    check=_h5_ok("o.h5ad")))
    out.append(Case("stream/latents-other-shape/decode-force", "stream", "decode",
                    ["decode", P("lats_ld4.lat"), "--vae", P("vae.pt"), "--force", "-o", "o.h5ad"], quick=True,
                    note="4x4 latents into a 4x8 VAE, even with --force"))
    out.append(Case("stream/latents-other-shape/classify", "stream", "classify",
                    ["classify", "--model", P("clf.pt"), P("lats_ld4.lat"), "-o", "o.tsv"]))
    out.append(Case("stream/latents-other-vae/classify", "stream", "classify",
                    ["classify", "--model", P("clf.pt"), P("lats_other.lat"), "-o", "o.tsv"],
                    note="the classifier was trained on latents of another VAE"))
    out.append(Case("stream/latents-other-shape/fit-prior-resume", "stream", "fit-prior",
                    ["fit-prior", P("lats_ld4.lat"), "--resume", P("prior.last.pt"), "--max-steps", "3", "--preset", "tiny",
                     "--condition", "cell_type", "-q", "-o", "o.pt"]))
    return out


def _h5_ok(name):
    def chk(ctx, d, r):
        return h5ad_check(os.path.join(d, name)) if r["rc"] == 0 else []
    return chk


def _exact_h5(name, src):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        import anndata
        a = anndata.read_h5ad(os.path.join(d, name))
        x = a.X.toarray() if hasattr(a.X, "toarray") else np.asarray(a.X)
        # the first stored count of cell 0 was set to the edge value
        r0 = x[0][x[0] > 0]
        want = 16777217 if "2p24" in src else 4294967295
        if len(r0) == 0 or int(np.float64(r0[0])) != want:
            return ["silent: count %d written as %r" % (want, float(r0[0]) if len(r0) else None)]
        return []
    return chk


def _tsv_ok(name, numeric=True, n_rows=None):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        return tsv_check(os.path.join(d, name), n_rows=n_rows)
    return chk
