import io

import pytest

from mlsd.errors import InputError
from mlsd.records import Params, load_record, make_params, parse_duration, validate_record

GOOD = {
    "company_name": "Meta",
    "ml_topic": "Design a News Feed ML Ranking System",
    "interview_frequency": "Very High",
    "product_description": "Rank posts.",
}


def bad(**changes):
    data = dict(GOOD)
    for key, value in changes.items():
        if value is ...:
            del data[key]
        else:
            data[key] = value
    return data


def test_valid_record_is_trimmed_and_canonical():
    record, warnings = validate_record(bad(company_name="  Meta  ", interview_frequency="very HIGH"))
    assert record.company_name == "Meta"
    assert record.interview_frequency.value == "Very High"
    assert warnings == []


def test_unknown_fields_are_ignored_with_a_warning_naming_them():
    record, warnings = validate_record({**GOOD, "extra": 1, "also": 2})
    assert warnings == ["ignoring unknown field(s): also, extra"]
    assert not hasattr(record, "extra")


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("compnay_name", "company_name"),
        ("Company Name", "company_name"),
        ("ml-topic", "ml_topic"),
        ("topic", "ml_topic"),
        ("interview_freq", "interview_frequency"),
        ("description", "product_description"),
    ],
)
def test_a_misspelled_required_field_is_named_with_the_field_it_stands_for(key, field):
    data = bad(**{field: ...}) | {key: GOOD[field]}
    with pytest.raises(InputError) as caught:
        validate_record(data)
    assert str(caught.value) == f"{field}: is required (found unknown key {key!r} — did you mean {field!r}?)"
    assert "\n" not in str(caught.value)


def test_an_unknown_key_like_no_field_keeps_the_plain_message_and_the_warning():
    with pytest.raises(InputError) as caught:
        validate_record(bad(company_name=...) | {"salary": "x", "id": 3})
    assert str(caught.value) == "company_name: is required"
    _record, warnings = validate_record({**GOOD, "compnay_name": "Meta"})  # the field itself is there
    assert warnings == ["ignoring unknown field(s): compnay_name"]


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        (bad(company_name=...), "company_name", "is required"),
        (bad(ml_topic=...), "ml_topic", "is required"),
        (bad(interview_frequency=...), "interview_frequency", "is required"),
        (bad(product_description=...), "product_description", "is required"),
        (bad(company_name=""), "company_name", "must not be empty"),
        (bad(ml_topic="   \n "), "ml_topic", "must not be empty"),
        (bad(company_name=42), "company_name", "must be a string, got number"),
        (bad(ml_topic=None), "ml_topic", "must be a string, got null"),
        (bad(product_description=["a"]), "product_description", "must be a string, got array"),
        (bad(interview_frequency="Sometimes"), "interview_frequency", "must be one of"),
        (bad(interview_frequency=True), "interview_frequency", "must be a string"),
        (bad(company_name="x" * 201), "company_name", "at most 200 characters"),
        (bad(ml_topic="x" * 601), "ml_topic", "at most 600 characters"),
        (bad(product_description="x" * 4001), "product_description", "at most 4000 characters"),
        (bad(company_name="Me\x00ta"), "company_name", "control characters"),
        ([GOOD], "record", "expected a JSON object, got array"),
        ("text", "record", "expected a JSON object, got str"),
    ],
)
def test_every_rule_names_the_field(data, field, rule):
    with pytest.raises(InputError) as info:
        validate_record(data)
    assert info.value.field == field
    assert rule in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.exit_code == 2


def test_newlines_in_names_collapse_to_spaces():
    record, _ = validate_record(bad(ml_topic="Design a\nNews   Feed"))
    assert record.ml_topic == "Design a News Feed"


@pytest.mark.parametrize("text", ["45", "45m", "45min", " 45 MIN ", 45])
def test_duration_spellings(text):
    assert parse_duration(text) == 45


@pytest.mark.parametrize("text", ["30", "45h", "", "sixty", 60.0, True, None])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_params_defaults_and_labels():
    assert Params().is_default
    assert Params().label() == "E7, 60min"
    params = make_params("e5", "Deep_Learning", "45m")
    assert not params.is_default
    assert params.label() == "E5, 45min, deep_learning"


@pytest.mark.parametrize(
    ("kwargs", "flag"),
    [
        ({"seniority": "E9"}, "--seniority"),
        ({"focus_area": "nlp"}, "--focus-area"),
        ({"duration": "75"}, "--duration"),
    ],
)
def test_bad_params_name_the_flag(kwargs, flag):
    with pytest.raises(InputError) as info:
        make_params(**kwargs)
    assert info.value.field == flag


def test_load_record_from_stdin_and_errors(tmp_path):
    record, _ = load_record(
        "-",
        io.StringIO(
            '{"company_name":"A","ml_topic":"B","interview_frequency":"Low","product_description":"C"}'
        ),
    )
    assert record.company_name == "A"
    with pytest.raises(InputError, match="not valid JSON"):
        load_record("-", io.StringIO("{nope"))
    with pytest.raises(InputError, match="file not found"):
        load_record(str(tmp_path / "missing.json"))
    (tmp_path / "latin.json").write_bytes(b'{"company_name": "\xe9"}')
    with pytest.raises(InputError, match="not UTF-8"):
        load_record(str(tmp_path / "latin.json"))
    with pytest.raises(InputError, match="is a directory"):
        load_record(str(tmp_path))
