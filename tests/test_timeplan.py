import pytest

from mlsd.agents.budgets import FOCUS_WEIGHT, WORDS_BY_DURATION, fit_max_tokens, section_budgets
from mlsd.prompts.timeplan import _largest_remainder, time_plan_for, time_plan_table

LEVELS = ("E5", "E6", "E7", "E8")


@pytest.mark.parametrize("duration", [45, 60, 90])
@pytest.mark.parametrize("level", LEVELS)
def test_minutes_sum_exactly_to_the_duration(duration, level):
    slots = time_plan_for(duration, level)
    assert sum(s.minutes for s in slots) == duration
    assert len(slots) >= 5
    assert all(s.minutes > 0 for s in slots)
    clarify = slots[0]
    assert clarify.minutes / duration <= 0.15


def test_levels_shift_time_toward_depth():
    e5 = {s.name: s.minutes for s in time_plan_for(60, "E5")}
    e8 = {s.name: s.minutes for s in time_plan_for(60, "E8")}
    assert e5 != e8
    model = next(name for name in e8 if "model" in name.lower())
    assert e8[model] > e5[model]


def test_largest_remainder_is_exact_for_awkward_weights():
    for total in (45, 60, 90, 7, 1):
        for weights in ([1, 1, 1], [0.3, 0.3, 0.4], [5, 5, 5, 8, 12, 5, 5, 0.01]):
            assert sum(_largest_remainder(weights, total)) == total


def test_table_has_a_total_row_matching_the_duration():
    table = time_plan_table(time_plan_for(90, "E7"))
    assert "| **Total** | **90** |" in table
    assert table.count("\n") == len(time_plan_for(90, "E7")) + 2


def test_budgets_scale_with_duration_level_and_focus():
    base = section_budgets(60, "E7")
    assert abs(sum(b.words for b in base.values()) - WORDS_BY_DURATION[60]) <= 12
    assert sum(b.words for b in section_budgets(90, "E7").values()) > sum(b.words for b in base.values())
    assert sum(b.words for b in section_budgets(60, "E5").values()) < sum(b.words for b in base.values())
    focused = section_budgets(60, "E7", "deep_learning")
    ratio_model = focused[4].words / base[4].words
    ratio_other = focused[2].words / base[2].words
    assert ratio_model / ratio_other == pytest.approx(FOCUS_WEIGHT, rel=0.02)
    assert all(b.max_tokens > b.tokens > b.words for b in base.values())


def test_fit_max_tokens_shrinks_to_the_context_window():
    assert fit_max_tokens(2000, 500, None) == 2000
    assert fit_max_tokens(2000, 7000, 8192) == 8192 - 7000 - 64
    assert fit_max_tokens(2000, 9000, 8192) == 64
