"""Small, forgiving readers for the markdown the checks measure: structure, terms, numbers, lines.

Block structure (headings, tables, fenced code, list items, paragraphs) comes from markdown-it-py's
token stream (CommonMark plus GFM tables), so the checks read a document the way a markdown viewer
renders it: a "#" line inside a fence is code, a setext underline makes a heading, a table after a
paragraph is a table and an escaped pipe stays inside its cell. Hand-written line rules kept
drifting from that in corner cases. The measures on single lines (numbers with units, arrows,
question lines, formula lines, citations) stay regular expressions. YAML front matter is not
markdown; `split_front_matter` reads it, and the parser sees its lines as blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from mlsd.evals import lexicon as lx
from mlsd.evals.lexicon import UNITS, Lexicon

# Block rules only: headings and table cells are read as their raw inline source, so the inline
# pass (and the joining of its text tokens) would be wasted work.
_PARSER = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
_FENCE_LANGUAGE = re.compile(r"[\w+-]*")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n.*?\n---[ \t]*(?:\n|\Z)", re.S)
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,3}[.)])\s+(.*)$")
_WORD = re.compile(r"\w+(?:['’.\-/]\w+)*%?")
_NUMBER = re.compile(r"(?<![\w.])[$€£]?\d(?:[\d,]*\d)?(?:\.\d+)?")
_SUFFIX = re.compile(r"[A-Za-z%$/]+")
_TOKEN_STRIP = ".,;:()[]{}*_|`'\"!?"
_SEPARATOR = r"[\s\-–—]{0,3}"


@dataclass(frozen=True)
class Table:
    """A markdown table: header cells and body rows, cells stripped of outer whitespace.

    Rows have as many cells as the header: short rows are padded with "" and extra cells dropped,
    as GFM renders them.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def split_front_matter(markdown: str) -> tuple[str, str]:
    """Split YAML front matter (with its fences) from the rest of the document."""
    match = _FRONT_MATTER.match(markdown)
    if not match:
        return "", markdown
    return match.group(0), markdown[match.end() :]


@dataclass(frozen=True)
class _Outline:
    """The block structure of a text, positions being indices into `text.splitlines()`."""

    lines: tuple[str, ...]
    fenced: frozenset[int]
    languages: tuple[str, ...]
    headings: tuple[tuple[int, int, str], ...]
    tables: tuple[tuple[int, int, Table], ...]
    paragraphs: tuple[tuple[str, bool], ...]
    numbered: tuple[int, ...]


def _source(lines: list[str]) -> str:
    """The text markdown-it parses: `lines` joined by newlines, so that its line maps index them.

    Front matter is blanked out unless it holds a blank line: then the two "---" lines are more
    likely rules around a paragraph (a section that opens with a rule) and are parsed as such.
    """
    front, _ = split_front_matter("\n".join(lines))
    if front and "\n\n" not in front.strip():
        masked = len(front.rstrip("\n").split("\n"))
        lines = [""] * masked + lines[masked:]
    return "\n".join(lines)


@lru_cache(maxsize=256)
def _outline(text: str) -> _Outline:
    lines = text.splitlines()
    fenced: set[int] = set()
    languages, found_headings, found_tables, paragraphs, numbered = [], [], [], [], []
    lists: list[str] = []
    tokens = _PARSER.parse(_source(lines))
    for at, token in enumerate(tokens):
        kind, span = token.type, token.map
        if kind == "fence" and span:
            fenced.update(range(span[0], span[1]))
            languages.append(_FENCE_LANGUAGE.match(token.info.strip()).group(0).lower())
        elif kind == "heading_open" and span:
            text_of = tokens[at + 1].content.replace("\n", " ")
            found_headings.append((span[0], int(token.tag[1:]), text_of))
        elif kind == "paragraph_open":
            paragraphs.append((tokens[at + 1].content, at > 0 and tokens[at - 1].type == "list_item_open"))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(kind)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open" and span and token.level == 1 and lists[-1] == "ordered_list_open":
            numbered.append(span[0])
        elif kind == "table_open" and span:
            found_tables.append((span[0], span[1], _table_at(tokens, at)))
    return _Outline(
        tuple(lines),
        frozenset(fenced),
        tuple(languages),
        tuple(found_headings),
        tuple(found_tables),
        tuple(paragraphs),
        tuple(numbered),
    )


