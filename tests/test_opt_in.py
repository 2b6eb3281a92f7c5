"""Hint rules are off under the default selection and on when asked for."""

from asynclint.config import Settings


def test_hint_is_off_by_default_and_on_when_selected() -> None:
    assert not Settings().is_enabled("DJA709")
    assert Settings(select=("DJA709",)).is_enabled("DJA709")
    assert Settings(extend_select=("DJA7",)).is_enabled("DJA709")
    assert not Settings(select=("DJA7",), ignore=("DJA709",)).is_enabled("DJA709")


def test_ordinary_rules_follow_the_bare_prefix() -> None:
    assert Settings().is_enabled("DJA101")
    assert not Settings(ignore=("DJA1",)).is_enabled("DJA101")
