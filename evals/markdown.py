"""Small, forgiving readers for the markdown the checks measure: fences, tables, lists, terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mlsd.evals import lexicon as lx
from mlsd.evals.lexicon import UNITS, Lexicon

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n.*?\n---[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,3}[.)])\s+(.*)$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_WORD = re.compile(r"\w+(?:['’.\-/]\w+)*%?")
_NUMBER = re.compile(r"(?<![\w.])[$€£]?\d(?:[\d,]*\d)?(?:\.\d+)?")
_SUFFIX = re.compile(r"[A-Za-z%$/]+")
_TOKEN_STRIP = ".,;:()[]{}*_|`'\"!?"
_SEPARATOR = r"[\s\-–—]{0,3}"


@dataclass(frozen=True)
class Table:
    """A markdown table: header cells and body rows, cells stripped of outer whitespace."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ListItem:
    """One list item line: its indent, whether it is numbered, and its text."""

    indent: int
    numbered: bool
    text: str


def split_front_matter(markdown: str) -> tuple[str, str]:
    """Split YAML front matter (with its fences) from the rest of the document."""
    match = _FRONT_MATTER.match(markdown)
    if not match:
        return "", markdown
    return match.group(0), markdown[match.end() :]


def _fence_states(lines: list[str]) -> list[tuple[bool, str, bool]]:
    """Tell per line: inside a fence (fences included), the fence's info, opens a fence."""
    states, opener, info = [], "", ""
    for line in lines:
        match = _FENCE.match(line)
        if opener:
            states.append((True, info, False))
            if match and match.group(1)[0] == opener[0] and len(match.group(1)) >= len(opener):
                opener = ""
        elif match:
            opener, info = match.group(1), match.group(2).lower()
            states.append((True, info, True))
        else:
            states.append((False, "", False))
    return states


def prose_lines(text: str) -> list[str]:
    """Return the lines of text that lie outside fenced code blocks."""
    lines = text.splitlines()
    return [line for line, state in zip(lines, _fence_states(lines), strict=True) if not state[0]]


def fence_languages(text: str) -> list[str]:
    """Return the info string (language tag, lower-case, maybe empty) of each fence."""
    return [info for _, info, opens in _fence_states(text.splitlines()) if opens]


def headings(text: str) -> list[tuple[int, int, str]]:
    """(line index, level, text) of every ATX heading outside fenced blocks."""
    lines = text.splitlines()
    found = []
    for index, (line, state) in enumerate(zip(lines, _fence_states(lines), strict=True)):
        match = None if state[0] else _HEADING.match(line)
        if match:
            found.append((index, len(match.group(1)), match.group(2)))
    return found


def word_count(text: str) -> int:
    """Words outside fenced blocks; "two-tower", "10k" and "99.9%" count as one word each."""
    return sum(len(_WORD.findall(line)) for line in prose_lines(text))


def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return tuple(cell.strip() for cell in re.split(r"(?<!\\)\|", inner))


def tables(text: str) -> list[Table]:
    """Every pipe table (a header line followed by a |---| rule) outside fenced blocks."""
    lines, found, index = prose_lines(text), [], 0
    while index < len(lines) - 1:
        if "|" in lines[index] and _TABLE_RULE.match(lines[index + 1].strip()):
            body = index + 2
            while body < len(lines) and lines[body].strip().startswith("|"):
                body += 1
            rows = tuple(_cells(line) for line in lines[index + 2 : body])
            found.append(Table(_cells(lines[index]), rows))
            index = body
        else:
            index += 1
    return found


def list_items(text: str) -> list[ListItem]:
    """Every bullet or numbered list item outside fenced blocks."""
    items = []
    for line in prose_lines(text):
        match = _LIST_ITEM.match(line)
        if match:
            indent = len(match.group(1).expandtabs(4))
            items.append(ListItem(indent, match.group(2)[0].isdigit(), match.group(3)))
    return items


@lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern[str]:
    """Compile a case-insensitive pattern for a lexicon spelling (rules: evals/lexicon.py)."""
    prefix = term.endswith("*")
    core = term.rstrip("*")
    parts = [re.escape(part) for part in re.split(r"[\s\-–—]+", core) if part]
    body = _SEPARATOR.join(parts)
    start = r"(?<!\w)" if re.match(r"\w", core) else ""
    if prefix:
        end = r"\w*"
    elif core[-1].isalpha():
        end = r"(?:e?s)?(?!\w)"
    else:
        end = r"(?!\w)" if re.match(r"\w", core[-1]) else ""
    return re.compile(start + body + end, re.IGNORECASE)


def has_term(text: str, terms: tuple[str, ...] | frozenset[str]) -> bool:
    """Whether any of the spellings occurs in text."""
    return any(term_pattern(term).search(text) for term in terms)


def matched_terms(text: str, terms: tuple[str, ...]) -> list[str]:
    """Return the spellings (in lexicon order) that occur in text."""
    return [term for term in terms if term_pattern(term).search(text)]


def matched_concepts(text: str, lexicon: Lexicon) -> list[str]:
    """Return the concepts of a lexicon that occur in text under any of their spellings."""
    return [name for name, spellings in lexicon.items() if has_term(text, spellings)]


def _unit_of(token: str) -> str:
    token = token.lower().strip(_TOKEN_STRIP)
    if token in UNITS:
        return token
    head = token.split("/")[0]
    return head if head in UNITS else ""


@dataclass(frozen=True)
class Quantity:
    """A number in the prose, where it is (line, column) and the units that go with it."""

    line: int
    column: int
    text: str
    units: frozenset[str]


def quantities(text: str) -> list[Quantity]:
    """Numbers outside fences with the units attached or in the next two words."""
    found = []
    for line_no, line in enumerate(prose_lines(text)):
        for match in _NUMBER.finditer(line):
            rest = line[match.end() : match.end() + 60]
            units = {"$"} if match.group(0)[0] in "$€£" else set()
            suffix = _SUFFIX.match(rest)
            if suffix and _unit_of(suffix.group(0)):
                units.add(_unit_of(suffix.group(0)))
                rest = rest[suffix.end() :]
            units.update(u for u in map(_unit_of, rest.split()[:2]) if u)
            found.append(Quantity(line_no, match.start(), match.group(0), frozenset(units)))
    return found


def labelled_numbers(text: str, labels: str) -> set[tuple[int, int]]:
    """(line, column) of numbers that closely follow a label such as "QPS" or "DAU"."""
    pattern = re.compile(rf"(?i)\b(?:{labels})\b[^\d\n]{{0,15}}?({_NUMBER.pattern})")
    return {(line_no, match.start(1)) for line_no, line in enumerate(prose_lines(text))
            for match in pattern.finditer(line)}


def numbers(line: str) -> list[str]:
    """Return the numbers in one line of text."""
    return _NUMBER.findall(line)


_PAREN_CITE = re.compile(r"([\w&.-]+\s+)?\(([^()\n]{0,100}?)\b((?:19|20)\d{2})[a-z]?\)")
_ET_AL_CITE = re.compile(r"\b([A-Z][\w'’-]+)(?:\s+and\s+[A-Z][\w'’-]+)?\s+et\s+al\.?,?\s*\(?"
                         r"((?:19|20)\d{2})")
_VENUE_CITE = re.compile(r"\b(KDD|RecSys|WWW|NeurIPS|NIPS|ICML|ICLR|SIGIR|WSDM|CIKM|AAAI|ACL|"
                         r"EMNLP|NAACL|CVPR|ICCV|VLDB|SIGMOD|UAI|AISTATS|TheWebConf|arXiv|DLRS)"
                         r"\s*'?((?:19|20)\d{2})\b")


