#!/usr/bin/env python3
"""Checks the architecture that lib/README.md draws:

  * every #include "layer/..." in lib/ and cmd/ names a layer the including
    layer may use (one below it, never above or sideways);
  * the torch-free layers include no LibTorch header;
  * no function in lib/ is longer than MAX_FUNCTION_LINES.

Prints one line per violation and exits 1 when there is any. Run by CTest
(test "layers"); the per-layer static libraries catch the rest at link time.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Each layer and the layers it may include (besides itself).
ALLOWED = {
    "util": set(),
    "cli": {"util"},
    "io": {"util"},
    "spec": {"util", "io"},
    "model": {"util", "io", "spec"},
    "train": {"util", "io", "spec", "model"},
    "sample": {"util", "io", "spec", "model"},
    "eval": {"util", "io", "spec", "model", "train", "sample"},
    "pipeline": {"util", "io", "spec", "model", "train", "sample", "eval"},
}
ALLOWED["cmd"] = set(ALLOWED) | {"bench"}
TORCH_FREE = {"util", "cli", "io", "spec"}
TORCH_HEADER = re.compile(r'#include\s*<(torch|ATen|c10)/')
LOCAL_INCLUDE = re.compile(r'#include\s*"([a-z_]+)/[^"]+"')
MAX_FUNCTION_LINES = 60
SCOPE_HEAD = re.compile(r'\b(namespace|class|struct|union|enum)\b[^()]*$')
CONTROL_HEAD = re.compile(r'^\s*(if|for|while|switch|catch|do|else)\b|=\s*$|\breturn\b|\[[^\]]*\]\s*(\([^)]*\))?[^)]*$')


def layer_of(path):
    rel = path.relative_to(ROOT)
    return rel.parts[1] if rel.parts[0] == "lib" else rel.parts[0]


def strip_comments_and_strings(text):
    """The text with comments, strings and character literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            if c == '"' and i > 0 and text[i - 1] == "R":  # raw string R"x(...)x"
                close = text.find("(", i)
                delim = ")" + text[i + 1:close] + '"'
                j = text.find(delim, close) + len(delim)
            else:
                j = i + 1
                while j < n and text[j] != c:
                    j += 2 if text[j] == "\\" else 1
                j += 1
            out.append(c + "\n" * text.count("\n", i, j) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def long_functions(path):
    """(name line, length) of every function body longer than the limit."""
    code = strip_comments_and_strings(path.read_text())
    stack, head_start, line, found = [], 0, 1, []
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c in ";{}":
            if c == "{":
                head = code[head_start:i]
                in_function = any(kind == "function" for kind, _ in stack)
                if SCOPE_HEAD.search(head) or head.strip().startswith("extern"):
                    kind = "scope"
                elif not in_function and ")" in head and not CONTROL_HEAD.search(head):
                    kind = "function"
                else:
                    kind = "block"
                stack.append((kind, line))
            elif c == "}" and stack:
                kind, start = stack.pop()
                if kind == "function" and line - start + 1 > MAX_FUNCTION_LINES:
                    found.append((start, line - start + 1))
            head_start = i + 1
    return found


def main():
    problems = []
    for path in sorted(list((ROOT / "lib").rglob("*.[ch]pp")) + list((ROOT / "cmd").rglob("*.[ch]pp"))):
        layer, rel = layer_of(path), path.relative_to(ROOT)
        if layer not in ALLOWED:
            problems.append(f"{rel}: folder '{layer}' is not a layer of lib/README.md")
            continue
        for number, text in enumerate(path.read_text().splitlines(), 1):
            m = LOCAL_INCLUDE.match(text.strip())
            if m and m.group(1) != layer and m.group(1) not in ALLOWED[layer]:
                problems.append(f"{rel}:{number}: layer '{layer}' includes '{m.group(1)}', which is not below it")
            if layer in TORCH_FREE and TORCH_HEADER.match(text.strip()):
                problems.append(f"{rel}:{number}: layer '{layer}' must not include LibTorch")
        if layer != "cmd":
            for start, length in long_functions(path):
                problems.append(f"{rel}:{start}: a function of {length} lines (at most {MAX_FUNCTION_LINES})")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
