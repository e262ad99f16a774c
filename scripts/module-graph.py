#!/usr/bin/env python3
"""The import graph of musaid's modules, from the `crate::` paths in src/.

Prints the strongly connected components with more than one file (the import cycles) and
their sizes; `--edges` also prints every edge. A cycle made only of a `mod.rs` and its own
parts (children, their children) is allowed (a module and its parts may use each other) and not reported; any
other cycle is, parent-child edges included.

    python3 scripts/module-graph.py [--edges]

Exits 1 when there is a cycle (the test command runs it).
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def module_files():
    files = {}
    for root, _, names in os.walk(SRC):
        for n in names:
            if n.endswith(".rs"):
                path = os.path.relpath(os.path.join(root, n), SRC)
                parts = path[:-3].split(os.sep)
                if parts[-1] == "mod":
                    parts = parts[:-1]
                if parts in (["lib"], ["main"]):
                    parts = []
                files[tuple(parts)] = path
    return files


def resolve(files, segments):
    """The longest module path among `segments` that is a file."""
    for n in range(len(segments), 0, -1):
        if tuple(segments[:n]) in files:
            return tuple(segments[:n])
    return None


def edges(files):
    out = {}
    pat = re.compile(r"crate::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)")
    group = re.compile(r"crate::((?:[a-z_][a-z0-9_]*::)*)\{([^}]*)\}")
    for mod, path in files.items():
        text = open(os.path.join(SRC, path), encoding="utf-8").read()
        # Drop comments: doc links are not imports.
        text = "\n".join(l.split("//")[0] for l in text.splitlines())
        targets = set()
        for m in pat.finditer(text):
            t = resolve(files, m.group(1).split("::"))
            if t is not None:
                targets.add(t)
        for m in group.finditer(text):
            base = [s for s in m.group(1).split("::") if s]
            for item in m.group(2).split(","):
                first = item.strip().split("::")[0].strip()
                if first and first.islower():
                    t = resolve(files, base + [first])
                    if t is not None:
                        targets.add(t)
        # `super::x` inside a folder.
        parent = mod[:-1] if path.endswith("mod.rs") is False else mod[:-1]
        for m in re.finditer(r"super::([a-z_][a-z0-9_]*)", text):
            base = list(mod[:-1]) if not path.endswith("mod.rs") else list(mod[:-1])
            t = resolve(files, base + [m.group(1)])
            if t is not None:
                targets.add(t)
        # A module's own `mod child;` declarations: it uses its children.
        for m in re.finditer(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", text, re.M):
            t = resolve(files, list(mod) + [m.group(1)])
            if t is not None:
                targets.add(t)
        out[mod] = {t for t in targets if t != mod and t != ()}
    return out


def sccs(graph):
    index, low, stack, on, result, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            result.append(comp)

    for v in graph:
        if v not in index:
            visit(v)
    return result


def main():
    files = module_files()
    graph = edges(files)
    if "--edges" in sys.argv:
        for a in sorted(graph):
            for b in sorted(graph[a]):
                print(f"{files[a]} -> {files[b]}")
    def family(c):
        # One module (a mod.rs, or x.rs beside an x/ folder) and its own parts only.
        return any(all(m[: len(p)] == p for m in c) for p in c)

    cycles = [c for c in sccs(graph) if len(c) > 1 and not family(c)]
    cycles.sort(key=len, reverse=True)
    for c in cycles:
        print(f"cycle of {len(c)} files: " + " ".join(sorted(files[m] for m in c)))
    print(f"{len(files)} files, {sum(len(v) for v in graph.values())} imports, "
          f"{len(cycles)} cycle(s), largest {max((len(c) for c in cycles), default=0)} files")
    sys.exit(1 if cycles else 0)


if __name__ == "__main__":
    main()