def _table_at(tokens: list[Token], start: int) -> Table:
    """The table whose `table_open` token is tokens[start]: its header row and body rows."""
    rows: list[tuple[str, ...]] = []
    row: list[str] = []
    for token in tokens[start + 1 :]:
        if token.type == "table_close":
            break
        if token.type == "tr_open":
            row = []
        elif token.type == "inline":
            row.append(token.content.strip())
        elif token.type == "tr_close":
            rows.append(tuple(row))
    return Table(rows[0], tuple(rows[1:]))


def _may_fence(text: str) -> bool:
    """Whether text could hold a fence at all (a fence needs ``` or ~~~); saves a parse per line."""
    return "```" in text or "~~~" in text


def prose_lines(text: str) -> list[str]:
    """Return the lines of text that lie outside fenced code blocks."""
    if not _may_fence(text):
        return text.splitlines()
    outline = _outline(text)
    return [line for index, line in enumerate(outline.lines) if index not in outline.fenced]


def fence_languages(text: str) -> list[str]:
    """Return the info string's language tag (lower-case, maybe empty) of each fenced block."""
    return list(_outline(text).languages) if _may_fence(text) else []


def headings(text: str) -> list[tuple[int, int, str]]:
    """(line index, level, text) of every ATX or setext heading (not those inside fenced blocks).

    The line index is the heading's first line in `text.splitlines()`; a setext heading's text
    lines are joined with spaces.
    """
    return list(_outline(text).headings)


def word_count(text: str) -> int:
    """Words outside fenced blocks; "two-tower", "10k" and "99.9%" count as one word each."""
    return sum(len(_WORD.findall(line)) for line in prose_lines(text))


def tables(text: str) -> list[Table]:
    """Every GFM pipe table (a header row, a |---| delimiter row with as many cells, body rows)."""
    return [table for _, _, table in _outline(text).tables] if "|" in text else []


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


def _unit_of(token: str, units: frozenset[str] = UNITS) -> str:
    token = token.lower().strip(_TOKEN_STRIP)
    if token in units:
        return token
    head = token.split("/")[0]
    return head if head in units else ""


@dataclass(frozen=True)
class Quantity:
    """A number in the prose, where it is (line, column) and the units that go with it."""

    line: int
    column: int
    text: str
    units: frozenset[str]


def quantities(text: str, units: frozenset[str] = UNITS) -> list[Quantity]:
    """Numbers outside fences with the units (from `units`) attached or in the next two words."""
    found = []
    for line_no, line in enumerate(prose_lines(text)):
        for match in _NUMBER.finditer(line):
            rest = line[match.end() : match.end() + 60]
            attached = {"$"} if match.group(0)[0] in "$€£" else set()
            suffix = _SUFFIX.match(rest)
            if suffix and _unit_of(suffix.group(0), units):
                attached.add(_unit_of(suffix.group(0), units))
                rest = rest[suffix.end() :]
            attached.update(u for u in (_unit_of(word, units) for word in rest.split()[:2]) if u)
            found.append(Quantity(line_no, match.start(), match.group(0), frozenset(attached)))
    return found


def labelled_numbers(text: str, labels: str) -> set[tuple[int, int]]:
    """(line, column) of numbers that closely follow a label such as "QPS" or "DAU"."""
    pattern = re.compile(rf"(?i)\b(?:{labels})\b[^\d\n]{{0,15}}?({_NUMBER.pattern})")
    return {
        (line_no, match.start(1))
        for line_no, line in enumerate(prose_lines(text))
        for match in pattern.finditer(line)
    }


def numbers(line: str) -> list[str]:
    """Return the numbers in one line of text."""
    return _NUMBER.findall(line)


_PAREN_CITE = re.compile(r"([\w&.-]+\s+)?\(([^()\n]{0,100}?)\b((?:19|20)\d{2})[a-z]?\)")
_ET_AL_CITE = re.compile(
    r"\b([A-Z][\w'’-]+)(?:\s+and\s+[A-Z][\w'’-]+)?\s+et\s+al\.?,?\s*\(?"
    r"((?:19|20)\d{2})"
)
_VENUE_CITE = re.compile(
    r"\b(KDD|RecSys|WWW|NeurIPS|NIPS|ICML|ICLR|SIGIR|WSDM|CIKM|AAAI|ACL|"
    r"EMNLP|NAACL|CVPR|ICCV|VLDB|SIGMOD|UAI|AISTATS|TheWebConf|arXiv|DLRS)"
    r"\s*'?((?:19|20)\d{2})\b"
)


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
    for kind, pattern, year_group in (
        ("et_al", _ET_AL_CITE, 2),
        ("paren", _PAREN_CITE, 3),
        ("venue", _VENUE_CITE, 2),
    ):
        for match in pattern.finditer(text):
            if match.start(year_group) in seen_positions:
                continue
            seen_positions.add(match.start(year_group))
            year = int(match.group(year_group))
            distinct.setdefault((_citation_key(kind, match), year), year)
    return sorted(distinct, key=lambda key: key[1])


