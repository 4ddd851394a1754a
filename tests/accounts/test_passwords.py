"""GL 7.0 password rules: 13+ without 2FA, 8+ with; letters and digits; guessable ones refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests import factories

pytestmark = pytest.mark.django_db


def _codes(password: str, user: object = None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list if e.code}
    return set()


def test_thirteen_characters_needed_without_two_factor() -> None:
    u = factories.user("it_staff")
    assert "password_too_short" in _codes("Tz8vK2mq9Lw4", u)  # 12
    assert _codes("Tz8vK2mq9Lw4x", u) == set()  # 13


def test_eight_characters_enough_with_two_factor() -> None:
    u = factories.user("it_staff", mfa=True)
    assert _codes("Tz8vK2mq", u) == set()
    assert "password_too_short" in _codes("Tz8vK2m", u)


def test_new_user_without_pk_needs_thirteen() -> None:
    assert "password_too_short" in _codes("Tz8vK2mq")


@pytest.mark.parametrize("password", ["abcdefghijklmnop", "1234567890123"])
def test_letters_and_digits_must_mix(password: str) -> None:
    assert "password_not_mixed" in _codes(password)


@pytest.mark.parametrize("password", [
    "pa$$w0rd12345678",       # l33t password (事務連絡 2024-08-01 bad example)
    "Administrator2024",      # factory account name
    "qwertyuiop12",           # keyboard walk
    "MamoriHospital2025",     # product and facility words
    "74107410741074",         # keypad walk, 4-digit pattern repeated
    "aaaaaaaaaaaaa1",         # repeated character
])
def test_guessable_passwords_are_refused(password: str) -> None:
    assert _codes(password) & {"password_guessable", "password_too_common", "password_entirely_numeric",
                               "password_not_mixed"}


def test_facility_and_user_names_are_refused() -> None:
    fac = factories.facility(code="kororin")
    u = factories.user("it_staff", fac, username="suzuki.taro")
    assert "password_guessable" in _codes("Kororin-2025-x9", u)
    assert "password_guessable" in _codes("Suzuki.Taro-99x", u)


def test_a_random_generated_password_passes() -> None:
    from mamori.accounts.services import generate_password

    for _ in range(20):
        assert _codes(generate_password(), factories.user("it_staff")) == set()
