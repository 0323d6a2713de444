"""G10_arithmetic: recompute the back-of-envelope arithmetic a document states and flag wrong results.

A checked expression is written on one line as numbers joined by ×, x, *, ·, ÷, /, + or − and
followed by = or ≈ (or ~) and a stated result: ``100M payments/day ÷ 86,400 s ≈ 1.2k TPS``.
Numbers may carry k/M/B/T suffixes, %, $, byte units (KB…PB, KiB…) and time units (ms…weeks);
words after a number are its label. Chains are followed: ``a × b = c ≈ d`` checks c and d,
``a × b ≈ c × d ≈ e`` continues from c, and ``… ≈ 1.2k TPS; × 3 peak ≈ 3.5k TPS`` continues
from the stated 1.2k.

Precision over recall: a false alarm on a correct document costs more than a miss, so anything
ambiguous is ignored, never failed. That covers variables, parentheses inside the expression,
powers, ranges (10–20 ms), an expression that starts after another number in the same clause,
units with an unknown scale (MP, GFLOPs), and results that can be read several ways. A result
is wrong only when no reading matches: operator precedence or left to right, bytes decimal,
binary or as written, time units converted to seconds or as written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import product

from mlsd.evals import markdown as md

# "≈" promises one or two significant figures: 10% admits 100M ÷ 86,400 s ≈ 1.2k (3.7% off)
# and peak ≈ 3 × 290k ≈ 900k, while a slipped factor (×10, a lost day) is far outside it.
APPROX_TOLERANCE = 0.10
# "=" claims the digits written; rounding of the last stated digit is allowed on top of this.
EXACT_TOLERANCE = 0.02
# Rounding allowance: half a unit of the stated last digit ("≈ 1.2k" covers 1,150-1,250), at most
# this share of the stated value, since trailing zeros hide precision ("= 100 ms" is not ±50).
ROUNDING_CAP = {"approx": 0.25, "exact": 0.05}

_APPROX_RELATIONS = frozenset({"≈", "~", "~=", "≃", "≅"})
_QUALIFIERS = frozenset("about roughly around approximately approx nearly almost only just".split())
_SCALE_SUFFIX = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "bn": 1e9, "T": 1e12}
_SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9}
_PERCENT_WORDS = frozenset({"%", "percent", "pct"})
_SECONDS = {
    unit: factor
    for units, factor in (
        ("ns", 1e-9), ("us µs μs", 1e-6), ("ms msec millisecond", 1e-3), ("s sec secs second", 1.0),
        ("min mins minute", 60.0), ("h hr hrs hour", 3600.0), ("d day", 86400.0), ("wk week", 604800.0),
    )
    for unit in units.split()
}  # fmt: skip
_VAGUE_TIME = frozenset({"month", "months", "mo", "year", "years", "yr", "yrs"})  # no fixed length
_BYTES = {  # unit -> (decimal factor, binary factor)
    "byte": (1, 1), "bytes": (1, 1),
    **{p.lower() + "b": (1e3**n, 2 ** (10 * n)) for n, p in enumerate("KMGTP", start=1)},
    **{p.lower() + "ib": (2 ** (10 * n),) * 2 for n, p in enumerate("KMGTP", start=1)},
}  # fmt: skip
_BITS = {"kbps": 1e3, "mbps": 1e6, "gbps": 1e9, "tbps": 1e12, "kbit": 1e3, "mbit": 1e6, "gbit": 1e9}
_BIT_PREFIX = {"Kb": 1e3, "kb": 1e3, "Mb": 1e6, "Gb": 1e9, "Tb": 1e12}  # bits keep decimal prefixes
# Units with a scale prefix this module does not model: their result cannot be reconciled.
_UNKNOWN_SCALED = re.compile(
    r"^(?:[kKMGTP](?:P|px|pixels?|FLOPs?|FLOPS|flops?|Hz|W|Wh|params?|ops|OPS)"
    r"|mega\w+|giga\w+|tera\w+|peta\w+|kilo\w+)$"
)
_AMBIGUOUS_LETTERS = frozenset("kKmMbBtTgG")  # "5 M", "3 b": million or metres, billion or bits?
# Units relative to an unstated base ("1.5 bps of TPV", "3 pp"): the number cannot be recomputed.
_RELATIVE_UNITS = frozenset({"bps", "bp", "basis", "pp", "points"})

_NUM = re.compile(r"[$€£]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?")
_SUFFIX = re.compile(r"[A-Za-zµμ%]+")
_PER = re.compile(r"/[A-Za-z][\w-]*")
_WORD = re.compile(r"[^\W\d_][\w'’]*(?:[-/.][^\W_][\w'’]*)*")
_REL = re.compile(r"~=|≈|≃|≅|=(?![=>])|~")
_OP = re.compile(r"[×✕✖·⋅÷/+−*]| - ")
_SEP = re.compile(r"->|=>|[,;:|.!?→—–]")
_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹^"
_LIST_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|>\s*)*(?:(?:[-*+]|\d{1,3}[.)])\s+)?")
_STAR_OPERATOR = re.compile(r"(?<=[\w%)])\s+\*\s+(?=[\w$(~])|(?<=\d)\*(?=\d)")


@dataclass(frozen=True)
class ArithmeticFinding:
    """A stated result that no reading of its expression reproduces."""

    expression: str
    stated: float
    computed: float
    relative_error: float


@dataclass(frozen=True)
class _Tok:
    kind: str  # NUM, WORD, OP, REL, SEP, OPEN, CLOSE, BAD
    text: str
    start: int
    end: int


@dataclass
class _Operand:
    """A number as written, its scale and the units that change its value under a reading."""

    base: float  # number × k/M/B/T × %
    half_ulp: float  # half a unit of the last written digit, same scale as base
    bytes: tuple[float, float] | None = None  # (decimal, binary) factor
    seconds: float | None = None  # factor to seconds; nan when the unit has no fixed length
    percent: bool = False
    billions: bool = False  # written "4B": billions, or bytes in "× 4B = 51.2 GB"
    unit: str = ""  # what it counts, to tell a re-expression in another unit ("≈ $242M ≈ 1.5 bps")
    end: int = 0  # character offset after the operand and its label

    def value(self, byte_mode: str, in_seconds: bool, b_is_byte: bool = False) -> float | None:
        """The operand's value under one reading of its units (None: not readable that way)."""
        value = self.base / 1e9 if self.billions and b_is_byte else self.base
        if self.bytes and byte_mode != "none":
            value *= self.bytes[0 if byte_mode == "decimal" else 1]
        if in_seconds and self.seconds is not None:
            if math.isnan(self.seconds):
                return None
            value *= self.seconds
        return value

    def scale(self, byte_mode: str, in_seconds: bool, b_is_byte: bool = False) -> float:
        """The factor value() applies to base, for the rounding allowance."""
        return (self.value(byte_mode, in_seconds, b_is_byte) or 0.0) / self.base if self.base else 1.0


