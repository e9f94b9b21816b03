"""Corrupt and unusual .h5ad inputs, made with h5py from a valid 40 x 100 file,
thrown at every command that reads counts."""
import os
import random
import shutil

import h5py
import numpy as np

from common import Case, expected_codes, h5ad_check, info_invalid, stream_check

H5 = "h5"  # sub-folder of the fixtures


def _replace(g, key, data, dtype=None, keep_attrs=True):
    attrs = dict(g[key].attrs) if (key in g and keep_attrs) else {}
    if key in g:
        del g[key]
    ds = g.create_dataset(key, data=data, dtype=dtype) if dtype is not None else g.create_dataset(key, data=data)
    for k, v in attrs.items():
        ds.attrs[k] = v
    return ds


STR = h5py.string_dtype()


def _strs(xs):
    return np.array(xs, dtype=object)


# Each variant: name -> (writer(path, ctx), kind, options)
# kind: ok (every reader must accept it, values intact), bad (every reader
# must refuse it), either (refusing is fine; accepting must give a sound result)
VARIANTS = []


def variant(name, kind, deep=False, equal=False, over=None, quick=False, note=""):
    def deco(fn):
        VARIANTS.append(dict(name=name, fn=fn, kind=kind, deep=deep, equal=equal, over=over or {}, quick=quick,
                             note=note))
        return fn
    return deco


def mut(fn):
    def w(path, ctx):
        shutil.copy(ctx.p("small.h5ad"), path)
        with h5py.File(path, "r+") as f:
            fn(f, ctx)
    return w


def with_anndata(fn):
    def w(path, ctx):
        import anndata
        a = anndata.read_h5ad(ctx.p("small.h5ad"))
        fn(a, ctx)
        a.write_h5ad(path)
    return w


# ---- valid layouts: must read back to the same counts
variant("valid_csr", "ok", deep=True, equal=True, quick=True)(mut(lambda f, c: None))


@variant("csc", "ok", deep=True, equal=True, quick=True)
@with_anndata
def _(a, c):
    import scipy.sparse as sp
    a.X = sp.csc_matrix(a.X)


@variant("dense", "ok", deep=True, equal=True)
@with_anndata
def _(a, c):
    a.X = a.X.toarray()


variant("float64_values", "ok", equal=True)(mut(lambda f, c: _replace(f["X"], "data", f["X/data"][...].astype(np.float64))))
variant("int32_values", "ok", equal=True)(mut(lambda f, c: _replace(f["X"], "data", f["X/data"][...].astype(np.int32))))
variant("int64_values", "ok", equal=True)(mut(lambda f, c: _replace(f["X"], "data", f["X/data"][...].astype(np.int64))))


@variant("int64_indices", "ok", equal=True)
@mut
def _(f, c):
    for k in ("indices", "indptr"):
        _replace(f["X"], k, f["X"][k][...].astype(np.int64))


@variant("unsorted_indices", "ok", equal=True, deep=True)
@mut
def _(f, c):
    ip, ind, dat = f["X/indptr"][...], f["X/indices"][...], f["X/data"][...]
    for i in range(len(ip) - 1):
        s, e = ip[i], ip[i + 1]
        ind[s:e], dat[s:e] = ind[s:e][::-1].copy(), dat[s:e][::-1].copy()
    f["X/indices"][...] = ind
    f["X/data"][...] = dat


@variant("duplicate_entries", "ok", equal=True, note="duplicates must be added up")
@mut
def _(f, c):
    ip, ind, dat = f["X/indptr"][...], list(f["X/indices"][...]), list(f["X/data"][...])
    k = next(j for j in range(ip[0], ip[1]) if dat[j] >= 2)
    v = dat[k]
    dat[k] = v - 1
    ind.insert(k + 1, ind[k])
    dat.insert(k + 1, 1.0)
    ip = ip.copy()
    ip[1:] += 1
    _replace(f["X"], "indices", np.array(ind, dtype=np.int32))
    _replace(f["X"], "data", np.array(dat, dtype=np.float32))
    f["X/indptr"][...] = ip


@variant("explicit_zeros", "ok", equal=True)
@mut
def _(f, c):
    d = f["X/data"][...]
    d[::7] = 0
    f["X/data"][...] = d


@variant("missing_label_code", "ok", quick=True)
@mut
def _(f, c):
    codes = f["obs/cell_type/codes"][...]
    codes[0] = -1
    f["obs/cell_type/codes"][...] = codes


