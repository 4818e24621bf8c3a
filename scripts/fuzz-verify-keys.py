#!/usr/bin/env python3
"""Differential fuzzer for the integer reasoning of `sto-verify-keys`.

Generates random small functions with 1-3 counted loops (scf.for over
index/i64/i32/i16/i8, scf.forall, scf.parallel, affine.for; constant bounds,
negative lower bounds, steps > 1) and one or two `sto.fold_in %k, %datum`
whose datum mixes the induction variables with addi/subi/muli/shli, divisions
and remainders by constants (signed, unsigned, floor, ceil), right shifts,
masks, affine.apply floordiv/ceildiv/mod and narrow wrapping arithmetic
(trunci/extsi/extui/index_cast/index_castui). The ground truth comes from
running every iteration in Python with MLIR's semantics (programs whose run
is undefined are skipped). An error from the pass must be a real collision
(and the iterations and value it names must be right); a collision the pass
does not report is counted as a miss. Crashes and hangs are reported too.

This is a tool, not a CI test. Run it from the repository root after a build:

    python3 scripts/fuzz-verify-keys.py --sto-opt build/bin/sto-opt \\
        --count 2000 --seed 1 [--batch 100] [--out /tmp/fuzz-keys]

--symbols lets some data use an index argument %n (an error must then be a
collision for every value of %n tried); --symbolic-bounds makes some upper
bounds %n and only checks for crashes and hangs.

Problems (false positives, wrong messages, crashes, hangs) are written to
--out as standalone .mlir files; a sample of misses goes to --out/misses.
The exit status is 1 if a false positive, wrong message, crash or hang was
found.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter

WIDTH = {"index": 64, "i64": 64, "i32": 32, "i16": 16, "i8": 8}
MASK64 = (1 << 64) - 1


# What the runs met that the check does not model (to group misses).
FLAGS = set()


class UB(Exception):
    """The program's run would be undefined (skip it)."""


def wrap(v, w):
    v &= (1 << w) - 1
    return v - (1 << w) if v >> (w - 1) else v


def uns(v, w):
    return v & ((1 << w) - 1)


def tdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def fdiv(a, b):
    return a // b