@dataclass
class _Segment:
    """Numbers joined by operators; a continuation segment starts with an operator."""

    operands: list[_Operand]
    ops: list[str] = field(default_factory=list)
    relation: str = ""  # the relation before this segment ("" for the first)


# ---------------------------------------------------------------- tokens


def _clean(line: str) -> str:
    """Strip list markers and emphasis; keep a lone * only where it reads as multiplication."""
    line = _LIST_PREFIX.sub("", line, count=1)
    line = line.replace("**", "").replace("__", "").replace("`", "")
    line = re.sub(r"[\u00a0\u2009\u202f]", " ", line)
    starred = _STAR_OPERATOR.sub(lambda m: m.group(0).replace("*", "\x00"), line)
    return starred.replace("*", "").replace("\x00", "*")


def _number_token(line: str, start: int) -> tuple[_Tok, ...]:
    """A number with its glued suffix and /per unit, or BAD when it cannot be read safely."""
    match = _NUM.match(line, start)
    end = match.end()
    suffix = _SUFFIX.match(line, end)
    if suffix and suffix.group(0) in ("x", "X") and re.match(r"\s*\d", line[suffix.end() :]):
        return (_Tok("NUM", line[start:end], start, end), _Tok("OP", "×", suffix.start(), suffix.end()))
    end = suffix.end() if suffix else end
    per = _PER.match(line, end)
    end = per.end() if per else end
    tail = line[end : end + 2]
    if (
        (tail[:1] and tail[0] in _SUPERSCRIPT)
        or re.match(r"[-–—.,]\d|\d", tail)
        or (start > 0 and line[start - 1] in ".@#^")
    ):
        return (_Tok("BAD", line[start:end], start, end),)
    return (_Tok("NUM", line[start:end], start, end),)


