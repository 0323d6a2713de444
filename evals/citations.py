"""G9_citation_accuracy: check who and when a document says a known method came from.

The reviewed table evals/references.yaml lists methods, the papers that may be cited for them
and their organisations. A claim is judged only when the method and the attribution are bound:

- parenthesised, right after the name: "LightGBM (Chen & Guestrin, 2016)", "Wide & Deep
  [Covington et al. 2016]", "ResNet (2017)", "DLRM (Meta, 2019)";
- in one clause of prose: "ResNet, introduced by Google in 2017", "Adam was proposed by Hinton
  in 2012", "the 2019 DLRM paper from Google".

A name only counts when nothing that could modify it stands before it ("Swin Transformer" is
not "Transformer", "the YouTube multitask ranker" is not YouTube DNN), and a year or author
elsewhere in the sentence is never attached to it. Citations of methods the table does not
know, or whose attribution cannot be judged, are returned as unverified, never as wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from mlsd.evals import markdown as md

# ---------------------------------------------------------------- the table


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paper(_Strict):
    """One paper that may be cited for a method."""

    authors: tuple[StrictStr, ...] = Field(description="Surnames in paper order; may be empty.")
    years: tuple[StrictInt, ...] = Field(min_length=1, description="Every correct citation year.")
    complete: StrictBool = Field(False, description="authors is the whole author list.")
    title: StrictStr | None = None
    venue: StrictStr | None = None

    @model_validator(mode="after")
    def _plausible(self) -> Paper:
        if any(not 1900 <= year <= 2100 for year in self.years):
            raise ValueError(f"implausible year in {self.years}")
        if self.complete and not self.authors:
            raise ValueError("a complete author list cannot be empty")
        return self


class Work(_Strict):
    """A method or paper and what a correct citation of it may say."""

    name: StrictStr
    aliases: tuple[StrictStr, ...] = ()
    orgs: tuple[StrictStr, ...] = ()
    open: StrictBool = Field(False, description="Other papers, or other methods of that name, are cited.")
    papers: tuple[Paper, ...] = Field(min_length=1)

    @property
    def spellings(self) -> tuple[str, ...]:
        """The name and every alias."""
        return (self.name, *self.aliases)


class References(_Strict):
    """The parsed references.yaml."""

    version: StrictInt
    organisations: dict[StrictStr, tuple[StrictStr, ...]]
    works: tuple[Work, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> References:
        unknown = {org for work in self.works for org in work.orgs} - set(self.organisations)
        if unknown:
            raise ValueError(f"unknown organisations: {sorted(unknown)}")
        seen: dict[str, str] = {}
        for work in self.works:
            for spelling in work.spellings:
                key = spelling if _case_sensitive(spelling) else spelling.casefold()
                if seen.setdefault(key, work.name) != work.name:
                    raise ValueError(f"alias {spelling!r} names both {seen[key]} and {work.name}")
        org_spellings = [s for spellings in self.organisations.values() for s in spellings]
        if len(org_spellings) != len(set(org_spellings)):
            raise ValueError("an organisation spelling is listed twice")
        return self


@cache
def load_references() -> References:
    """Parse and validate evals/references.yaml (packaged with mlsd.evals)."""
    text = resources.files("mlsd.evals").joinpath("references.yaml").read_text("utf-8")
    return References.model_validate(yaml.safe_load(text))


def _case_sensitive(alias: str) -> bool:
    """Acronyms and camel-case names (DIN, LIME, ResNet) only match as written."""
    return " " not in alias and sum(char.isupper() for char in alias) >= 2


def _surname(name: str) -> str:
    """Compare surnames without accents, case, particles or hyphens: "van der Maaten" → maaten."""
    plain = unicodedata.normalize("NFKD", name.replace("ß", "ss"))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return re.sub(r"[^a-z]", "", plain.split()[-1].lower()) if plain.split() else ""


def _alias_regex(alias: str) -> str:
    body = r"\s+".join(re.escape(part) for part in alias.split())
    return body if _case_sensitive(alias) else f"(?i:{body})"


@dataclass(frozen=True)
class _Index:
    """Lookups built once from the table."""

    refs: References
    names: re.Pattern[str]  # any spelling, whole words
    by_spelling: dict[str, Work]
    orgs: re.Pattern[str]
    org_key: dict[str, str]
    people: frozenset[str]  # every surname in the table: researchers it can recognise
    first_authors: frozenset[str]  # surnames that lead a paper in the table

    def work(self, spelling: str) -> Work:
        spelling = " ".join(spelling.split())
        return self.by_spelling.get(spelling) or self.by_spelling[spelling.casefold()]

    def org_name(self, key: str) -> str:
        return self.refs.organisations[key][0]


@cache
def _index() -> _Index:
    refs = load_references()
    by_spelling: dict[str, Work] = {}
    for work in refs.works:
        for spelling in work.spellings:
            by_spelling[spelling if _case_sensitive(spelling) else spelling.casefold()] = work
    spellings = sorted({s for w in refs.works for s in w.spellings}, key=len, reverse=True)
    names = re.compile(r"(?<![\w-])(?:" + "|".join(map(_alias_regex, spellings)) + r")(?![\w-]|\.\d)")
    org_spellings = sorted(
        ((s, k) for k, ss in refs.organisations.items() for s in ss), key=lambda p: -len(p[0])
    )
    orgs = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(s) for s, _ in org_spellings) + r")(?![\w-])")
    people = frozenset(_surname(a) for w in refs.works for p in w.papers for a in p.authors)
    firsts = frozenset(_surname(p.authors[0]) for w in refs.works for p in w.papers if p.authors)
    return _Index(refs, names, by_spelling, orgs, dict(org_spellings), people, firsts)


# ---------------------------------------------------------------- claims


@dataclass(frozen=True)
class CitationFinding:
    """A citation of a known method whose authors, year or organisation are wrong."""

    quote: str
    work: str
    problem: str
    expected: str


@dataclass(frozen=True)
class _Claim:
    first: str | None = None  # "Chen" in "Chen & Guestrin" or "Chen et al."
    second: str | None = None  # "Guestrin"
    single: bool = False  # "(Chen, 2016)": one name, a person or an organisation
    people: tuple[str, ...] = ()  # surnames named in prose ("proposed by Hinton")
    orgs: tuple[str, ...] = ()  # organisation keys
    year: int | None = None
    named: str | None = None  # a method named inside the parenthesis: "(FCOS, Tian et al., 2019)"


_VENUES = frozenset(
    """KDD RecSys WWW NeurIPS NIPS ICML ICLR SIGIR WSDM CIKM AAAI IJCAI ACL EMNLP NAACL CVPR ICCV ECCV
    VLDB SIGMOD UAI AISTATS TheWebConf arXiv DLRS ADKDD ICDM ICDE JMLR TPAMI TACL Interspeech ICASSP
    MICCAI OSDI SOSP MLSys COLING IJF TOIS""".split()
)
_MONTHS = frozenset(
    "january february march april may june july august september october november "
    "december jan feb mar apr jun jul aug sep sept oct nov dec spring summer fall "
    "autumn winter".split()
)
# A surname, maybe after a first name or particles: "Chen", "Kaiming He", "van der Maaten".
_NAME = r"(?:(?:van|von|der|den|de|da|di|du|dos)\s+)*[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*)?"
_ET_AL = re.compile(rf"^(?P<first>{_NAME})\s+et\s+al\.?$")
_PAIR = re.compile(rf"^(?P<first>{_NAME})\s*(?:&|and)\s*(?P<second>{_NAME})$")
_SINGLE = re.compile(rf"^(?P<first>{_NAME})$")
_PAREN_YEAR = re.compile(r"^(?P<attr>.*?)[,\s]*\b(?P<year>(?:19|20)\d\d)[a-z]?$")
_LEAD = re.compile(r"^(?:e\.g\.|i\.e\.|see|cf\.?)[,:]?\s+", re.I)


def _capitalised(name: str) -> bool:
    return name.split()[-1][:1].isupper()


def _paren_claim(content: str, index: _Index) -> _Claim | str | None:
    """Read "(Author et al., Venue Year)"; "multi" for several citations, None for other text."""
    content = _LEAD.sub("", " ".join(content.split()))
    if ";" in content:
        parts = [_paren_claim(part, index) for part in content.split(";")]
        return "multi" if all(isinstance(part, _Claim) for part in parts) else None
    match = _PAREN_YEAR.match(content)
    if not match:
        return None
    year = int(match.group("year"))
    pieces = [p.strip() for p in match.group("attr").split(",") if p.strip()]
    pieces = [p for p in pieces if p not in _VENUES]
    if pieces and pieces[-1].split()[-1] in _VENUES:  # "Grbovic and Cheng, KDD 2018" read as one
        pieces[-1] = " ".join(pieces[-1].split()[:-1])
    named = pieces[0] if pieces and index.names.fullmatch(pieces[0]) else None
    pieces = pieces[1:] if named else pieces
    if not pieces:
        return _Claim(year=year, named=named)
    orgs = tuple(index.org_key[p] for p in pieces if p in index.org_key)
    person = pieces[0] if pieces[0] not in index.org_key else None
    if person is None:
        return _Claim(orgs=orgs, year=year, named=named)
    if person.lower() in _MONTHS:
        return None
    for pattern, single in ((_ET_AL, False), (_PAIR, False), (_SINGLE, True)):
        found = pattern.match(person)
        if found and all(_capitalised(n) for n in found.groupdict().values() if n):
            groups = found.groupdict()
            return _Claim(groups["first"], groups.get("second"), single, orgs=orgs, year=year, named=named)
    return None


def _prose_claim(attr: str | None, year: str | None, index: _Index) -> _Claim:
    """Read the "by …" part of a prose attribution: organisations, "X et al." and known surnames."""
    attr = attr or ""
    orgs = tuple(dict.fromkeys(index.org_key[m.group(0)] for m in index.orgs.finditer(attr)))
    rest = index.orgs.sub(" ", attr)
    et_al = re.search(rf"(?P<first>{_NAME})\s+et\s+al\b", rest)
    people = tuple(
        t for t in re.findall(r"[^\W\d_][\w'’-]*", rest) if t[0].isupper() and _surname(t) in index.people
    )
    first = et_al.group("first") if et_al and _capitalised(et_al.group("first")) else None
    return _Claim(first=first, people=() if first else people, orgs=orgs, year=int(year) if year else None)


# ---------------------------------------------------------------- judging


def _cite(paper: Paper) -> str:
    years = "/".join(map(str, paper.years))
    if not paper.authors:
        return years
    if paper.complete and len(paper.authors) <= 2:
        return f"{' & '.join(paper.authors)}, {years}"
    return f"{paper.authors[0]} et al., {years}"


def _expected(work: Work, index: _Index) -> str:
    cites = " or ".join(_cite(p) for p in work.papers[:3])
    orgs = ", ".join(index.org_name(k) for k in work.orgs)
    return f"{work.name}: {cites}" + (f" ({orgs})" if orgs else "")


def _judge(work: Work, claim: _Claim, index: _Index) -> tuple[str, list[str]]:
    """("ok" | "wrong" | "unverified", problems) for one bound claim."""
    problems: list[str] = []
    unsure = False
    candidates = work.papers
    authors_of = {_surname(a) for p in work.papers for a in p.authors}
    if claim.first:
        first = _surname(claim.first)
        matching = [p for p in work.papers if p.authors and _surname(p.authors[0]) == first]
        if matching:
            candidates = tuple(matching)
            second = _surname(claim.second) if claim.second else None
            if second and all(second not in {_surname(a) for a in p.authors} for p in matching):
                if all(p.complete for p in matching) or second in index.people:
                    problems.append(f"{claim.second} is not a co-author of {work.name}")
                else:
                    unsure = True
        elif any(p.authors for p in work.papers) and (
            first in index.first_authors or (not work.open and not claim.single)
        ):
            firsts = " or ".join(dict.fromkeys(p.authors[0] for p in work.papers if p.authors))
            problems.append(f"the first author is {firsts}, not {claim.first}")
        else:
            return "unverified", []
    for person in claim.people:
        if _surname(person) in authors_of:
            continue
        if all(p.complete for p in work.papers) and _surname(person) in index.people:
            problems.append(f"{person} is not an author of {work.name}")
        else:
            unsure = True
    if claim.year and not any(claim.year in p.years for p in candidates):
        if work.open and candidates == work.papers:  # "BM25 (2000)": another paper may be meant
            unsure = True
        else:
            years = "/".join(str(y) for y in sorted({y for p in candidates for y in p.years}))
            problems.append(f"the year is {years}, not {claim.year}")
    for org in claim.orgs:
        if work.orgs and org not in work.orgs:
            actual = ", ".join(index.org_name(k) for k in work.orgs)
            problems.append(f"it came from {actual}, not {index.org_name(org)}")
        elif not work.orgs:
            unsure = True
    if problems:
        return "wrong", problems
    return ("unverified" if unsure else "ok"), []


# ---------------------------------------------------------------- binding names to claims

# Words that may stand right before a method name without changing which method it is.
_FREE_WORDS = frozenset(
    """the a an like as using use uses used with via from of on in by for to vs vs. versus see cf cf.
    including include includes e.g. i.e. is are was were called named plus over into than original
    standard vanilla classic classical canonical seminal replaces replaced extends extended follows
    following after before unlike at about where which that such both either applies apply applying
    through trains train trained adopt adopts adopted""".split()
)


def _free_before(prefix: str, in_list: bool = False) -> bool:
    """Whether the text before a name leaves the name unmodified ("the ResNet", "e.g. DLRM").

    After "and"/"or" a parenthesis may cite both names ("DCN and DeepFM (Wang et al., 2017)"):
    the name is bound only when the text before "and" does not end with another known method,
    or that method has its own citation; in prose (in_list) "and" never matters.
    """
    prefix = prefix.rstrip()
    if not prefix or prefix[-1] in "([{:;,—–-|>•#/!?" or prefix.endswith("."):
        return True
    word = re.search(r"[\w'’]+$", prefix)
    if not word:
        return False
    low = word.group(0).lower()
    if low in ("and", "or"):
        before = prefix[: word.start()].rstrip()
        return in_list or before.endswith((")", "]")) or _bound_name(before, _index(), strict=False) is None
    return low in _FREE_WORDS


def _bound_name(before: str, index: _Index, strict: bool = True) -> tuple[Work, int] | None:
    """The known method named immediately before a parenthesis, with where its name starts.

    strict: the name must also be free of modifiers (see _free_before).
    """
    hits = [m for m in index.names.finditer(before) if not before[m.end() :].strip()]
    if not hits:
        return None
    hit = min(hits, key=lambda m: m.start())  # the longest name ending there: "Faster R-CNN"
    if strict and not _free_before(before[: hit.start()]):
        return None
    return index.work(hit.group(0)), hit.start()


_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_PAREN = re.compile(r"(?<!\])\(([^()\n]{2,200})\)|\[([^\[\]\n]{2,200})\](?!\()")
_VERBS = r"introduced|proposed|published|presented|described|invented|developed|created|released|open-sourced"
# Software is developed and released years before (or after) its paper: no year is read after these.
_SOFTWARE_VERBS = frozenset({"developed", "created", "released", "open-sourced"})
_YEAR = r"(?:19|20)\d\d"
# After a name: ", introduced by X in YEAR", " was proposed in YEAR by X", " (released by X in YEAR)".
_PROSE_TAIL = re.compile(
    rf"^\s*(?:,\s*|\s+(?:was|were|is|has\s+been)\s+|\s*\(\s*|\s+[—–]\s+)(?:which\s+was\s+)?"
    rf"(?:first\s+|originally\s+|also\s+)?(?P<verb>{_VERBS})\b(?P<rest>(?:et\s+al\.|[^.,;:()\n])*)"
)
_CLAUSE_END = re.compile(
    r"\s+(?:and|but|while|which|who|whereas|so|then|because|although|to|for|as)\s+(?=[a-z])"
)
_BY = re.compile(rf"\b(?:by|at|from)\s+(?P<attr>.+?)(?=\s+in\s+(?:the\s+)?{_YEAR}\b|$)")
_IN_YEAR = re.compile(rf"\bin\s+(?:the\s+)?(?P<year>{_YEAR})\b")
_PAPER_OF = re.compile(  # "the 2019 DLRM paper from Google"; the name holds no article
    rf"\b(?:the|a|an)\s+(?:original\s+)?(?:(?P<year>{_YEAR})\s+)?"
    r"(?P<name>(?:(?!(?:the|a|an)\s)[^\s.,;:()]+\s+){0,5}?[^\s.,;:()]+)\s+"
    r"(?:paper|article|publication|architecture)\b(?:\s+(?:from|by)\s+(?P<attr>(?:et\s+al\.|[^.,;:()\n])+))?"
)


def _clean(line: str) -> str:
    line = _LINK.sub(r"\1", line)
    line = line.replace("**", "").replace("__", "").replace("`", "").replace("*", "")
    return re.sub(r"(?<!\w)_|_(?!\w)", "", line)


@dataclass(frozen=True)
class _Verdict:
    quote: str
    status: str  # ok, wrong, unverified
    finding: CitationFinding | None = None


def _verdict(quote: str, work: Work, claim: _Claim, index: _Index) -> _Verdict:
    status, problems = _judge(work, claim, index)
    if status != "wrong":
        return _Verdict(quote, status)
    return _Verdict(
        quote, status, CitationFinding(quote, work.name, "; ".join(problems), _expected(work, index))
    )


def _parenthesised(line: str, index: _Index) -> list[_Verdict]:
    verdicts = []
    for match in _PAREN.finditer(line):
        claim = _paren_claim(match.group(1) or match.group(2), index)
        if claim is None:
            continue
        if isinstance(claim, _Claim) and claim.named:
            verdicts.append(_verdict(match.group(0), index.work(claim.named), claim, index))
            continue
        bound = _bound_name(line[: match.start()], index) if claim != "multi" else None
        if bound is None:
            words = line[: match.start()].split()[-4:]
            verdicts.append(_Verdict(" ".join([*words, match.group(0)]), "unverified"))
            continue
        work, start = bound
        verdicts.append(_verdict(line[start : match.end()], work, claim, index))
    return verdicts


def _prose(line: str, index: _Index) -> list[_Verdict]:
    verdicts = []
    for name in index.names.finditer(line):
        tail = _PROSE_TAIL.match(line[name.end() :])
        if not tail or not _free_before(line[: name.start()], in_list=True):
            continue
        rest = _CLAUSE_END.split(tail.group("rest"))[0]
        by, year = _BY.search(rest), _IN_YEAR.search(rest)
        year = None if tail.group("verb") in _SOFTWARE_VERBS else year
        if not (by or year):
            continue
        claim = _prose_claim(by and by.group("attr"), year and year.group("year"), index)
        if claim == _Claim():  # "presented at CVPR": nothing the table can check
            continue
        quote = line[name.start() : name.end() + tail.start("rest") + len(rest)].strip()
        verdicts.append(_verdict(quote, index.work(name.group(0)), claim, index))
    for paper in _PAPER_OF.finditer(line):
        spelling = paper.group("name")
        full = index.names.fullmatch(spelling)
        if not full or not (paper.group("year") or paper.group("attr")):
            continue
        attr = _CLAUSE_END.split(paper.group("attr") or "")[0]
        year = paper.group("year") or ((found := _IN_YEAR.search(attr)) and found.group("year"))
        claim = _prose_claim(_IN_YEAR.split(attr)[0], year, index)
        verdicts.append(_verdict(paper.group(0).strip(), index.work(spelling), claim, index))
    return verdicts


def _verdicts(text: str) -> list[_Verdict]:
    index = _index()
    _, body = md.split_front_matter(text)
    found: dict[str, _Verdict] = {}
    for raw in md.prose_lines(body):
        line = _clean(raw)
        for verdict in _parenthesised(line, index) + _prose(line, index):
            found.setdefault(verdict.quote, verdict)
    return list(found.values())


def check_citations(text: str) -> tuple[list[CitationFinding], list[str]]:
    """(wrong citations of known methods, quotes of citations that could not be verified).

    Code fences and front matter are skipped.
    """
    verdicts = _verdicts(text)
    wrong = [v.finding for v in verdicts if v.finding]
    return wrong, [v.quote for v in verdicts if v.status == "unverified"]


def count_verified(text: str) -> int:
    """How many citations of known methods were judged (right or wrong)."""
    return sum(1 for v in _verdicts(text) if v.status in ("ok", "wrong"))