def cdiv(a, b):
    return -((-a) // b)


# ----------------------------------------------------------------------------
# Expressions: trees of nodes; each node has a type and evaluates to the
# canonical signed value of that type.
# ----------------------------------------------------------------------------


class Node:
    counter = 0

    def __init__(self, kind, ty, args=(), attr=None):
        Node.counter += 1
        self.id = Node.counter
        self.kind = kind  # const, iv, bin, cast, affine
        self.ty = ty
        self.args = list(args)
        self.attr = attr

    def eval(self, env):
        w = WIDTH[self.ty]
        k = self.kind
        if k == "const":
            return wrap(self.attr, w)
        if k == "iv":
            return env[self.attr]
        if k == "cast":
            x = self.args[0].eval(env)
            fw = WIDTH[self.args[0].ty]
            op = self.attr
            if op in ("trunci",):
                return wrap(x, w)
            if op == "extsi":
                return x
            if op == "extui":
                return wrap(uns(x, fw), w)
            if op == "index_cast":
                return wrap(x, w)  # sext or trunc
            if op == "index_castui":
                return wrap(uns(x, fw), w) if fw < w else wrap(x, w)
            raise AssertionError(op)
        if k == "affine":
            expr, = [self.attr]
            vals = [a.eval(env) for a in self.args]
            return wrap(eval_affine(expr, vals), 64)
        if k == "bin":
            op = self.attr
            a = self.args[0].eval(env)
            b = self.args[1].eval(env)
            mn = -(1 << (w - 1))
            if op == "addi":
                return wrap(a + b, w)
            if op == "subi":
                return wrap(a - b, w)
            if op == "muli":
                return wrap(a * b, w)
            if op in ("divsi", "remsi") and a < 0:
                FLAGS.add("divsi/remsi of a negative value")
            if op in ("divui", "remui", "shrui") and a < 0:
                FLAGS.add("unsigned op on a negative value")
            if op in ("divsi", "floordivsi", "ceildivsi", "remsi"):
                if b == 0 or (a == mn and b == -1):
                    raise UB()
                if op == "divsi":
                    return wrap(tdiv(a, b), w)
                if op == "floordivsi":
                    return wrap(fdiv(a, b), w)
                if op == "ceildivsi":
                    return wrap(cdiv(a, b), w)
                return wrap(a - b * tdiv(a, b), w)
            if op in ("divui", "remui"):
                ua, ub = uns(a, w), uns(b, w)
                if ub == 0:
                    raise UB()
                return wrap(ua // ub if op == "divui" else ua % ub, w)
            if op in ("shli", "shrsi", "shrui"):
                s = uns(b, w)
                if s >= w:
                    raise UB()
                if op == "shli":
                    return wrap(a << s, w)
                if op == "shrsi":
                    return wrap(a >> s, w)
                return wrap(uns(a, w) >> s, w)
            if op == "andi":
                return wrap(uns(a, w) & uns(b, w), w)
            if op == "ori":
                return wrap(uns(a, w) | uns(b, w), w)
            raise AssertionError(op)
        raise AssertionError(k)


def eval_affine(e, vals):
    t = e[0]
    if t == "d":
        return vals[e[1]]
    if t == "c":
        return e[1]
    a = eval_affine(e[1], vals)
    if t == "+":
        return a + eval_affine(e[2], vals)
    if t == "*":
        return a * e[2]
    c = e[2]
    if t == "floordiv":
        return fdiv(a, c)
    if t == "ceildiv":
        return cdiv(a, c)
    if t == "mod":
        return a - c * fdiv(a, c)
    raise AssertionError(t)


def affine_str(e):
    t = e[0]
    if t == "d":
        return "d%d" % e[1]
    if t == "c":
        return str(e[1])
    if t == "+":
        return "(%s + %s)" % (affine_str(e[1]), affine_str(e[2]))
    if t == "*":
        return "(%s * %d)" % (affine_str(e[1]), e[2])
    return "(%s %s %d)" % (affine_str(e[1]), t, e[2])


# ----------------------------------------------------------------------------
# Programs
# ----------------------------------------------------------------------------


class Loop:
    """kind: for, forall, parallel, affine. dims: list of (ivname, lb, ub,
    step); ty: the induction variables' type."""

    def __init__(self, kind, ty, dims):
        self.kind, self.ty, self.dims = kind, ty, dims

    def values(self, k, env):
        name, lb, ub, step = self.dims[k]
        if isinstance(lb, Node):
            lb = lb.eval(env)
        if isinstance(ub, Node):
            ub = ub.eval(env)
        if -(-(ub - lb) // step) > 200:
            raise UB()  # too many iterations to run (skipped)
        return list(range(lb, ub, step))


class Gen:
    def __init__(self, rng, allow_big, use_symbol=False):
        self.rng = rng
        self.allow_big = allow_big
        self.use_symbol = use_symbol
        self.symbolic_bounds = False

    def const_for(self, ty):
        r = self.rng
        w = WIDTH[ty]
        x = r.random()
        if x < 0.75:
            return r.randint(-9, 17)
        if x < 0.85:
            return r.choice([(1 << (w - 1)) - 1, -(1 << (w - 1)),
                             (1 << (w - 1)) - 2, 1 << (w - 2), 255, 256,
                             -256, 65535, 65536, 1 << 31, (1 << 32)])
        return r.randint(-300, 300)

    def cast(self, node, ty):
        """Converts node to type ty with a random cast op."""
        r = self.rng
        f = node.ty
        if f == ty:
            return node
        fw, tw = WIDTH[f], WIDTH[ty]
        if f == "index" or ty == "index":
            op = r.choice(["index_cast", "index_castui"])
            return Node("cast", ty, [node], op)
        if fw > tw:
            return Node("cast", ty, [node], "trunci")
        return Node("cast", ty, [node], r.choice(["extsi", "extui"]))

    def leaf(self, ty, ivs):
        r = self.rng
        if self.use_symbol and r.random() < 0.15:
            return self.cast(Node("iv", "index", attr="n"), ty)
        if ivs and r.random() < 0.8:
            name, ity = r.choice(ivs)
            node = Node("iv", ity, attr=name)
            return self.cast(node, ty)
        return Node("const", ty, attr=self.const_for(ty))

    def expr(self, ty, ivs, depth):
        r = self.rng
        w = WIDTH[ty]
        if depth <= 0 or r.random() < 0.2:
            return self.leaf(ty, ivs)
        x = r.random()
        if x < 0.22:
            return Node("bin", ty, [self.expr(ty, ivs, depth - 1),
                                    self.expr(ty, ivs, depth - 1)],
                        r.choice(["addi", "addi", "subi"]))
        if x < 0.30:
            c = r.choice([-3, -1, 2, 3, 4, 5, 7, 8, 16, 100, 0])
            a = self.expr(ty, ivs, depth - 1)
            args = [a, Node("const", ty, attr=c)]
            if r.random() < 0.2:
                args.reverse()
            if r.random() < 0.05:
                args = [a, self.expr(ty, ivs, depth - 1)]
            return Node("bin", ty, args, "muli")
        if x < 0.34:
            s = r.randint(0, min(w - 1, 5)) if r.random() < 0.9 else w - 1
            return Node("bin", ty, [self.expr(ty, ivs, depth - 1),
                                    Node("const", ty, attr=s)], "shli")
        if x < 0.60:
            op = r.choice(["divsi", "divui", "floordivsi", "ceildivsi",
                           "remsi", "remui"])
            c = r.choice([1, 2, 2, 3, 4, 4, 5, 7, 8, 16, 3, -2, -3, 256,
                          1 << 31 if w > 32 else 2, -1])
            return Node("bin", ty, [self.expr(ty, ivs, depth - 1),
                                    Node("const", ty, attr=c)], op)
        if x < 0.68:
            s = r.randint(0, min(w - 1, 6)) if r.random() < 0.9 else w - 1
            return Node("bin", ty, [self.expr(ty, ivs, depth - 1),
                                    Node("const", ty, attr=s)],
                        r.choice(["shrsi", "shrui"]))
        if x < 0.76:
            k = r.randint(1, min(w, 8)) if r.random() < 0.9 else w
            m = (1 << k) - 1
            if r.random() < 0.1:
                m = r.choice([0, 6, 12, -2])
            op = "andi" if r.random() < 0.95 else "ori"
            return Node("bin", ty, [self.expr(ty, ivs, depth - 1),
                                    Node("const", ty, attr=m)], op)
        if x < 0.90 or ty != "index":
            other = r.choice([t for t in WIDTH if t != ty])
            return self.cast(self.expr(other, ivs, depth - 1), ty)
        # affine.apply over one or two index operands.
        n = r.randint(1, 2)
        ops = [self.expr("index", ivs, depth - 2) for _ in range(n)]
        return Node("affine", "index", ops,
                    self.affine_expr(n, r.randint(1, 3)))

    def affine_expr(self, n, depth):
        r = self.rng
        if depth == 0 or r.random() < 0.25:
            if r.random() < 0.85:
                return ("d", r.randrange(n))
            return ("c", r.randint(-5, 9))
        x = r.random()
        if x < 0.3:
            return ("+", self.affine_expr(n, depth - 1),
                    self.affine_expr(n, depth - 1))
        if x < 0.45:
            return ("*", self.affine_expr(n, depth - 1),
                    r.choice([-1, 2, 3, 4]))
        return (r.choice(["floordiv", "ceildiv", "mod"]),
                self.affine_expr(n, depth - 1), r.choice([2, 3, 4, 5, 8]))

    def derive(self, node, ivs):
        """A second datum related to `node` (shares its subtrees)."""
        r = self.rng
        ty = node.ty
        x = r.random()
        if x < 0.3:
            c = r.choice([-2, -1, 0, 1, 2, 4, 8])
            return Node("bin", ty, [node, Node("const", ty, attr=c)],
                        r.choice(["addi", "subi"]))
        if x < 0.5:
            mid = r.choice(["i32", "i16", "i8", "i64", "index"])
            n = self.cast(node, mid)
            return self.cast(n, ty)
        if x < 0.65:
            return Node("bin", ty, [node, self.expr(ty, ivs, 2)], "addi")
        if x < 0.8:
            return node
        return self.expr(ty, ivs, 3)

    def loop(self, names, depth_left, outer=()):
        r = self.rng
        outer = list(outer)
        kind = r.choice(["for", "for", "for", "forall", "parallel", "affine"])
        ty = "index"
        if kind == "for":
            ty = r.choice(["index", "index", "i64", "i32", "i16", "i8"])
        nd = 1
        if kind in ("forall", "parallel") and depth_left >= 2 and \
                r.random() < 0.5:
            nd = 2
        dims = []
        for k in range(nd):
            step = r.choice([1, 1, 1, 2, 3, 4])
            trips = r.choice([0, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 8, 9, 12, 17])
            if r.random() < 0.7:
                lb = r.randint(-6, 6)
            else:
                lb = r.choice([-20, 30, 100, -100])
            if kind in ("forall", "parallel") and lb < 0 and \
                    r.random() < 0.5:
                lb = 0
            if self.allow_big and ty in ("index", "i64") and \
                    r.random() < 0.1:
                lb += r.choice([1 << 31, 1 << 32, (1 << 32) - 3,
                                (1 << 31) - 4, -(1 << 31)])
            ub = lb + trips * step - r.randint(0, step - 1)
            w = WIDTH[ty]
            if w < 64:
                lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
                if ty == "i8" and r.random() < 0.5:
                    lb = r.choice([110, -128, -120, 100])
                    ub = lb + trips * step
                if lb < lo or ub + step > hi:
                    lb = max(lo, min(lb, hi - 40))
                    ub = min(ub, hi - step)
            # A computed bound: from constants that may wrap, or from the
            # induction variables of the outer loops.
            if kind in ("for", "parallel") and r.random() < 0.2:
                x = r.random()
                if x < 0.3:
                    c = (1 << (w - 1)) - 1
                    ub = Node("bin", ty, [Node("const", ty, attr=c),
                                          Node("const", ty,
                                               attr=ub - lb + 1)], "addi")
                    lb = Node("bin", ty, [Node("const", ty, attr=c),
                                          Node("const", ty, attr=1)], "addi")
                elif outer:
                    e = self.expr(ty, outer, r.randint(0, 2))
                    ub = Node("bin", ty, [e, Node("const", ty, attr=ub)],
                              "addi")
            if self.symbolic_bounds and ty == "index" and \
                    kind in ("for", "parallel") and r.random() < 0.4:
                ub = Node("iv", "index", attr="n")
                self.use_symbol = True
            dims.append((names.pop(0), lb, ub, step))
        return Loop(kind, ty, dims)


def n_iters(dims):
    total = 1
    for (_, lb, ub, step) in dims:
        if isinstance(lb, Node) or isinstance(ub, Node):
            continue  # at most 200 (checked when run)
        total *= max(0, -(-(ub - lb) // step))
    return total


class Program:
    """A nest (list of loops) with fold_ins: each fold_in sits after
    `level` loops of nest `nest` (level == 0: outside the loops)."""

    def __init__(self):
        self.nests = []  # list of list of Loop
        self.folds = []  # (nest index or None, level, datum node, dty)
        self.order = []  # emission order: ("fold", i) / ("nest", n)


def make_program(rng, allow_big=True, symbols=False, symbolic_bounds=False):
    g = Gen(rng, allow_big, symbols and rng.random() < 0.5)
    g.symbolic_bounds = symbolic_bounds
    p = Program()
    names = ["i%d" % k for k in range(12)]
    shape = rng.choice(["one", "two_same", "two_nests", "outside",
                        "two_levels", "one", "two_same"])

    def nest(maxdims):
        loops = []
        d = 0
        nloops = rng.randint(1, 3)
        for _ in range(nloops):
            if d >= maxdims:
                break
            lp = g.loop(names, maxdims - d, ivs_of(loops))
            loops.append(lp)
            d += len(lp.dims)
        while n_iters([dm for lp in loops for dm in lp.dims]) > 600:
            loops.pop()
        return loops

    def ivs_of(loops):
        return [(dm[0], lp.ty) for lp in loops for dm in lp.dims]

    def datum(ivs):
        dty = rng.choice(["index", "i64"])
        return g.expr(dty, ivs, rng.randint(1, 4)), dty

    if shape in ("one", "two_same"):
        loops = nest(3)
        p.nests.append(loops)
        d, t = datum(ivs_of(loops))
        p.folds.append((0, len(loops), d, t))
        if shape == "two_same":
            d2 = g.derive(d, ivs_of(loops))
            p.folds.append((0, len(loops), d2, d2.ty))
        p.order = [("nest", 0)]
    elif shape == "two_nests":
        a, b = nest(2), nest(2)
        p.nests += [a, b]
        d, t = datum(ivs_of(a))
        p.folds.append((0, len(a), d, t))
        d2, t2 = datum(ivs_of(b))
        p.folds.append((1, len(b), d2, t2))
        p.order = [("nest", 0), ("nest", 1)]
    elif shape == "outside":
        loops = nest(3)
        p.nests.append(loops)
        d, t = datum(ivs_of(loops))
        c, ct = datum([])
        if rng.random() < 0.5:
            p.folds.append((None, 0, c, ct))
            p.folds.append((0, len(loops), d, t))
            p.order = [("fold", 0), ("nest", 0)]
        else:
            p.folds.append((0, len(loops), d, t))
            p.folds.append((None, 0, c, ct))
            p.order = [("nest", 0), ("fold", 1)]
    else:  # two_levels: one fold_in in an outer body, one in the inner
        loops = nest(3)
        while len(loops) < 2:
            loops.append(g.loop(names, 1))
        if n_iters([dm for lp in loops for dm in lp.dims]) > 600:
            loops = loops[:1]
            loops.append(Loop("for", "index", [(names.pop(0), 0, 3, 1)]))
        p.nests.append(loops)
        lvl = rng.randint(1, len(loops) - 1)
        d, t = datum(ivs_of(loops[:lvl]))
        p.folds.append((0, lvl, d, t))
        d2, t2 = datum(ivs_of(loops))
        p.folds.append((0, len(loops), d2, t2))
        p.order = [("nest", 0)]
    p.symbol = g.use_symbol
    return p


# ----------------------------------------------------------------------------
# Ground truth
# ----------------------------------------------------------------------------


# Values of the index argument %n the truth is computed for: a datum that
# depends on %n must collide for each of them to make an error real (the
# check must not guess %n, as for `fold_in(k, %rank)`).
SYMBOL_VALUES = [0, 1, 3, -1, -6, 13, 100, (1 << 40) + 5, -(1 << 63)]


def run_program(p, n=0):
    """Returns, for each fold_in, a list of (iteration tuple, value mod
    2^64) in execution order. Raises UB."""
    recs = [[] for _ in p.folds]
    FLAGS.clear()

    def folds_at(nest, level):
        return [i for i, f in enumerate(p.folds)
                if f[0] == nest and f[1] == level]

    def run_nest(n, loops, level, env, iters):
        for fi in folds_at(n, level):
            env["n"] = n
            recs[fi].append((tuple(iters), p.folds[fi][2].eval(env) & MASK64))
        if level == len(loops):
            return
        lp = loops[level]
        ranges = [lp.values(k, env) for k in range(len(lp.dims))]

        def rec(k, env, iters):
            if k == len(ranges):
                run_nest(n, loops, level + 1, env, iters)
                return
            for t, v in enumerate(ranges[k]):
                env2 = dict(env)
                env2[lp.dims[k][0]] = v
                rec(k + 1, env2, iters + [t])
        rec(0, env, iters)

    for kind, idx in p.order:
        if kind == "fold":
            recs[idx].append(((), p.folds[idx][2].eval({"n": n}) & MASK64))
        else:
            run_nest(idx, p.nests[idx], 0, {"n": n}, [])
    p.flags = getattr(p, "flags", set()) | FLAGS
    return recs


def truth(recs):
    rep = []
    for r in recs:
        seen = {}
        found = None
        for it, v in r:
            if v in seen and seen[v] != it:
                found = (seen[v], it, v)
                break
            seen.setdefault(v, it)
        rep.append(found)
    pair = {}
    for a in range(len(recs)):
        for b in range(a + 1, len(recs)):
            va = {v for _, v in recs[a]}
            common = va & {v for _, v in recs[b]}
            pair[(a, b)] = common
    return rep, pair


# ----------------------------------------------------------------------------
# MLIR emission
# ----------------------------------------------------------------------------


class Emitter:
    def __init__(self):
        self.lines = []
        self.tmp = 0

    def fresh(self, prefix="v"):
        self.tmp += 1
        return "%%%s%d" % (prefix, self.tmp)

    def const(self, value, ty, ind):
        name = self.fresh("c")
        self.lines.append("%s%s = arith.constant %d : %s" %
                          (ind, name, value, ty))
        return name

    def node(self, n, ind, memo):
        if n.id in memo:
            return memo[n.id]
        if n.kind == "iv":
            memo[n.id] = "%" + n.attr
            return memo[n.id]
        if n.kind == "const":
            v = self.const(wrap(n.attr, WIDTH[n.ty]), n.ty, ind)
            memo[n.id] = v
            return v
        args = [self.node(a, ind, memo) for a in n.args]
        name = self.fresh()
        if n.kind == "bin":
            self.lines.append("%s%s = arith.%s %s, %s : %s" %
                              (ind, name, n.attr, args[0], args[1], n.ty))
        elif n.kind == "cast":
            self.lines.append("%s%s = arith.%s %s : %s to %s" %
                              (ind, name, n.attr, args[0], n.args[0].ty,
                               n.ty))
        elif n.kind == "affine":
            dims = ", ".join("d%d" % k for k in range(len(args)))
            self.lines.append(
                "%s%s = affine.apply affine_map<(%s) -> (%s)>(%s)" %
                (ind, name, dims, affine_str(n.attr), ", ".join(args)))
        memo[n.id] = name
        return name


def emit(p, fname):
    """Returns (text, fold_in line offsets (0-based within text))."""
    e = Emitter()
    e.lines.append("func.func @%s(%%k: !sto.key%s) {" %
                   (fname, ", %n: index" if p.symbol else ""))
    fold_lines = {}

    def emit_fold(fi, ind, memo):
        _, _, node, ty = p.folds[fi]
        d = e.node(node, ind, memo)
        fold_lines[fi] = len(e.lines)
        e.lines.append("%s%%f%d = sto.fold_in %%k, %s : %s" %
                       (ind, fi, d, ty))

    def emit_nest(n, loops, level, ind, memo):
        for fi, f in enumerate(p.folds):
            if f[0] == n and f[1] == level:
                emit_fold(fi, ind, memo)
        if level == len(loops):
            return
        lp = loops[level]
        memo = dict(memo)
        def val(v, ty):
            if isinstance(v, Node):
                return e.node(v, ind, memo)
            return e.const(v, ty, ind)
        if lp.kind == "for":
            _, lb, ub, st = lp.dims[0]
            cl, cu, cs = (val(v, lp.ty) for v in (lb, ub, st))
            suffix = "" if lp.ty == "index" else " : " + lp.ty
            e.lines.append("%sscf.for %%%s = %s to %s step %s%s {" %
                           (ind, lp.dims[0][0], cl, cu, cs, suffix))
            emit_nest(n, loops, level + 1, ind + "  ", memo)
            e.lines.append(ind + "}")
        elif lp.kind == "affine":
            _, lb, ub, st = lp.dims[0]
            e.lines.append("%saffine.for %%%s = %d to %d step %d {" %
                           (ind, lp.dims[0][0], lb, ub, st))
            emit_nest(n, loops, level + 1, ind + "  ", memo)
            e.lines.append(ind + "}")
        elif lp.kind == "forall":
            ivs = ", ".join("%" + d[0] for d in lp.dims)
            lbs = ", ".join(str(d[1]) for d in lp.dims)
            ubs = ", ".join(str(d[2]) for d in lp.dims)
            sts = ", ".join(str(d[3]) for d in lp.dims)
            e.lines.append("%sscf.forall (%s) = (%s) to (%s) step (%s) {" %
                           (ind, ivs, lbs, ubs, sts))
            emit_nest(n, loops, level + 1, ind + "  ", memo)
            e.lines.append(ind + "}")
        else:
            cl = [val(d[1], "index") for d in lp.dims]
            cu = [val(d[2], "index") for d in lp.dims]
            cs = [e.const(d[3], "index", ind) for d in lp.dims]
            ivs = ", ".join("%" + d[0] for d in lp.dims)
            e.lines.append("%sscf.parallel (%s) = (%s) to (%s) step (%s) {" %
                           (ind, ivs, ", ".join(cl), ", ".join(cu),
                            ", ".join(cs)))
            emit_nest(n, loops, level + 1, ind + "  ", memo)
            e.lines.append(ind + "  scf.reduce")
            e.lines.append(ind + "}")

    for kind, idx in p.order:
        if kind == "fold":
            emit_fold(idx, "  ", {})
        else:
            emit_nest(idx, p.nests[idx], 0, "  ", {})
    e.lines.append("  return")
    e.lines.append("}")
    return e.lines, fold_lines


# ----------------------------------------------------------------------------
# Checking the pass's output against the truth
# ----------------------------------------------------------------------------

DIAG = re.compile(r"^(.*?):(\d+):(\d+): (error|note): (.*)$")


def parse_iteration(s, dims):
    """`iteration 3`, `iteration (1, 0)`, `the last iteration`,
    `iteration last - 2`: a tuple of iteration numbers; `dims` is the list
    of trip counts."""
    s = s.strip()
    if s == "the last iteration":
        return (dims[0] - 1,)
    m = re.match(r"iteration \((.*)\)$", s)
    parts = m.group(1).split(", ") if m else [s[len("iteration "):]]
    out = []
    for part, n in zip(parts, dims):
        if part == "last":
            out.append(n - 1)
        elif part.startswith("last - "):
            out.append(n - 1 - int(part[len("last - "):]))
        else:
            out.append(int(part))
    return tuple(out)


def trip_counts(p, fi):
    n, level, _, _ = p.folds[fi]
    if n is None:
        return []
    out = []
    for lp in p.nests[n][:level]:
        for d in lp.dims:
            if isinstance(d[1], Node) or isinstance(d[2], Node):
                out.append(None)  # varies; "last" is not checked
                continue
            out.append(max(0, -(-(d[2] - d[1]) // d[3])))
    return out


def judge(p, runs, diags, line_of_fold):
    """Returns (verdict, detail): verdict in ok, miss, fp, badmsg, other,
    degenerate. `runs` holds the records of each value of %n: an error must
    be real in each, a miss is a collision in each."""
    verdicts = [judge1(p, recs, diags, line_of_fold) for recs in runs]
    for v in verdicts:
        if v[0] not in ("ok", "miss"):
            return v
    if all(v[0] == "miss" for v in verdicts):
        return "miss", None
    return "ok", None


def judge1(p, recs, diags, line_of_fold):
    rep, pair = truth(recs)
    any_col = any(rep) or any(pair.values())
    errors = [d for d in diags if d[1] == "error"]
    if not errors:
        return ("miss", None) if any_col else ("ok", None)
    fold_at = {v: k for k, v in line_of_fold.items()}
    line, _, msg = errors[0]
    notes = [d for d in diags if d[1] == "note"]
    fi = fold_at.get(line)
    if fi is None:
        return "other", "error not at a fold_in: " + msg
    vals = lambda k, it: {v for (i, v) in recs[k] if i == it}
    if "does not change" in msg:
        if rep[fi]:
            return "ok", None
        # The structural rule (a key folded with a loop-invariant datum in
        # a loop body) ignores trip counts: with a loop that runs at most
        # once it is no collision, but such loops are degenerate.
        if any(n is None or n <= 1 for n in trip_counts(p, fi)):
            return "degenerate", msg
        return "fp", msg
    m = re.search(r"is the same in (.*?) and (.*?) of its (.*?)"
                  r"(?: \(both (-?\d+)\))?, so they", msg)
    if m:
        if not rep[fi]:
            return "fp", msg
        dims = trip_counts(p, fi)
        it1 = parse_iteration(m.group(1), dims)
        it2 = parse_iteration(m.group(2), dims)
        v1, v2 = vals(fi, it1), vals(fi, it2)
        if it1 == it2 or not v1 or v1 != v2:
            return "badmsg", "%s: values %s %s" % (msg, v1, v2)
        if m.group(4) is not None and \
                int(m.group(4)) & MASK64 not in v1:
            return "badmsg", "%s: value %s" % (msg, v1)
        return "ok", None
    first = None
    for nl, _, nmsg in notes:
        if "first use" in nmsg:
            first = fold_at.get(nl)
    if first is None:
        return "other", "no first use note: " + msg
    key = (min(first, fi), max(first, fi))
    if "same value twice" in msg:
        if pair.get(key):
            return "ok", None
        # The same SSA datum twice is reported without looking at trip
        # counts (structural, like a loop-invariant datum).
        if not recs[first] or not recs[fi]:
            return "degenerate", msg
        return "fp", msg
    m = re.search(r"both fold in (-?\d+|the same value)(?: \((.*)\))?$", msg)
    if m:
        if not pair.get(key):
            return "fp", msg
        value = None if m.group(1) == "the same value" else \
            int(m.group(1)) & MASK64
        where = m.group(2) or ""
        it_this = it_first = None
        for part in re.split(r", (?=this use|the first)", where):
            mm = re.match(r"(this use|the first) in (.*) of its ", part)
            if not mm:
                continue
            k = fi if mm.group(1) == "this use" else first
            it = parse_iteration(mm.group(2), trip_counts(p, k))
            if mm.group(1) == "this use":
                it_this = it
            else:
                it_first = it
        vt = vals(fi, it_this if it_this is not None else ())
        vf = vals(first, it_first if it_first is not None else ())
        common = vt & vf
        if not common or (value is not None and value not in common):
            return "badmsg", "%s: values %s %s" % (msg, vt, vf)
        return "ok", None
    return "other", msg


def features(p):
    """A coarse description of a program for grouping misses."""
    f = set()

    def walk(n):
        if n.kind == "bin":
            f.add(n.attr)
            if n.attr == "muli" and n.args[0].kind != "const" and \
                    n.args[1].kind != "const":
                f.add("product of two variables")
            if n.attr == "andi" and n.args[1].kind == "const":
                m = uns(n.args[1].attr, WIDTH[n.ty])
                if m == 0 or (m + 1) & m:
                    f.add("andi with a mask not of low bits")
            if n.attr in ("divsi", "divui", "floordivsi", "ceildivsi",
                          "remsi", "remui") and n.args[1].kind == "const" \
                    and n.args[1].attr < 0:
                f.add("negdivisor")
        if n.kind == "cast":
            f.add(n.attr)
        if n.kind == "affine":
            f.add("affine.apply")
        if n.ty in ("i8", "i16", "i32"):
            f.add(n.ty)
        for a in n.args:
            walk(a)
    for fo in p.folds:
        walk(fo[2])
    for nest in p.nests:
        for lp in nest:
            f.add("loop:" + lp.kind)
    return f | getattr(p, "flags", set())


# Features the check does not model (documented limits), in the order a
# miss is attributed to them.
UNMODELLED = ["negdivisor", "ori", "product of two variables",
              "andi with a mask not of low bits",
              "divsi/remsi of a negative value",
              "unsigned op on a negative value"]


def run_batch(sto_opt, texts, timeout):
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as t:
        t.write("\n// -----\n".join(texts))
        path = t.name
    try:
        r = subprocess.run([sto_opt, "--sto-verify-keys", "-split-input-file",
                            path], capture_output=True, text=True,
                           timeout=timeout)
        return r.returncode, r.stderr, path
    except subprocess.TimeoutExpired:
        return "timeout", "", path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sto-opt", default="build/bin/sto-opt")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--out", default="/tmp/fuzz-verify-keys")
    ap.add_argument("--no-big", action="store_true",
                    help="no bounds near 2^31/2^32")
    ap.add_argument("--symbols", action="store_true",
                    help="some data use an index argument %%n")
    ap.add_argument("--symbolic-bounds", action="store_true",
                    help="some upper bounds are %%n (no ground truth: "
                    "checks for crashes and hangs only)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "misses"), exist_ok=True)
    rng = random.Random(args.seed)
    stats = Counter()
    miss_feats = Counter()
    explained = Counter()
    all_feats = Counter()
    bad = 0
    done = 0
    case_id = 0
    while done < args.count:
        cases = []
        while len(cases) < min(args.batch, args.count - done):
            p = make_program(rng, not args.no_big, args.symbols,
                             args.symbolic_bounds)
            try:
                recs = None if args.symbolic_bounds else \
                    [run_program(p, n) for n in
                     (SYMBOL_VALUES if p.symbol else [0])]
            except UB:
                stats["skipped (undefined)"] += 1
                continue
            case_id += 1
            lines, fl = emit(p, "case%d" % case_id)
            cases.append((case_id, p, recs, lines, fl))
        done += len(cases)
        texts = ["\n".join(c[3]) + "\n" for c in cases]
        rc, err, path = run_batch(args.sto_opt, texts, args.timeout)
        if rc == "timeout" or (rc not in (0, 1)):
            # Find the case that crashes or hangs.
            for c, text in zip(cases, texts):
                rc1, err1, path1 = run_batch(args.sto_opt, [text], 20)
                os.unlink(path1)
                if rc1 == "timeout" or rc1 not in (0, 1):
                    what = "hang" if rc1 == "timeout" else "crash"
                    stats[what] += 1
                    bad += 1
                    out = os.path.join(args.out, "%s-%d.mlir" % (what, c[0]))
                    with open(out, "w") as f:
                        f.write(text + "\n// " + err1.replace("\n", "\n// "))
                    print("%s: %s" % (what, out))
            os.unlink(path)
            continue
        os.unlink(path)
        # Split the diagnostics by chunk: line numbers are per chunk or
        # per file; map both ways.
        starts = []
        line = 1
        for text in texts:
            starts.append(line)
            line += text.count("\n") + 2  # the separator line
        per_case = [[] for _ in cases]
        for l in err.splitlines():
            m = DIAG.match(l)
            if not m:
                continue
            ln = int(m.group(2))
            k = max(i for i, s in enumerate(starts) if s <= ln)
            per_case[k].append((ln - starts[k], m.group(4), m.group(5)))
        for (cid, p, recs, lines, fl), diags, text in zip(cases, per_case,
                                                           texts):
            if recs is None:
                stats["run (crash/hang check only)"] += 1
                continue
            verdict, detail = judge(p, recs, diags, fl)
            stats[verdict] += 1
            fs = features(p)
            for x in fs:
                all_feats[x] += 1
            if verdict == "miss":
                for x in fs:
                    miss_feats[x] += 1
                cat = next((x for x in UNMODELLED if x in fs), "other")
                explained[cat] += 1
                if stats["miss"] <= 300:
                    name = "miss-%d-%s.mlir" % (cid, re.sub(r"\W+", "_", cat))
                    with open(os.path.join(args.out, "misses", name),
                              "w") as f:
                        f.write(text)
            if verdict in ("fp", "badmsg", "other"):
                bad += 1
                out = os.path.join(args.out, "%s-%d.mlir" % (verdict, cid))
                with open(out, "w") as f:
                    f.write(text + "// " + str(detail) + "\n")
                print("%s: %s: %s" % (verdict, out, detail))
            if args.verbose:
                print(cid, verdict, detail)
        print("%d programs: %s" % (done, dict(stats)), flush=True)
    print("misses by unmodelled feature (first that applies):")
    for x, n in explained.most_common():
        print("  %-40s %5d" % (x, n))
    print("features of misses (misses / programs with the feature):")
    for x, n in sorted(miss_feats.items(), key=lambda kv: -kv[1]):
        print("  %-14s %5d / %5d" % (x, n, all_feats[x]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