# ---- bad values
def _setval(v, dtype=None):
    def fn(f, c):
        d = f["X/data"][...]
        if dtype is not None:
            d = d.astype(dtype)
        d[0] = v
        _replace(f["X"], "data", d)
    return fn


variant("nan_count", "bad", deep=True, quick=True)(mut(_setval(np.nan)))
variant("inf_count", "bad", deep=True)(mut(_setval(np.inf)))
variant("neginf_count", "bad")(mut(_setval(-np.inf)))
variant("negative_count", "bad", deep=True, quick=True)(mut(_setval(-3)))
variant("non_integer_count", "bad", deep=True)(mut(_setval(2.5)))
variant("almost_integer_count", "bad", note="1.0000001 is not a whole number")(mut(_setval(1.0000001, np.float64)))
variant("int64_negative_count", "bad")(mut(_setval(-1, np.int64)))
variant("huge_count_5e9", "either", equal=True, note="beyond uint32")(mut(_setval(5e9)))
variant("huge_count_1e38", "either", equal=True)(mut(_setval(1e38)))
variant("huge_count_f64_1e300", "either", equal=True, over={"convert": (1,)},
        note="1e300 does not fit the float32 X scldm writes")(mut(_setval(1e300, np.float64)))
variant("huge_count_int64_2e40", "either", equal=True)(mut(_setval(2 ** 40, np.int64)))


def _dense_with(v):
    def fn(a, c):
        x = a.X.toarray()
        x[1, 2] = v
        a.X = x
    return fn


variant("dense_nan", "bad")(with_anndata(_dense_with(np.nan)))
variant("dense_negative", "bad")(with_anndata(_dense_with(-1)))


def _csc_with(v):
    def fn(a, c):
        import scipy.sparse as sp
        x = a.X.toarray()
        x[1, 2] = v
        a.X = sp.csc_matrix(x)
    return fn


variant("csc_nan", "bad")(with_anndata(_csc_with(np.nan)))
variant("csc_non_integer", "bad")(with_anndata(_csc_with(0.5)))


# ---- broken sparse structure
@variant("data_shorter_than_indices", "bad", deep=True, quick=True)
@mut
def _(f, c):
    _replace(f["X"], "data", f["X/data"][:-5])


@variant("indices_shorter_than_data", "bad")
@mut
def _(f, c):
    _replace(f["X"], "indices", f["X/indices"][:-5])


@variant("indptr_too_short", "bad", deep=True)
@mut
def _(f, c):
    _replace(f["X"], "indptr", f["X/indptr"][:-1])


@variant("indptr_decreasing", "bad", quick=True)
@mut
def _(f, c):
    ip = f["X/indptr"][...]
    ip[5], ip[6] = ip[6], ip[5]
    f["X/indptr"][...] = ip


@variant("indptr_beyond_nnz", "bad")
@mut
def _(f, c):
    ip = f["X/indptr"][...]
    ip[-1] += 1000
    f["X/indptr"][...] = ip


@variant("indptr_starts_at_1", "bad")
@mut
def _(f, c):
    ip = f["X/indptr"][...]
    ip[0] = 1
    f["X/indptr"][...] = ip


@variant("indptr_negative", "bad")
@mut
def _(f, c):
    ip = f["X/indptr"][...]
    ip[3] = -7
    f["X/indptr"][...] = ip


def _idx(v):
    def fn(f, c):
        ind = f["X/indices"][...]
        ind[0] = v
        f["X/indices"][...] = ind
    return fn


variant("index_out_of_range", "bad", deep=True, quick=True)(mut(_idx(100)))
variant("index_negative", "bad")(mut(_idx(-1)))
variant("index_huge", "bad")(mut(_idx(2 ** 31 - 1)))


def _shape(s):
    def fn(f, c):
        if s is None:
            del f["X"].attrs["shape"]
        else:
            f["X"].attrs["shape"] = np.array(s)
    return fn


variant("shape_more_rows", "bad", quick=True)(mut(_shape([41, 100])))
variant("shape_fewer_rows", "bad")(mut(_shape([39, 100])))
variant("shape_more_genes", "bad")(mut(_shape([40, 101])))
variant("shape_fewer_genes", "bad")(mut(_shape([40, 99])))
variant("shape_missing", "bad")(mut(_shape(None)))
variant("shape_three_dims", "bad")(mut(_shape([40, 100, 1])))
variant("shape_negative", "bad")(mut(_shape([-40, 100])))
variant("shape_huge", "bad")(mut(_shape([2 ** 40, 100])))


