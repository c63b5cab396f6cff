"""Python objects <-> core Value, through the compiled module."""

import math

import pytest

import amlguard
from amlguard import _amlguard

ROUND_TRIPS = [
    None,
    True,
    False,
    0,
    -7,
    2**63 - 1,
    -(2**63),
    1.5,
    -0.25,
    "",
    "naïve – ünïcode ✓",
    [],
    {},
    [1, "a", None, True, 2.5, [], {}],
    {"b": 1, "a": 2, "c": {"z": [1, {"y": None}]}},  # key order is kept
    {"$unknown": "parameter `x` has no value"},  # the core's unknown, read back
    {"x": [{"$unknown": "reference()"}]},
]


@pytest.mark.parametrize("value", ROUND_TRIPS, ids=repr)
def test_round_trip_is_identity(value):
    out = _amlguard._roundtrip(value)
    assert out == value
    assert type(out) is type(value)
    if isinstance(value, dict):
        assert list(out) == list(value)


def test_bool_stays_bool_not_int():
    out = _amlguard._roundtrip([True, 1, False, 0])
    assert [type(x) for x in out] == [bool, int, bool, int]


def test_tuple_becomes_list():
    assert _amlguard._roundtrip((1, (2, 3))) == [1, [2, 3]]


def test_integer_beyond_64_bits_becomes_float_like_the_json_reader():
    out = _amlguard._roundtrip(2**70)
    assert isinstance(out, float) and out == float(2**70)
    assert _amlguard.parse_json("1180591620717411303424") == out


def test_unknown_with_extra_keys_is_a_plain_object():
    value = {"$unknown": "r", "other": 1}
    assert _amlguard._roundtrip(value) == value


BAD = [
    ({"a": [1, {1: 2}]}, "object key 1 at `/a/1` is not a string"),
    ({"a": [1, float("nan")]}, "`NaN` is not a JSON number at `/a/1`"),
    ({"a": {"b": math.inf}}, "`inf` is not a JSON number at `/a/b`"),
    ({"a": [object()]}, "cannot convert a `object` at `/a/0`"),
    ({"x/y": {"t~": b"bytes"}}, "cannot convert a `bytes` at `/x~1y/t~0`"),
    ({1.5, 2.5}, "cannot convert a `set` at `the top level`"),
]


@pytest.mark.parametrize("value,message", BAD, ids=[m for _, m in BAD])
def test_bad_values_raise_input_error_with_pointer(value, message):
    with pytest.raises(amlguard.InputError) as e:
        _amlguard._roundtrip(value)
    assert message in str(e.value)
    # The interpreter survives and the next call works.
    assert _amlguard._roundtrip({"ok": [1]}) == {"ok": [1]}


def test_deep_nesting_is_an_error_not_a_crash():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(amlguard.InputError, match="nesting deeper than 256 levels"):
        _amlguard._roundtrip(deep)
    ok = []
    for _ in range(200):
        ok = [ok]
    assert _amlguard._roundtrip(ok) == ok


def test_json_reader_accepts_comments_and_reports_positions():
    assert _amlguard.parse_json('{"a": 1, // note\n "b": [2,],}') == {"a": 1, "b": [2]}
    with pytest.raises(amlguard.InputError) as e:
        _amlguard.parse_json('{"a": 1,\n "a": 2}', "dup.json")
    msg = str(e.value)
    assert msg.startswith("dup.json:") and "line 2" in msg


def test_exception_hierarchy():
    assert issubclass(amlguard.InputError, amlguard.Error)
    assert issubclass(amlguard.PolicyError, amlguard.Error)
    assert issubclass(amlguard.Error, Exception)
    assert amlguard.InputError.__module__ == "amlguard"