def _citation_key(kind: str, match: re.Match[str]) -> str:
    if kind == "et_al":
        return match.group(1).lower()
    if kind == "venue":
        return match.group(1).lower() + str(match.start())
    content = match.group(2).strip(" ,;")
    if "et al" in content:
        return content.split()[0].strip(",").lower()
    return ((match.group(1) or "") + content).strip().lower()


def citations(text: str) -> list[tuple[str, int]]:
    """Distinct dated citations: "(Author et al., 2019)", "Name et al. 2021", "(KDD 2020)".

    One year position counts once; the same author (et al.) and year count once wherever they
    appear; other citations are told apart by their text and the word before the parenthesis.
    """
    seen_positions, distinct = set(), {}
    for kind, pattern, year_group in (("et_al", _ET_AL_CITE, 2), ("paren", _PAREN_CITE, 3),
                                      ("venue", _VENUE_CITE, 2)):
        for match in pattern.finditer(text):
            if match.start(year_group) in seen_positions:
                continue
            seen_positions.add(match.start(year_group))
            year = int(match.group(year_group))
            distinct.setdefault((_citation_key(kind, match), year), year)
    return sorted(distinct, key=lambda key: key[1])


_ARROW = re.compile(r"-{1,2}>|→|⟶|➔|➜|=>|⇒")
_NUMBERISH = re.compile(r"\d|\b(?:billions?|millions?|thousands?|hundreds?)\b", re.I)
_H3 = re.compile(r"^###\s+\S")
_BOLD_LINE = re.compile(r"^\s{0,3}\*\*[^*].*\*\*:?\s*$")
_TOP_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+\S")
_QUESTION_START = re.compile(r"^(?:#{3,4}\s|\s{0,3}\d{1,2}[.)]\s|\s{0,3}\*\*|\s{0,3}Q\d{1,2}\b)")


def arrow_count(text: str) -> int:
    """Flow arrows (->, -->, →, =>, ⇒) anywhere in text, fenced diagrams included."""
    return len(_ARROW.findall(text))


def funnel_stages(text: str) -> int:
    """Count the most arrow-joined stages with a number on one line ("10B → 2k → 500": 3)."""
    best = 0
    for line in text.splitlines():
        segments = _ARROW.split(line)
        if len(segments) > 1:
            best = max(best, sum(1 for seg in segments if _NUMBERISH.search(seg)))
    return best


def question_lines(text: str) -> int:
    """Questions: list items or table rows holding a "?", and other prose lines ending in one."""
    count = 0
    for line in prose_lines(text):
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if _LIST_ITEM.match(line) or stripped.startswith("|"):
            count += "?" in stripped
        else:
            count += stripped.rstrip("*_) ").endswith("?")
    return count


def blocks(text: str) -> list[str]:
    """Split text into discussion points.

    The first rule giving at least two blocks wins: "###" headings, then whole-line bold
    pseudo-headings, then unindented numbered items; otherwise the rule giving the most.
    """
    lines = text.splitlines()
    candidates = [[i for i, line in enumerate(lines) if rule.match(line)]
                  for rule in (_H3, _BOLD_LINE, _TOP_NUMBERED)]
    starts = next((c for c in candidates if len(c) >= 2), max(candidates, key=len))
    if not starts:
        return []
    ends = starts[1:] + [len(lines)]
    return ["\n".join(lines[start:end]) for start, end in zip(starts, ends, strict=True)]


def question_segments(text: str) -> list[str]:
    """Each interview question with the lines up to the next question.

    A question is a "###"/"####" heading, a numbered item, a bold-led line or a "Q1" line that
    contains "?".
    """
    lines = prose_lines(text)
    starts = [i for i, line in enumerate(lines) if _QUESTION_START.match(line) and "?" in line]
    if not starts:
        return []
    ends = starts[1:] + [len(lines)]
    return ["\n".join(lines[start:end]) for start, end in zip(starts, ends, strict=True)]