@variant("X_missing", "bad", quick=True)
@mut
def _(f, c):
    del f["X"]


@variant("X_unknown_encoding", "bad")
@mut
def _(f, c):
    f["X"].attrs["encoding-type"] = "coo_matrix"


@variant("X_no_indptr", "bad")
@mut
def _(f, c):
    del f["X/indptr"]


@variant("X_string_data", "bad")
@mut
def _(f, c):
    d = f["X/data"][...]
    _replace(f["X"], "data", _strs([str(x) for x in d]), dtype=STR)


variant("X_float16", "either", equal=True)(mut(lambda f, c: _replace(f["X"], "data", f["X/data"][...].astype(np.float16))))
variant("X_uint16", "either", equal=True)(mut(lambda f, c: _replace(f["X"], "data", f["X/data"][...].astype(np.uint16))))
variant("X_bool", "either")(mut(lambda f, c: _replace(f["X"], "data", f["X/data"][...] > 0)))


@variant("X_data_2d", "bad")
@mut
def _(f, c):
    d = f["X/data"][...]
    _replace(f["X"], "data", np.stack([d, d]))


@variant("X_compound_dtype", "bad")
@mut
def _(f, c):
    d = f["X/data"][...]
    arr = np.zeros(len(d), dtype=[("a", "f4"), ("b", "f4")])
    arr["a"] = d
    _replace(f["X"], "data", arr)


@variant("dense_too_many_rows", "bad")
@mut
def _(f, c):
    x = np.zeros((41, 100), dtype=np.float32)
    del f["X"]
    ds = f.create_dataset("X", data=x)
    ds.attrs["encoding-type"] = "array"
    ds.attrs["encoding-version"] = "0.2.0"


@variant("dense_1d", "bad")
@mut
def _(f, c):
    del f["X"]
    ds = f.create_dataset("X", data=np.ones(4000, dtype=np.float32))
    ds.attrs["encoding-type"] = "array"
    ds.attrs["encoding-version"] = "0.2.0"


@variant("dense_3d", "bad")
@mut
def _(f, c):
    del f["X"]
    ds = f.create_dataset("X", data=np.ones((40, 100, 2), dtype=np.float32))
    ds.attrs["encoding-type"] = "array"
    ds.attrs["encoding-version"] = "0.2.0"


# ---- empty and degenerate matrices
@variant("zero_cells", "either", deep=True, over={"fit-vae": (1,), "eval-real": (1,), "eval-gen": (1,)})
@with_anndata
def _(a, c):
    a._inplace_subset_obs(np.zeros(a.n_obs, dtype=bool))


@variant("zero_genes", "either", over={"encode": (1,), "fit-vae": (1,)})
@with_anndata
def _(a, c):
    a._inplace_subset_var(np.zeros(a.n_vars, dtype=bool))


@variant("all_zero", "either", deep=True, over={"fit-vae": (1,), "info": (0,), "convert": (0,)})
@with_anndata
def _(a, c):
    import scipy.sparse as sp
    a.X = sp.csr_matrix(a.X.shape, dtype=np.float32)


# ---- obs
@variant("obs_index_missing", "bad")
@mut
def _(f, c):
    del f["obs/_index"]


@variant("obs_index_short", "bad", deep=True)
@mut
def _(f, c):
    _replace(f["obs"], "_index", _strs(["c%d" % i for i in range(39)]), dtype=STR)


@variant("obs_index_long", "bad")
@mut
def _(f, c):
    _replace(f["obs"], "_index", _strs(["c%d" % i for i in range(41)]), dtype=STR)


@variant("obs_index_duplicates", "either", quick=True, note="two cells with one id must stay two cells")
@mut
def _(f, c):
    ids = [x.decode() if isinstance(x, bytes) else x for x in f["obs/_index"][...]]
    ids[1] = ids[0]
    _replace(f["obs"], "_index", _strs(ids), dtype=STR)


@variant("obs_index_empty_id", "either")
@mut
def _(f, c):
    ids = [x.decode() if isinstance(x, bytes) else x for x in f["obs/_index"][...]]
    ids[2] = ""
    _replace(f["obs"], "_index", _strs(ids), dtype=STR)