_ARROW = re.compile(r"-{1,2}>|→|⟶|➔|➜|=>|⇒")
_NUMBERISH = re.compile(r"\d|\b(?:billions?|millions?|thousands?|hundreds?)\b", re.I)
_BOLD_LINE = re.compile(r"^\s{0,3}\*\*[^*].*\*\*:?\s*$")
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
    pseudo-headings, then the items of a top-level numbered list; otherwise the rule giving the
    most. Nothing inside a fenced block starts a point.
    """
    outline = _outline(text)
    lines = outline.lines
    candidates = [
        [index for index, level, _ in outline.headings if level == 3],
        [i for i, line in enumerate(lines) if i not in outline.fenced and _BOLD_LINE.match(line)],
        list(outline.numbered),
    ]
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


# A clock range such as "0–5", "**10-25**" or "0-5 min"; its length is the phase's minutes.
_CLOCK_RANGE = re.compile(r"^(\d{1,3})\s*(?:-|–|—|to)\s*(\d{1,3})\s*(?:min(?:ute)?s?\.?)?$", re.I)
_MINUTES_CELL = re.compile(r"^\d{1,3}\s*min(?:ute)?s?\.?$", re.I)
_NOT_A_NAME = re.compile(r"^(?:#|\d{1,3}[.)]?|\d{1,3}\s*(?:-|–|—|to)\s*\d{1,3}.*|§.*)?$", re.I)


def _plain(cell: str) -> str:
    return cell.strip().strip("*_` ").strip()


def _clock_minutes(cell: str) -> int | None:
    match = _CLOCK_RANGE.match(_plain(cell))
    if not match or int(match.group(2)) <= int(match.group(1)):
        return None
    return int(match.group(2)) - int(match.group(1))


def _phase_rows(table: Table) -> list[tuple[str, ...]]:
    return [row for row in table.rows if not any(re.search(r"\btotal\b", c, re.I) for c in row)]


def _time_column(table: Table) -> int | None:
    """The minutes column: a "min…" header, else a column whose cells are mostly clock ranges or "N min"."""
    minutes = next((i for i, cell in enumerate(table.header) if re.search(r"\bmin", cell, re.I)), None)
    if minutes is not None:
        return minutes
    rows = _phase_rows(table)
    for column in range(len(table.header)):
        ranges = sum(
            1
            for row in rows
            if column < len(row)
            and (_clock_minutes(row[column]) is not None or _MINUTES_CELL.match(_plain(row[column])))
        )
        if rows and ranges * 2 > len(rows):
            return column
    return None


def _row_minutes(cell: str) -> int | None:
    """A clock range counts its length ("0–5" is 5); otherwise the cell's first integer."""
    ranged = _clock_minutes(cell)
    if ranged is not None:
        return ranged
    number = re.search(r"\d+", cell)
    return int(number.group()) if number else None


def _time_plan(text: str) -> tuple[int, int, list[tuple[str, int]]] | None:
    """Where the time-plan table is (first line, end line) and its (phase, minutes) rows."""
    for start, end, table in _outline(text).tables if "|" in text else ():
        column = _time_column(table)
        if column is None:
            continue
        phases = []
        for row in _phase_rows(table):
            minutes = _row_minutes(row[column]) if column < len(row) else None
            names = [
                _plain(cell)
                for i, cell in enumerate(row)
                if i != column and not _NOT_A_NAME.match(_plain(cell))
            ]
            if minutes is not None:
                phases.append((names[0] if names else "", minutes))
        return start, end, phases
    return None


def minutes_table(text: str) -> list[tuple[str, int]]:
    """(phase, minutes) rows of the time-plan table, skipping "total" rows.

    The time plan is the first table with a "min…" column or, failing that, a column of clock
    ranges. Three forms are read: `| Clarify | 5 |` (minutes), `| 0–5 | 5 | Clarify |` (a clock
    and a minutes column: the minutes column wins) and `| 0-5 min | Clarify |` (a clock range
    only: its length). The phase is the first cell that is not a number, a range or a § list.
    """
    found = _time_plan(text)
    return found[2] if found else []


def without_time_plan(text: str) -> str:
    """The text without its time-plan table (code inserts it in §1; length checks skip it)."""
    found = _time_plan(text)
    if not found:
        return text
    lines = text.splitlines()
    return "\n".join(lines[: found[0]] + lines[found[1] :])