def _tokens(line: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(line):
        char = line[pos]
        if char.isspace() and not line.startswith(" - ", pos):
            pos += 1
            continue
        if _NUM.match(line, pos) and (char.isdigit() or line[pos + 1 : pos + 2].isdigit()):
            new = _number_token(line, pos)
        elif word := _WORD.match(line, pos):
            text = word.group(0)
            follows_number = re.match(r"\s*[$€£]?\d", line[word.end() :])
            kind = "OP" if text in ("x", "X") and follows_number else "WORD"
            new = (_Tok(kind, text, pos, word.end()),)
        elif rel := _REL.match(line, pos):
            new = (_Tok("REL", rel.group(0), pos, rel.end()),)
        elif op := _OP.match(line, pos):
            new = (_Tok("OP", op.group(0).strip(), pos, op.end()),)
        elif sep := _SEP.match(line, pos):
            new = (_Tok("SEP", sep.group(0), pos, sep.end()),)
        elif char in "([":
            new = (_Tok("OPEN", char, pos, pos + 1),)
        elif char in ")]":
            new = (_Tok("CLOSE", char, pos, pos + 1),)
        else:
            new = (_Tok("BAD", char, pos, pos + 1),)
        toks.extend(new)
        pos = new[-1].end
    return toks


# ---------------------------------------------------------------- operands


def _digits_half_ulp(number: str) -> float:
    digits = number.lstrip("$€£").replace(",", "")
    if "." in digits:
        return 0.5 * 10 ** -len(digits.split(".")[1])
    stripped = digits.rstrip("0")
    return 0.5 * 10 ** (len(digits) - len(stripped)) if stripped else 0.5


def _apply_unit(operand: _Operand, unit: str) -> bool:
    """Attach a unit word; False when the unit makes the number unreadable."""
    head = unit.split("/")[0]
    last = head.split("-")[-1]
    low = last.lower()
    if _UNKNOWN_SCALED.match(head) or _UNKNOWN_SCALED.match(last) or low in _RELATIVE_UNITS:
        return False
    operand.unit = operand.unit or head.lower().rstrip("s")
    if head in _BIT_PREFIX:
        operand.bytes = (_BIT_PREFIX[head],) * 2
    elif low in _BYTES and (low not in ("kb", "mb") or last[-1] == "B" or low.endswith("ib")):
        operand.bytes = _BYTES[low]
    elif low in _BITS:
        operand.bytes = (_BITS[low],) * 2
    elif low in _SECONDS or (low.endswith("s") and low[:-1] in _SECONDS and len(low) > 2):
        operand.seconds = _SECONDS.get(low, _SECONDS.get(low[:-1]))
    elif low in _VAGUE_TIME:
        operand.seconds = math.nan
    return True


def _glued(operand: _Operand, suffix: str) -> bool:
    """Read a suffix written against the number: 1.2k, 40ms, 2GB, 0.5%, 3x."""
    if not suffix:
        return True
    if suffix in _SCALE_SUFFIX:
        operand.base *= _SCALE_SUFFIX[suffix]
        operand.half_ulp *= _SCALE_SUFFIX[suffix]
        operand.billions = suffix == "B"
        return True
    if suffix == "%":
        operand.base, operand.half_ulp, operand.percent = operand.base / 100, operand.half_ulp / 100, True
        return True
    if suffix in ("x", "X"):
        return True
    known = (
        suffix.lower() in _BYTES
        or suffix in _BIT_PREFIX
        or suffix.lower() in _BITS
        or suffix in _SECONDS
        or suffix in _VAGUE_TIME
    )
    return known and _apply_unit(operand, suffix)


def _operand(toks: list[_Tok], k: int) -> tuple[_Operand | None, int]:
    """Parse the number at toks[k] and its label words; (None, k) when it cannot be read."""
    tok = toks[k]
    match = re.match(r"([$€£]?)([\d,]+(?:\.\d+)?)([A-Za-zµμ%]*)(/[\w-]+)?$", tok.text)
    number = match.group(2)
    operand = _Operand(
        float(number.replace(",", "")), _digits_half_ulp(number), end=tok.end, unit=match.group(1) and "$"
    )
    if not _glued(operand, match.group(3)):
        return None, k
    glued_unit = bool(match.group(3)) and match.group(3) not in _SCALE_SUFFIX
    j, words = k + 1, 0
    while j < len(toks) and words < 5:
        word = toks[j]
        if (
            word.kind == "OPEN"
            and j + 2 < len(toks)
            and toks[j + 1].kind == "WORD"
            and toks[j + 2].kind == "CLOSE"
        ):  # "(fp16)", "(int8)"
            operand.end, j = toks[j + 2].end, j + 3
            continue
        if word.kind != "WORD":
            break
        text, low = word.text, word.text.lower()
        if words == 0 and len(text) == 1 and text in _AMBIGUOUS_LETTERS:
            return None, k
        if words == 0 and not glued_unit and low.rstrip("s") in _SCALE_WORDS:
            scale = _SCALE_WORDS[low.rstrip("s")]
            operand.base, operand.half_ulp = operand.base * scale, operand.half_ulp * scale
        elif words == 0 and low in _PERCENT_WORDS:
            operand.base, operand.half_ulp = operand.base / 100, operand.half_ulp / 100
            operand.percent = True
        elif words <= 1 and not glued_unit and operand.bytes is None and operand.seconds is None:
            if not _apply_unit(operand, text):
                return None, k
        elif _UNKNOWN_SCALED.match(text.split("/")[0]):
            return None, k
        operand.end, j, words = word.end, j + 1, words + 1
    return operand, j


# ---------------------------------------------------------------- chains


def _can_start(toks: list[_Tok], k: int) -> bool:
    """An expression opens its clause: only words lie between it and a separator, relation or "("."""
    j = k - 1
    while j >= 0 and toks[j].kind == "WORD":
        j -= 1
    return j < 0 or toks[j].kind in ("SEP", "REL", "OPEN")


def _segment(toks: list[_Tok], k: int, leading_op: bool = False) -> tuple[_Segment | None, int]:
    """Numbers joined by operators from toks[k]; None when an operator is not followed by one."""
    operands, ops = [], []
    j = k
    if not leading_op:
        first, j = _operand(toks, k)
        if first is None:
            return None, k
        operands.append(first)
    while j < len(toks) and toks[j].kind == "OP":
        op = toks[j].text
        j += 1
        if j < len(toks) and toks[j].text == "~":
            j += 1  # "× ~3"
        if j >= len(toks) or toks[j].kind != "NUM":
            return None, k
        nxt, j = _operand(toks, j)
        if nxt is None:
            return None, k
        ops.append(op)
        operands.append(nxt)
    return _Segment(operands, ops), j


def _stated(toks: list[_Tok], j: int) -> tuple[_Operand | None, int]:
    """The number after a relation, past qualifiers ("~", "about") and a sign written against it."""
    while j < len(toks) and (toks[j].text == "~" or toks[j].text.lower().rstrip(".") in _QUALIFIERS):
        j += 1
    sign = 1.0
    if (
        j + 1 < len(toks)
        and toks[j].kind == "OP"
        and toks[j].text in "−-"
        and toks[j].end == toks[j + 1].start
    ):
        sign, j = -1.0, j + 1
    if j >= len(toks) or toks[j].kind != "NUM":
        return None, j
    operand, end = _operand(toks, j)
    if operand is not None:
        operand.base *= sign
        operand.unit = _family(operand)
    return operand, end


def _family(operand: _Operand) -> str:
    if operand.bytes:
        return "bytes"
    if operand.seconds is not None:
        return "time"
    return "%" if operand.percent else operand.unit


def _chain(toks: list[_Tok], k: int) -> tuple[list[_Segment], int]:
    """The segments of the expression starting at toks[k]; [] when it is not a checkable one."""
    first, j = _segment(toks, k)
    if first is None or not first.ops or j >= len(toks) or toks[j].kind != "REL":
        return [], k + 1
    segments = [first]
    while j < len(toks):
        tok = toks[j]
        if tok.kind == "REL":
            operand, j = _stated(toks, j + 1)
            if operand is None:  # "≈ $242M ≈ 1.5 bps of TPV": keep what came before
                return (segments, j) if len(segments) > 1 else ([], j + 1)
            rest, j = _segment(toks, j, leading_op=True)
            if rest is None:  # "= 6 × p": the stated number means something else
                return [], j + 1
            segments.append(_Segment([operand, *rest.operands], rest.ops, tok.text))
        elif (
            tok.kind == "SEP"
            and tok.text in ",;→"
            and j + 2 < len(toks)
            and toks[j + 1].kind == "OP"
            and toks[j + 2].kind == "NUM"
        ):
            rest, j = _segment(toks, j + 1, leading_op=True)  # "…; × 3 peak ≈ 3.5k"
            if rest is None or j >= len(toks) or toks[j].kind != "REL":
                return [], j + 1
            segments.append(_Segment(rest.operands, rest.ops, ";"))
        else:
            break
    return segments, j


# ---------------------------------------------------------------- evaluation

_READINGS = ("precedence", "left_to_right", "divide_rest")
# (bytes: KB = 1e3, KB = 1024 or "2 GB" = 2; time units: as written or in seconds; "4B": 4e9 or 4 bytes)
_MODES = tuple(product(("decimal", "binary", "none"), (False, True), (False, True)))


def _evaluate(values: list[float], ops: list[str], reading: str) -> float | None:
    """One reading of an expression: usual precedence, strictly left to right, or a / (b × c)."""
    ops = ["/" if op == "÷" else "−" if op in "−-" else op if op in "+/" else "×" for op in ops]
    try:
        if reading == "left_to_right":
            total = values[0]
            for op, value in zip(ops, values[1:], strict=True):
                total = {"×": total * value, "/": total / value, "+": total + value, "−": total - value}[op]
            return total
        terms, signs, current = [], [1.0], [(values[0], "×")]
        for op, value in zip(ops, values[1:], strict=True):
            if op in "+−":
                terms.append(current)
                signs.append(1.0 if op == "+" else -1.0)
                current = [(value, "×")]
            else:
                current.append((value, op))
        terms.append(current)
        return sum(sign * _term(term, reading) for sign, term in zip(signs, terms, strict=True))
    except ZeroDivisionError:
        return None


def _term(factors: list[tuple[float, str]], reading: str) -> float:
    total, dividing = 1.0, False
    for value, op in factors:
        dividing = dividing or op == "/"
        total = total / value if op == "/" or (dividing and reading == "divide_rest") else total * value
    return total


def _results(values: list[float], ops: list[str]) -> set[float]:
    return {r for reading in _READINGS if (r := _evaluate(values, ops, reading)) is not None}


def _close(stated: float, computed: float, tolerance: float, half_ulp: float) -> bool:
    diff = abs(stated - computed)
    if diff <= half_ulp * (1 + 1e-9):
        return True
    return diff <= tolerance * abs(computed) * (1 + 1e-9) if computed else stated == 0


def _distance(stated: float, computed: float) -> float:
    """How far apart on a log scale, to pick the reading to report (×10 off is far, 5% is near)."""
    if stated == computed:
        return 0.0
    if stated * computed <= 0:
        return math.inf
    return abs(math.log(abs(stated) / abs(computed)))


def _report(misses: list[tuple[float, int, float, float]]) -> tuple[float, int, float, float]:
    """The reading to show: the plainest one (decimal bytes, units as written) among the closest."""
    nearest = min(miss[0] for miss in misses)
    return min((miss for miss in misses if miss[0] <= nearest + 0.25), key=lambda miss: miss[1])


def _mixes_percent(segment: _Segment) -> bool:
    """Tell a sum of a percentage and a count: "60M + 10%" means 60M × 1.1, so it is left alone."""
    if len(segment.ops) == len(segment.operands):  # "…; + 10% ≈ 66M" adds to the carried value
        return any(op in "+−-" for op in segment.ops) and any(o.percent for o in segment.operands)
    pairs = zip(segment.operands, segment.operands[1:], strict=False)
    return any(op in "+−-" and a.percent != b.percent for op, (a, b) in zip(segment.ops, pairs, strict=False))


@dataclass(frozen=True)
class _Verdict:
    checked: int
    finding: ArithmeticFinding | None


def _judge(segments: list[_Segment], line: str, start: int, approx: float, exact: float) -> _Verdict:
    """Check each stated result under every reading; report the first one that none reproduces."""
    if any(_mixes_percent(s) for s in segments):
        return _Verdict(0, None)
    units = [s.operands[0].unit for s in segments[1:] if s.relation != ";" and s.operands[0].unit]
    if len(set(units)) > 1:  # "≈ $242M/year ≈ 1.5 bps of TPV": a ratio to something unstated
        return _Verdict(0, None)
    carried: list[set[float] | None] = [set() for _ in _MODES]  # per mode: candidate values so far
    last: list[float | None] = [None] * len(_MODES)  # per mode: the last stated value
    checked = 0
    for index, segment in enumerate(segments):
        passed, misses = False, []  # (log distance, mode, stated, computed) per failed reading
        for m, mode in enumerate(_MODES):
            values = [o.value(*mode) for o in segment.operands]
            if carried[m] is None or any(v is None for v in values):
                carried[m] = None
                continue
            if index == 0 or segment.relation == ";":
                values = values if index == 0 else [last[m], *values]
                carried[m] = _results(values, segment.ops) or None  # None: divides by zero
                continue
            kind = "approx" if segment.relation in _APPROX_RELATIONS else "exact"
            tolerance = approx if kind == "approx" else exact
            head = values[0]
            half_ulp = min(
                segment.operands[0].half_ulp * abs(segment.operands[0].scale(*mode)),
                ROUNDING_CAP[kind] * abs(head),
            )
            matches = [c for c in carried[m] if _close(head, c, tolerance, half_ulp)]
            results = _results(values, segment.ops) if segment.ops else set()
            if matches or any(_close(r, c, tolerance, 0.0) for r in results for c in carried[m]):
                passed = True
            else:
                misses += [(_distance(head, c), m, head, c) for c in carried[m]]
            last[m] = head
            if results:
                carried[m] = results
        if all(c is None for c in carried):
            return _Verdict(checked, None)
        if index == 0 or segment.relation == ";":
            continue
        checked += 1
        if not passed:
            if segment.ops or not misses:  # "a × b = c × d" that fits no reading: ambiguous
                return _Verdict(checked, None)
            quote = line[start : segment.operands[0].end].strip()
            _, _, stated, computed = _report(misses)
            error = abs(stated - computed) / abs(computed) if computed else math.inf
            return _Verdict(checked, ArithmeticFinding(quote, stated, computed, round(error, 4)))
    return _Verdict(checked, None)


def _verdicts(text: str, tolerance: float | None) -> Iterator[_Verdict]:
    approx = APPROX_TOLERANCE if tolerance is None else tolerance
    exact = min(EXACT_TOLERANCE, approx)
    _, body = md.split_front_matter(text)
    for raw in md.prose_lines(body):
        line = _clean(raw)
        toks = _tokens(line)
        k = 0
        while k < len(toks):
            if toks[k].kind == "NUM" and _can_start(toks, k):
                segments, after = _chain(toks, k)
                if segments:
                    yield _judge(segments, line, toks[k].start, approx, exact)
                    k = max(after, k + 1)
                    continue
            k += 1


def find_arithmetic_errors(text: str, tolerance: float | None = None) -> list[ArithmeticFinding]:
    """Stated results that differ from their recomputed value beyond the tolerance.

    ``tolerance`` replaces APPROX_TOLERANCE for ≈ and ~; "=" uses the smaller of it and
    EXACT_TOLERANCE. Code fences and front matter are skipped.
    """
    found = []
    for v in _verdicts(text, tolerance):
        if not v.finding or _changes_period(v.finding.expression):
            continue
        pieces = _JOINED.split(v.finding.expression)
        if len(pieces) > 1:
            # Two statements joined by "and": judge each on its own, never one against the other.
            found += [f for piece in pieces for f in find_arithmetic_errors(piece, tolerance)]
        else:
            found.append(v.finding)
    return found


# "0.9 × $40 + $5 = $41 and C_FN = $135" is two statements, not a chain that should equal $135.
# (A "; × 3" continues from the previous result, so ";" never splits.)
_JOINED = re.compile(r"\s+(?:and|or|but|while|whereas|so|then)\s+(?=[^=≈~×÷]*[=≈~])", re.I)


_PERIOD = re.compile(
    r"(?:/|\bper\s+|\ba\s+)(s|sec|second|min|minute|h|hr|hour|day|week|month|quarter|year)s?\b", re.I
)
_PERIOD_NAMES = {"s": "second", "sec": "second", "min": "minute", "h": "hour", "hr": "hour"}


def _changes_period(expression: str) -> bool:
    """A result per month from operands per day (or the like) hides a conversion: not judged.

    Seen on a capable model's text: "200k attempts/day ÷ 5M merchants ≈ 1.2 frauds/merchant/month"
    is right (×30 days) but states no ×30, so recomputing it would be a false alarm.
    """
    for sep in ("≈", "=", "~"):
        left, found, right = expression.partition(sep)
        if found:
            break
    else:
        return False

    def periods(side: str) -> set[str]:
        return {_PERIOD_NAMES.get(m.lower(), m.lower()) for m in _PERIOD.findall(side)}

    before, after = periods(left), periods(right)
    return bool(before) and bool(after - before)


def count_checked(text: str) -> int:
    """How many stated results were recomputed (a chain a × b = c ≈ d counts two)."""
    return sum(v.checked for v in _verdicts(text, None))