@variant("obs_index_integers", "either")
@mut
def _(f, c):
    _replace(f["obs"], "_index", np.arange(40, dtype=np.int64))


@variant("codes_short", "bad", deep=True, quick=True)
@mut
def _(f, c):
    _replace(f["obs/cell_type"], "codes", f["obs/cell_type/codes"][:30])


@variant("codes_long", "bad")
@mut
def _(f, c):
    x = f["obs/cell_type/codes"][...]
    _replace(f["obs/cell_type"], "codes", np.concatenate([x, x[:5]]))


@variant("codes_out_of_range", "bad", deep=True)
@mut
def _(f, c):
    x = f["obs/cell_type/codes"][...]
    x[4] = 9
    f["obs/cell_type/codes"][...] = x


@variant("codes_minus_2", "bad")
@mut
def _(f, c):
    x = f["obs/cell_type/codes"][...]
    x[4] = -2
    f["obs/cell_type/codes"][...] = x


@variant("codes_float", "either")
@mut
def _(f, c):
    _replace(f["obs/cell_type"], "codes", f["obs/cell_type/codes"][...].astype(np.float64) + 0.5)


@variant("duplicate_categories", "bad", deep=True, quick=True, note="['B','B','NK','Mono']: two labels with one name")
@mut
def _(f, c):
    _replace(f["obs/cell_type"], "categories", _strs(["B", "B", "NK", "Mono"]), dtype=STR)


@variant("empty_category_name", "either")
@mut
def _(f, c):
    _replace(f["obs/cell_type"], "categories", _strs(["", "T", "NK", "Mono"]), dtype=STR)


@variant("categories_integers", "either")
@mut
def _(f, c):
    _replace(f["obs/cell_type"], "categories", np.arange(4, dtype=np.int64))


@variant("categorical_no_codes", "bad")
@mut
def _(f, c):
    del f["obs/cell_type/codes"]


@variant("categorical_no_categories", "bad")
@mut
def _(f, c):
    del f["obs/cell_type/categories"]


@variant("string_column_short", "bad")
@mut
def _(f, c):
    ds = f.create_dataset("obs/donor", data=_strs(["d%d" % (i % 3) for i in range(25)]), dtype=STR)
    ds.attrs["encoding-type"] = "string-array"
    ds.attrs["encoding-version"] = "0.2.0"
    f["obs"].attrs["column-order"] = _strs(list(f["obs"].attrs["column-order"]) + ["donor"])


@variant("numeric_column_short", "bad")
@mut
def _(f, c):
    _replace(f["obs"], "library_size", f["obs/library_size"][:10])


@variant("column_order_names_missing_column", "bad")
@mut
def _(f, c):
    f["obs"].attrs["column-order"] = _strs(list(f["obs"].attrs["column-order"]) + ["ghost"])


@variant("obs_library_size_categorical", "either", note="scldm writes its own obs/library_size")
@with_anndata
def _(a, c):
    import pandas as pd
    a.obs["library_size"] = pd.Categorical(["small"] * 20 + ["big"] * 20)


# ---- var
@variant("duplicate_gene_names", "either", deep=True, quick=True,
         over={"encode": (1,), "fit-vae": (1,), "classify": (1,), "eval-real": (1,), "eval-gen": (1,)},
         note="two genes with one name: a model cannot tell them apart; convert must keep both")
@mut
def _(f, c):
    g = [x.decode() if isinstance(x, bytes) else x for x in f["var/_index"][...]]
    g[1] = g[0]
    _replace(f["var"], "_index", _strs(g), dtype=STR)


@variant("var_index_short", "bad")
@mut
def _(f, c):
    _replace(f["var"], "_index", f["var/_index"][:99], dtype=STR)


@variant("var_index_missing", "bad")
@mut
def _(f, c):
    del f["var/_index"]


@variant("empty_gene_name", "either")
@mut
def _(f, c):
    g = [x.decode() if isinstance(x, bytes) else x for x in f["var/_index"][...]]
    g[5] = ""
    _replace(f["var"], "_index", _strs(g), dtype=STR)


@variant("gene_names_unknown_to_vae", "either", over={"encode": (1,), "classify": (1,)},
         note="no gene the VAE knows")
@mut
def _(f, c):
    _replace(f["var"], "_index", _strs(["X%d" % i for i in range(100)]), dtype=STR)


