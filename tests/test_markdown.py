"""The structural readers of evals/markdown.py: headings, tables, fences, blocks, prose.

Each case is one a line-by-line reader gets wrong and a CommonMark (+ GFM tables) parser gets
right, so these fail if the module drifts back to guessing structure from single lines.
"""

from __future__ import annotations

from mlsd.evals import markdown as md

FENCED_HEADINGS = """\
## 1. Overview

```python
# a comment, not a heading
## nor this
```

~~~yaml
# yaml comment
~~~

1. A step with code:

   ```bash
   # still code inside the list item
   ```

## 2. Problem
"""


def test_headings_inside_fenced_code_are_not_headings() -> None:
    assert md.headings(FENCED_HEADINGS) == [(0, 2, "1. Overview"), (17, 2, "2. Problem")]


def test_fenced_lines_are_not_prose_and_languages_are_read() -> None:
    prose = md.prose_lines(FENCED_HEADINGS)
    assert not any("comment" in line or "still code" in line for line in prose)
    assert "1. A step with code:" in prose
    assert md.fence_languages(FENCED_HEADINGS) == ["python", "yaml", "bash"]
    assert md.word_count("Two words\n\n```\nthree more words\n```\n") == 2


def test_fence_inside_a_blockquote_is_code() -> None:
    text = "> ```\n> # not a heading\n> ```\n\n## Real"
    assert md.headings(text) == [(4, 2, "Real")]
    assert md.prose_lines(text) == ["", "## Real"]


def test_setext_and_atx_heading_levels() -> None:
    text = "Title\n=====\n\nSub title\n---------\n\n### Three ###\n\n#### Four\n\n## C#\n\n#hashtag\n"
    assert md.headings(text) == [
        (0, 1, "Title"),
        (3, 2, "Sub title"),
        (6, 3, "Three"),
        (8, 4, "Four"),
        (10, 2, "C#"),
    ]


def test_heading_line_indices_follow_splitlines() -> None:
    text = "intro\r\n\r\n## One\r\ntext\u2028more\r\n## Two\r\n"
    lines = text.splitlines()
    found = md.headings(text)
    assert [level for _, level, _ in found] == [2, 2]
    assert [lines[index] for index, _, _ in found] == ["## One", "## Two"]


def test_table_after_a_paragraph_is_found_with_its_header() -> None:
    text = "Some prose right before the table:\n| Option | Cost |\n|--------|------|\n| A | 1 |\n| B | 2 |\n"
    tables = md.tables(text)
    assert len(tables) == 1
    assert tables[0].header == ("Option", "Cost")
    assert tables[0].rows == (("A", "1"), ("B", "2"))


def test_table_needs_a_matching_delimiter_row() -> None:
    assert md.tables("| a | b | c |\n|---|---|\n| 1 | 2 | 3 |\n") == []
    found = md.tables("a | b\n-|-\n1 | 2\n")
    assert [(t.header, t.rows) for t in found] == [(("a", "b"), (("1", "2"),))]


def test_table_inside_a_fence_is_not_a_table() -> None:
    assert md.tables("```\n| a | b |\n|---|---|\n| 1 | 2 |\n```\n") == []


def test_escaped_pipes_in_code_spans_stay_in_their_cell() -> None:
    text = "| Flag | Meaning |\n|---|---|\n| `--level E5\\|E6` | the level |\n| `a || b` | split |\n"
    (table,) = md.tables(text)
    assert table.header == ("Flag", "Meaning")
    # An escaped pipe stays in the cell; a bare one splits it even inside backticks (GFM), and a
    # row keeps as many cells as the header.
    assert table.rows == (("`--level E5|E6`", "the level"), ("`a", ""))


def test_time_plan_span_comes_from_the_table() -> None:
    text = (
        "The plan:\n| Phase | Minutes |\n|---|---|\n| Clarify | 5 |\n| Design | 40 |\n| **Total** | 45 |\n"
        "\nAfter the table.\n"
    )
    assert md.minutes_table(text) == [("Clarify", 5), ("Design", 40)]
    assert md.without_time_plan(text) == "The plan:\n\nAfter the table."


def test_blocks_ignore_headings_inside_fences() -> None:
    text = "### First\nabc\n```\n### not a point\n```\n### Second\ndef\n"
    assert md.blocks(text) == ["### First\nabc\n```\n### not a point\n```", "### Second\ndef"]


def test_blocks_fall_back_to_top_level_numbered_items() -> None:
    text = "1. First point\n   1. a nested step\n2. Second point\n\n```\n3. code\n```\n"
    assert md.blocks(text) == ["1. First point\n   1. a nested step", "2. Second point\n\n```\n3. code\n```"]


def test_front_matter_is_not_markdown() -> None:
    document = "---\ncompany: Meta\n# a yaml comment\nlevel: E7\n---\n# Title\n\n## 1. Overview\n"
    assert md.headings(document) == [(5, 1, "Title"), (7, 2, "1. Overview")]
    rules = "---\n\nA paragraph between rules.\n\n---\n## Next\n"
    assert md.headings(rules) == [(5, 2, "Next")]


def test_prose_blocks_skip_structure_and_bold_pseudo_headings() -> None:
    text = (
        "Setext heading\n---\n\n"
        "**Bold pseudo-heading**\nA paragraph that wraps\nonto a second line.\n\n"
        "- **A bold list item**\n- An item with\n  a continuation line.\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```\ncode words here\n```\n"
    )
    assert md.prose_blocks(text) == [
        "A paragraph that wraps onto a second line.",
        "**A bold list item**",
        "An item with a continuation line.",
    ]


def test_a_loss_with_arguments_is_a_loss_formula():
    # A capable model's pinball loss, written mid-sentence with its arguments.
    assert md.loss_line("uncensored days use pinball L_τ(y, q) = max(τ(y − q), (τ − 1)(y − q))")
    assert not md.loss_line("the loss goes down over time")
