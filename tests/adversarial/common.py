"""Case description, run context and output checks shared by the case modules."""
import json
import math
import os
import shutil
import signal
import stat
import subprocess
import threading
import time

import re

import numpy as np


MEM_KILL_MB = 2048  # a case whose process passes this is killed (the machine must survive the run)


def vmrss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def expected_codes(variant, command, field="expect"):
    """The exit codes a damaged-input variant may give `command`: its override, else by its verdict."""
    if command in variant["over"]:
        return variant["over"][command]
    return {"ok": (0,), "bad": (1,), "either": (0, 1)}[variant[field]]


def alive(pid):
    """True while pid runs (without reaping it, unlike Popen.poll())."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def execute(argv, cwd, env, stdin_bytes, timeout, stdout_limit=1 << 24, on_start=None, mem_kill_mb=MEM_KILL_MB):
    t0 = time.time()
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE if stdin_bytes is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    bufs = {"out": [], "err": [], "out_n": 0, "err_n": 0}

    def reader(f, key):
        while True:
            b = f.read1(65536) if hasattr(f, "read1") else f.read(65536)
            if not b:
                break
            bufs[key + "_n"] += len(b)
            if sum(len(x) for x in bufs[key]) < stdout_limit:
                bufs[key].append(b)

    ts = [threading.Thread(target=reader, args=(p.stdout, "out"), daemon=True),
          threading.Thread(target=reader, args=(p.stderr, "err"), daemon=True)]
    for t in ts:
        t.start()
    if stdin_bytes is not None:
        def writer():
            try:
                p.stdin.write(stdin_bytes)
            except (BrokenPipeError, OSError):
                pass
            try:
                p.stdin.close()
            except OSError:
                pass
        threading.Thread(target=writer, daemon=True).start()
    timed_out = {"v": False}

    def kill():
        timed_out["v"] = True
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    mem = {"killed": 0, "done": False}

    def watchdog():
        while not mem["done"]:
            rss = vmrss_mb(p.pid)
            if rss > mem_kill_mb:
                mem["killed"] = rss
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                return
            time.sleep(0.05)
    threading.Thread(target=watchdog, daemon=True).start()
    if on_start:
        on_start(p, bufs)
    try:
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        maxrss = ru.ru_maxrss
    except ChildProcessError:  # reaped by a runner's poll(); rusage is lost
        maxrss = 0
    mem["done"] = True
    timer.cancel()
    try:  # anything the command left running in its group
        os.killpg(p.pid, signal.SIGKILL)
    except OSError:
        pass
    for t in ts:
        t.join(5)
    return {
        "rc": p.returncode, "timed_out": timed_out["v"], "stdout": b"".join(bufs["out"]), "stdout_bytes": bufs["out_n"],
        "stderr": b"".join(bufs["err"]), "maxrss_kb": maxrss, "time_s": round(time.time() - t0, 3),
        "mem_killed_mb": mem["killed"],
    }


class Case:
    """One command line and what it must do.

    argv: arguments after the binary ('{d}' is the case folder), or shell: a
    bash command ($S is the binary, $FX the fixtures, $D the case folder).
    The command runs in a fresh case folder; on failure nothing may appear
    there and what setup() put there must be left byte for byte."""

    def __init__(self, name, group, sub, argv=None, shell=None, expect=(1,), stdin=None, setup=None, check=None,
                 timeout=30, watch=(), env=None, quick=False, note="", signal_ok=False, timeout_ok=False,
                 multiline_ok=False, any_prefix=False, stdout_msg_ok=False, tmp_ok=False, outputs_ok=False,
                 may_change=(), devices=(), max_rss_mb=700, runner=None, tier=None):
        self.name, self.group, self.sub = name, group, sub
        self.argv, self.shell = argv, shell
        self.expect = tuple(expect)
        self.stdin, self.setup, self.check = stdin, setup, check
        self.timeout, self.watch, self.env = timeout, list(watch), dict(env or {})
        self.quick, self.note = quick, note
        self.signal_ok, self.timeout_ok, self.multiline_ok = signal_ok, timeout_ok, multiline_ok
        self.any_prefix, self.stdout_msg_ok, self.tmp_ok, self.outputs_ok = any_prefix, stdout_msg_ok, tmp_ok, outputs_ok
        self.may_change, self.devices, self.max_rss_mb, self.runner = set(may_change), list(devices), max_rss_mb, runner
        # quick: the --quick subset; default: the normal run; full: only with --full
        self.tier = tier or ("quick" if quick else "default")
        self.quick = self.tier == "quick"


class Ctx:
    def __init__(self, scldm, root, shared, keep, quick):
        self.scldm, self.root, self.shared, self.keep, self.quick = scldm, root, shared, keep, quick
        self.fx = os.path.join(root, "fx")
        self.cases_dir = os.path.join(root, "cases")
        self.backup = os.path.join(root, "fx-backup")
        os.makedirs(self.cases_dir, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCLDM")}
        env.update({"S": scldm, "FX": self.fx, "LC_ALL": "C.UTF-8", "OMP_NUM_THREADS": "1"})
        self.env = env
        self._stat = {}
        self.fixture_time = 0.0

    def p(self, name):
        return os.path.join(self.fx, name)

    def _walk(self):
        out = {}
        for root, dirs, files in os.walk(self.fx):
            for n in dirs + files:
                q = os.path.join(root, n)
                try:
                    st = os.lstat(q)
                except OSError:
                    continue
                out[q] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, st.st_ino)
        return out

    def freeze_fixtures(self):
        shutil.copytree(self.fx, self.backup, symlinks=True)
        self._stat = self._walk()

    def check_fixtures(self):
        now = self._walk()
        bad = sorted(set(k for k in self._stat if now.get(k) != self._stat[k]) | (set(now) - set(self._stat)))
        for q in bad:  # restore the fixture for the following cases
            rel = os.path.relpath(q, self.fx)
            src = os.path.join(self.backup, rel)
            try:
                if os.path.isdir(q) and not os.path.islink(q):
                    if not os.path.isdir(src):
                        shutil.rmtree(q)
                elif os.path.lexists(q):
                    os.unlink(q)
                if os.path.isfile(src):
                    shutil.copy2(src, q)
            except OSError:
                pass
        if bad:
            self._stat = self._walk()
        return [os.path.relpath(q, self.fx) for q in bad]

    def run(self, *argv, cwd=None, stdin=None):
        return subprocess.run([self.scldm] + list(argv), cwd=cwd or self.fx, input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)


# ------------------------------------------------------------------ checks on outputs that exist


def _arr(x):
    return x.toarray() if hasattr(x, "toarray") else np.asarray(x)


def h5ad_check(path, n_obs=None, n_vars=None, counts=True, equal_to=None, max_ok=None, obs_names=None, var_names=None,
               obsm=None):
    """Problems of an h5ad written by scldm, read back with anndata."""
    import anndata
    probs = []
    try:
        a = anndata.read_h5ad(path)
    except Exception as e:
        return ["output check: anndata cannot read %s: %s: %s" % (os.path.basename(path), type(e).__name__, str(e)[:150])]
    if n_obs is not None and a.n_obs != n_obs:
        probs.append("silent: %s has %d cells, expected %d" % (os.path.basename(path), a.n_obs, n_obs))
    if n_vars is not None and a.n_vars != n_vars:
        probs.append("silent: %s has %d genes, expected %d" % (os.path.basename(path), a.n_vars, n_vars))
    if obs_names is not None and list(a.obs_names) != list(obs_names):
        probs.append("silent: cell ids changed in %s" % os.path.basename(path))
    if var_names is not None and list(a.var_names) != list(var_names):
        probs.append("silent: gene names changed in %s" % os.path.basename(path))
    X = _arr(a.X) if a.X is not None else np.zeros((a.n_obs, 0))
    if X.size:
        if not np.isfinite(X).all():
            probs.append("silent: non-finite values written to %s" % os.path.basename(path))
        elif counts:
            if (X < 0).any():
                probs.append("silent: negative counts written")
            if (X != np.round(X)).any():
                probs.append("silent: non-integer counts written")
            m = float(X.max())
            if m in (4294967295.0, 4294967296.0, 2147483647.0, 2147483648.0, 65535.0, float(np.finfo(np.float32).max)):
                probs.append("silent: values clipped at %g" % m)
            if max_ok is not None and m > max_ok:
                probs.append("silent: implausible count %g" % m)
    if equal_to is not None:
        E = np.asarray(equal_to)
        if E.shape != X.shape:
            probs.append("silent: matrix shape %s, expected %s" % (X.shape, E.shape))
        elif not np.array_equal(E.astype(np.float64), X.astype(np.float64)):
            k = np.argmax(np.abs(E.astype(np.float64) - X.astype(np.float64)))
            probs.append("silent: values changed (e.g. %r became %r)" % (E.flat[k], X.flat[k]))
    if obsm is not None:
        if obsm not in a.obsm:
            probs.append("silent: obsm[%s] missing" % obsm)
        elif not np.isfinite(np.asarray(a.obsm[obsm])).all():
            probs.append("silent: non-finite values in obsm[%s]" % obsm)
    return probs


def tsv_check(path, n_rows=None, n_cols=None, numeric_from=None, finite=True, header_unique=True):
    import pandas as pd
    probs = []
    try:
        # Fields holding tabs, line ends or quotes are quoted (scldm-formats(5)).
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except Exception as e:
        return ["output check: pandas cannot read %s: %s" % (os.path.basename(path), str(e)[:150])]
    import csv
    with open(path, newline="") as f:
        header = next(csv.reader(f, delimiter="\t"))
    if header_unique and len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        probs.append("silent: duplicate column names in %s header: %s" % (os.path.basename(path), dup[:5]))
    if n_rows is not None and len(df) != n_rows:
        probs.append("silent: %s has %d rows, expected %d" % (os.path.basename(path), len(df), n_rows))
    if n_cols is not None and df.shape[1] != n_cols:
        probs.append("silent: %s has %d columns, expected %d" % (os.path.basename(path), df.shape[1], n_cols))
    if numeric_from is not None and finite and len(df):
        vals = df.iloc[:, numeric_from:].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(vals).all():
            probs.append("silent: non-finite or non-numeric values in %s" % os.path.basename(path))
    return probs


def json_check(text, name="output"):
    try:
        j = json.loads(text, parse_constant=lambda c: float("nan"))
    except Exception as e:
        return ["output check: %s is not JSON: %s" % (name, str(e)[:100])], None
    bad = []

    def walk(x, path):
        if isinstance(x, float) and not math.isfinite(x):
            bad.append(path)
        elif isinstance(x, dict):
            for k, v in x.items():
                walk(v, path + "." + str(k))
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, "%s[%d]" % (path, i))
    walk(j, "")
    return (["silent: non-finite numbers in %s: %s" % (name, ", ".join(bad[:4]))] if bad else []), j


def stream_check(ctx, path, n=None, finite=True):
    """Problems of a record stream written by scldm (read back by info --json)."""
    r = ctx.run("info", "--json", path)
    if r.returncode != 0:
        return ["silent: output %s unreadable by scldm info: %s" % (os.path.basename(path),
                                                                     r.stderr.decode(errors="replace").strip()[:150])]
    j = json.loads(r.stdout)
    probs = []
    if not j.get("valid", True):
        probs.append("silent: output %s not valid" % os.path.basename(path))
    if n is not None and j.get("records") != n:
        probs.append("silent: output has %s records, expected %d" % (j.get("records"), n))
    return probs


def text_nonempty(path):
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return ["silent: %s missing or empty after exit 0" % os.path.basename(path)]
    return []


def info_invalid(ctx, d, r):
    """For `info` of bad data: exit 0 is fine when the summary says invalid."""
    if r["rc"] != 0:
        return []
    out = r["stdout"].decode(errors="replace")
    if re.search(r'"valid"\s*:\s*false', out) or re.search(r"^valid\s+false", out, re.M):
        return []
    return ["accepted: info exits 0 and reports the bad file as valid"]