# ---- structure
@variant("obs_is_dataset", "bad")
@mut
def _(f, c):
    del f["obs"]
    f.create_dataset("obs", data=np.zeros(40))


@variant("var_is_dataset", "bad")
@mut
def _(f, c):
    del f["var"]
    f.create_dataset("var", data=np.zeros(100))


def _not_anndata(path, ctx):
    with h5py.File(path, "w") as f:
        f.create_dataset("hello", data=np.arange(3))


variant("hdf5_not_anndata", "bad", quick=True)(_not_anndata)


@variant("only_X", "bad")
@mut
def _(f, c):
    for k in list(f.keys()):
        if k != "X":
            del f[k]


@variant("external_link_X", "bad", note="X is an external link to a missing file")
@mut
def _(f, c):
    del f["X"]
    f["X"] = h5py.ExternalLink("/nonexistent/elsewhere.h5", "/X")


@variant("soft_link_loop", "bad")
@mut
def _(f, c):
    del f["X/data"]
    f["X/data"] = h5py.SoftLink("/X/data")


# ---------------------------------------------------------------- file-level damage


def _file_variants(ctx):
    base = open(ctx.p("small.h5ad"), "rb").read()
    n = len(base)
    out = [("empty_file", b"", "bad"), ("text_file", b"cell,gene\n1,2\n", "bad"),
           ("hdf5_magic_only", base[:8], "bad")]
    for off in (100, 1000, 4096, n // 4, n // 2, 3 * n // 4, n - 100, n - 1):
        out.append(("truncated_at_%d" % off, base[:off], "bad"))
    rng = random.Random(5)
    offs = [9, 40, 100, 300, 700, 1500, 3000] + sorted(rng.sample(range(4000, n), 5))
    ctx.h5_keep_files = {"truncated_at_%d" % (n // 2), "truncated_at_1000", "flipped_byte_3000", "flipped_byte_300"}
    for off in offs:
        b = bytearray(base)
        b[off] ^= 0xFF
        out.append(("flipped_byte_%d" % off, bytes(b), "either"))
    out.append(("appended_garbage", base + b"\x00garbage" * 100, "either"))
    return out


def build(ctx):
    d = os.path.join(ctx.fx, H5)
    os.makedirs(d, exist_ok=True)
    ctx.h5_built = []
    for v in VARIANTS:
        path = os.path.join(d, v["name"] + ".h5ad")
        try:
            v["fn"](path, ctx)
            ctx.h5_built.append(v)
        except Exception as e:  # a variant the installed h5py cannot make
            print("h5ad variant %s not built: %s" % (v["name"], e))
    ctx.h5_files = []
    for name, data, kind in _file_variants(ctx):
        path = os.path.join(d, name + ".h5ad")
        with open(path, "wb") as f:
            f.write(data)
        ctx.h5_files.append(dict(name=name, kind=kind, deep=name in ("truncated_at_%d" % (len(open(ctx.p("small.h5ad"), "rb").read()) // 2),),
                                 equal=False, over={}, quick=name in ("empty_file", "text_file"), note=""))
    # layers and raw
    import anndata
    import scipy.sparse as sp
    a = anndata.read_h5ad(ctx.p("small.h5ad"))
    bad = a.X.toarray()
    bad[0, 0] = np.nan
    a.layers["counts"] = sp.csr_matrix(bad)
    a.write_h5ad(os.path.join(d, "layer_nan.h5ad"))
    a = anndata.read_h5ad(ctx.p("small.h5ad"))
    a.raw = a
    a.write_h5ad(os.path.join(d, "with_raw.h5ad"))
    shutil.copy(os.path.join(d, "with_raw.h5ad"), os.path.join(d, "raw_var_short.h5ad"))
    with h5py.File(os.path.join(d, "raw_var_short.h5ad"), "r+") as f:
        _replace(f["raw/var"], "_index", f["raw/var/_index"][:99], dtype=STR)


# obs-related variants: every reader of labels (sample --like too) must refuse them
LABEL_VARIANTS = ("obs_", "codes_", "duplicate_categories", "string_column", "numeric_column", "column_order",
                  "categor", "empty_category", "missing_label")
ENCODE_KEEP = {"zero_genes", "gene_names_unknown_to_vae", "huge_count_5e9", "huge_count_f64_1e300", "X_float16", "X_bool",
               "empty_file", "text_file", "external_link_X", "soft_link_loop", "hdf5_not_anndata"}
DEEP_FIT = {"valid_csr", "csc", "nan_count", "zero_cells", "all_zero", "codes_short", "duplicate_categories",
            "duplicate_gene_names"}
DEEP_EVAL = {"valid_csr", "nan_count", "zero_cells", "codes_short", "duplicate_categories", "duplicate_gene_names"}
DEEP_CLASSIFY = {"valid_csr", "nan_count", "codes_short", "obs_index_short", "duplicate_categories", "duplicate_gene_names",
                 "codes_out_of_range", "index_out_of_range"}


def cases(ctx):
    P = ctx.p
    d = os.path.join(ctx.fx, H5)
    out = []
    X0 = ctx.small_X

    def eq_check(v, path):
        def chk(ctx_, cd, r):
            if r["rc"] != 0:
                return []
            exp = None
            if v["equal"]:
                import anndata
                try:
                    src = anndata.read_h5ad(path)
                    exp = src.X.toarray() if hasattr(src.X, "toarray") else np.asarray(src.X)
                    exp = exp.astype(np.float64)
                except Exception:
                    exp = None
                    if v["kind"] == "ok":
                        exp = X0
            n_obs = 40 if v["name"] in ("obs_index_duplicates", "obs_index_empty_id", "valid_csr") else None
            n_vars = 100 if v["name"] in ("duplicate_gene_names", "empty_gene_name") else None
            return h5ad_check(os.path.join(cd, "out.h5ad"), n_obs=n_obs, n_vars=n_vars, equal_to=exp)
        return chk

    def stream_out(name, n=None):
        return lambda ctx_, cd, r: stream_check(ctx_, os.path.join(cd, name), n) if r["rc"] == 0 else []

    for v in ctx.h5_built + ctx.h5_files:
        path = os.path.join(d, v["name"] + ".h5ad")
        g = "h5ad"
        q = v["quick"]
        ex_info = expected_codes(v, "info", "kind")
        info_chk = info_invalid if v["kind"] == "bad" else None
        out.append(Case("h5ad/%s/info" % v["name"], g, "info", ["info", path], expect=ex_info if v["kind"] != "bad" else (0, 1),
                        check=info_chk, quick=q, note=v["note"]))
        out.append(Case("h5ad/%s/convert" % v["name"], g, "convert", ["convert", path, "-o", "out.h5ad"],
                        expect=expected_codes(v, "convert", "kind"), check=eq_check(v, path), quick=q, note=v["note"]))
        nm = v["name"]
        enc_tier = None
        if not (v["quick"] or v["deep"] or nm in ENCODE_KEEP or nm.startswith(LABEL_VARIANTS)) or \
                (nm.startswith(("flipped", "truncated")) and nm not in ctx.h5_keep_files):
            enc_tier = "full"  # the same reader as convert
        out.append(Case("h5ad/%s/encode" % nm, g, "encode", ["encode", path, "--vae", P("vae.pt"), "-o", "out.lat"],
                        expect=expected_codes(v, "encode", "kind"), check=stream_out("out.lat"), note=v["note"], tier=enc_tier))
        if nm.startswith("huge_count"):
            out.append(Case("h5ad/%s/convert-stream" % nm, g, "convert",
                            ["convert", path, "-O", "stream", "-o", "out.scs"], expect=(1,),
                            note="a uint32 stream cannot hold the count: refuse rather than clip"))
            out.append(Case("h5ad/%s/convert-mtx" % nm, g, "convert", ["convert", path, "-o", "out.mtx"],
                            expect=(0, 1), check=_mtx_equal(path)))
        if v["deep"]:
            label_variant = nm.startswith(LABEL_VARIANTS)
            out.append(Case("h5ad/%s/fit-vae" % nm, g, "fit-vae",
                            ["fit-vae", path, "--preset", "tiny", "--max-steps", "1", "-q", "-o", "out.pt"],
                            expect=expected_codes(v, "fit-vae", "kind"), tier=None if nm in DEEP_FIT else "full"))
            out.append(Case("h5ad/%s/eval-real" % nm, g, "eval",
                            ["eval", "--real", path, "--generated", P("gen.h5ad"), "--json", "-o", "out.json"],
                            expect=expected_codes(v, "eval-real", "kind"), tier=None if nm in DEEP_EVAL else "full"))
            out.append(Case("h5ad/%s/eval-generated" % nm, g, "eval",
                            ["eval", "--real", P("small.h5ad"), "--generated", path, "--json", "-o", "out.json"],
                            expect=expected_codes(v, "eval-gen", "kind"), tier="full"))
            out.append(Case("h5ad/%s/classify" % nm, g, "classify",
                            ["classify", "--model", P("clf.pt"), "--vae", P("vae.pt"), path, "-o", "out.tsv"],
                            expect=expected_codes(v, "classify", "kind"), tier=None if nm in DEEP_CLASSIFY else "full"))
            out.append(Case("h5ad/%s/sample-like" % nm, g, "sample",
                            ["sample", "--prior", P("prior.pt"), "--like", path, "--steps", "2", "-o", "out.lat"],
                            expect=expected_codes(v, "sample", "kind") if label_variant or v["kind"] == "ok" else (0, 1),
                            tier=None if label_variant or nm == "valid_csr" else "full",
                            note="--like reads the labels only"))
    # layers / raw / gene column
    L = os.path.join(d, "layer_nan.h5ad")
    R = os.path.join(d, "with_raw.h5ad")
    for sub, extra in (("info", []), ("convert", ["-o", "out.h5ad"]), ("encode", ["--vae", P("vae.pt"), "-o", "out.lat"])):
        out.append(Case("h5ad/layer-nan/%s" % sub, "h5ad", sub, [sub, L, "--layer", "counts"] + extra,
                        expect=(0, 1) if sub == "info" else (1,), check=info_invalid if sub == "info" else None))
        out.append(Case("h5ad/layer-missing/%s" % sub, "h5ad", sub, [sub, P("small.h5ad"), "--layer", "nosuch"] + extra,
                        expect=(1,), quick=sub == "convert"))
        out.append(Case("h5ad/raw-missing/%s" % sub, "h5ad", sub, [sub, P("small.h5ad"), "--raw"] + extra, expect=(1,)))
        out.append(Case("h5ad/raw-ok/%s" % sub, "h5ad", sub, [sub, R, "--raw"] + extra, expect=(0,)))
        out.append(Case("h5ad/raw-var-short/%s" % sub, "h5ad", sub, [sub, os.path.join(d, "raw_var_short.h5ad"), "--raw"] + extra,
                        expect=(0, 1) if sub == "info" else (1,), check=info_invalid if sub == "info" else None))
        out.append(Case("h5ad/gene-column-missing/%s" % sub, "h5ad", sub,
                        [sub, P("small.h5ad"), "--gene-column", "nosuch"] + extra, expect=(1,)))
        out.append(Case("h5ad/layer-and-raw/%s" % sub, "h5ad", sub,
                        [sub, R, "--layer", "counts", "--raw"] + extra, expect=(1, 2), note="conflicting options"))
    out.append(Case("h5ad/directory-as-input/convert", "h5ad", "convert", ["convert", P("adir.h5ad"), "-o", "out.h5ad"],
                    quick=True))
    out.append(Case("h5ad/directory-as-input/encode", "h5ad", "encode", ["encode", P("adir.h5ad"), "--vae", P("vae.pt"), "-o", "o.lat"]))
    out.append(Case("h5ad/directory-as-input/fit-vae", "h5ad", "fit-vae", ["fit-vae", P("adir.h5ad"), "--preset", "tiny", "-o", "o.pt"]))
    out.append(Case("h5ad/missing-input/info", "h5ad", "info", ["info", P("nonexistent.h5ad")], quick=True))
    out.append(Case("h5ad/missing-input/eval", "h5ad", "eval", ["eval", "--real", P("nonexistent.h5ad"), "--generated", P("gen.h5ad"), "-o", "o.txt"]))
    return out


def _mtx_equal(src):
    def chk(ctx, cd, r):
        if r["rc"] != 0:
            return []
        import anndata
        import scipy.io
        x = scipy.io.mmread(os.path.join(cd, "out.mtx")).toarray().astype(np.float64)
        a = anndata.read_h5ad(src)
        e = (a.X.toarray() if hasattr(a.X, "toarray") else np.asarray(a.X)).astype(np.float64)
        if x.shape != e.shape or not np.array_equal(x, e):
            return ["silent: Matrix Market values differ from the input (max %g vs %g)" % (x.max(), e.max())]
        return []
    return chk