def minutes_table(text: str) -> list[tuple[str, int]]:
    """(phase, minutes) rows of the first table with a "min…" column, skipping "total" rows.

    The first integer of the minutes cell is taken; the phase is the first other cell.
    """
    for table in tables(text):
        column = next((i for i, cell in enumerate(table.header)
                       if re.search(r"\bmin", cell, re.I)), None)
        if column is None:
            continue
        phases = []
        for row in table.rows:
            if column >= len(row) or any(re.search(r"\btotal\b", c, re.I) for c in row):
                continue
            minutes = re.search(r"\d+", row[column])
            name = next((cell for i, cell in enumerate(row) if i != column), "")
            if minutes:
                phases.append((name, int(minutes.group())))
        return phases
    return []


# ---------------------------------------------------------------- line measures


def ops_markers(text: str) -> list[str]:
    """List the deployment/ops markers (G5) found in text, each once."""
    found = [f"```{lang} fence" for lang in fence_languages(text)
             if lang in lx.OPS_FENCE_LANGUAGES]
    found += [m.group(0) for p in lx.OPS_PATTERNS for m in re.finditer(p, text)]
    return list(dict.fromkeys(found))


def placeholders(text: str) -> list[str]:
    """List the placeholders (G4) found in text, each once."""
    found = [m.group(0) for p in lx.PLACEHOLDER_PATTERNS for m in re.finditer(p, text)]
    return list(dict.fromkeys(found))


def envelope_line(line: str) -> bool:
    """Tell whether a line is a back-of-envelope step: = or ≈ and at least two numbers."""
    return bool(re.search(r"=|≈|~=", line)) and len(numbers(line)) >= 2


_LOSS = re.compile(r"\bL(?:_\w+|_\{[^}]*\})?\s*=|\bloss\w*\s*=|ℒ|\\mathcal\{L\}|[-−]\s*(?:Σ|∑|"
                   r"\\sum)|\blog\s*\(|\\log\b", re.I)


def loss_line(line: str) -> bool:
    """Tell whether a line writes a loss as a formula (L =, loss =, ℒ, -Σ, log(…))."""
    return bool(_LOSS.search(line))


_METRIC_SPELLINGS = tuple(s for lex in (lx.OFFLINE_METRICS, lx.ONLINE_METRICS)
                          for spellings in lex.values() for s in spellings) + ("idcg",)


def formula_line(line: str) -> bool:
    """Tell whether a line is a metric formula: LaTeX, or a metric name = an expression."""
    latex = re.search(r"\\(?:frac|sum|log|mathbb|text)\b", line)
    formula = re.search(r"=[^=\n]*(?:[/Σ∑×*·+^−]|\blog\b)", line)
    return bool(latex or (formula and has_term(line, _METRIC_SPELLINGS)))


_COMPARATOR = re.compile(r"(?:[<>≥≤]=?|\b(?:above|below|exceeds?|over|under|outside|more than|"
                         r"less than|drops? (?:by|below)|rises? (?:by|above)|falls? below)\b)"
                         r"\s*[~≈]?\s*[-+]?\$?\d", re.I)
_SIGNAL_SPELLINGS = tuple(s for spellings in lx.MONITORING_SIGNALS.values() for s in spellings)


def alert_line(line: str) -> bool:
    """Tell whether a line sets a numeric alert threshold on a monitoring signal."""
    return bool(_COMPARATOR.search(line)) and has_term(line, _SIGNAL_SPELLINGS + ("alert*",))


_TIMES = re.compile(r"×|✕|÷|\d\s*[*x]\s*\d|(?<=[\w)%])\s+[*x]\s+(?=[\w(~$])")


def capacity_line(line: str) -> bool:
    """Tell whether a line is capacity arithmetic: a product with units and = or ≈."""
    units = [q for q in quantities(line) if q.units]
    return bool(_TIMES.search(line) and re.search(r"=|≈|~", line) and len(numbers(line)) >= 2
                and units)