# ---------------------------------------------------------------- line measures


def ops_markers(text: str) -> list[str]:
    """List the deployment/ops markers (G5) found in text, each once."""
    found = [f"```{lang} fence" for lang in fence_languages(text) if lang in lx.OPS_FENCE_LANGUAGES]
    found += [m.group(0) for p in lx.OPS_PATTERNS for m in re.finditer(p, text)]
    return list(dict.fromkeys(found))


def placeholders(text: str) -> list[str]:
    """List the placeholders (G4) found in text, each once."""
    found = [m.group(0) for p in lx.PLACEHOLDER_PATTERNS for m in re.finditer(p, text)]
    return list(dict.fromkeys(found))


def envelope_line(line: str) -> bool:
    """Tell whether a line is a back-of-envelope step: = or ≈ and at least two numbers."""
    return bool(re.search(r"=|≈|~=", line)) and len(numbers(line)) >= 2


_LOSS = re.compile(
    r"\bL(?:_\w+|_\{[^}]*\})?(?:\([^)=]*\))?\s*=|\bloss\w*\s*=|ℒ|\\mathcal\{L\}|[-−]\s*(?:Σ|∑|"
    r"\\sum)|\blog\s*\(|\\log\b",
    re.I,
)


def loss_line(line: str) -> bool:
    """Tell whether a line writes a loss as a formula (L =, loss =, ℒ, -Σ, log(…))."""
    return bool(_LOSS.search(line))


def formula_line(line: str, metrics: tuple[str, ...] = lx.FORMULA_METRICS) -> bool:
    """Tell whether a line is a metric formula: LaTeX, or a metric name (from `metrics`) = an expression."""
    latex = re.search(r"\\(?:frac|sum|log|mathbb|text)\b", line)
    formula = re.search(r"=[^=\n]*(?:[/Σ∑×*·+^−]|\blog\b)", line)
    return bool(latex or (formula and has_term(line, metrics)))


_COMPARATOR = re.compile(
    r"(?:[<>≥≤]=?|\b(?:above|below|exceeds?|over|under|outside|more than|"
    r"less than|drops? (?:by|below)|rises? (?:by|above)|falls? below)\b)"
    r"\s*[~≈]?\s*[-+]?\$?\d",
    re.I,
)
_SIGNAL_SPELLINGS = tuple(s for spellings in lx.MONITORING_SIGNALS.values() for s in spellings)


def alert_line(line: str) -> bool:
    """Tell whether a line sets a numeric alert threshold on a monitoring signal."""
    return bool(_COMPARATOR.search(line)) and has_term(line, _SIGNAL_SPELLINGS + ("alert*",))


_TIMES = re.compile(r"×|✕|÷|\d\s*[*x]\s*\d|(?<=[\w)%])\s+[*x]\s+(?=[\w(~$])")


def capacity_line(line: str, units: frozenset[str] = UNITS) -> bool:
    """Tell whether a line is capacity arithmetic: a product with units (from `units`) and = or ≈."""
    units = [q for q in quantities(line, units) if q.units]
    return bool(_TIMES.search(line) and re.search(r"=|≈|~", line) and len(numbers(line)) >= 2 and units)


# ---------------------------------------------------------------- sentences

_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|vs|et al|approx|cf|incl|fig)\.", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)*_]*\s+(?=[\"'“‘(*_]*[A-Z0-9§])")


def prose_blocks(text: str) -> list[str]:
    """Paragraphs and list items of running prose: no fences, tables, headings or bold headings.

    A paragraph's wrapped lines are joined, and so are a list item's continuation lines. A line
    all in bold is a pseudo-heading: left out, it splits its paragraph; a list item's own first
    line is never one.
    """
    found: list[str] = []
    for paragraph, opens_item in _outline(text).paragraphs:
        current: list[str] = []
        for index, line in enumerate(paragraph.splitlines()):
            if _BOLD_LINE.match(line.strip()) and not (index == 0 and opens_item):
                found.append(" ".join(current))
                current = []
            else:
                current.append(line.strip())
        found.append(" ".join(current))
    return [block for block in found if _WORD.search(block)]


def sentences(block: str) -> list[str]:
    """Split one paragraph or list item into sentences (common abbreviations do not end one)."""
    protected = _ABBREVIATIONS.sub(lambda m: m.group(0)[:-1] + "\0", block.replace("**", ""))
    return [s.replace("\0", ".").strip() for s in _SENTENCE_END.split(protected) if s.strip()]


def sentence_words(sentence: str) -> int:
    """Words in one sentence, counted as word_count does."""
    return len(_WORD.findall(sentence))
