"""Password rules of the MHLW guideline 第7.0版 (システム運用編 14.1.1 and 遵守事項⑥).

- With two-factor authentication: at least 8 characters; without it: at least 13.
- Letters and digits mixed.
- Guessable passwords refused: the user's or the facility's name, factory defaults such as
  Administrator, keyboard walks (qwerty, 7410), and l33t spellings of common words (pa$$w0rd).
  Django's CommonPasswordValidator adds the 20,000 most common passwords.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_LENGTH_WITH_MFA = 8
MIN_LENGTH_WITHOUT_MFA = 13

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i"})
_GUESSABLE_WORDS = (
    "password", "passwd", "administrator", "admin", "root", "guest", "welcome", "letmein", "qwerty",
    "hospital", "byoin", "byouin", "clinic", "iryo", "iryou", "karte", "kanri", "mamori", "login",
    "fortinet", "fortigate", "changeme", "default", "secret", "system", "master",
)
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "7410", "8520", "9630", "1qaz2wsx3edc",
                  "abcdefghijklmnopqrstuvwxyz")


def _has_confirmed_mfa(user: Any) -> bool:
    if user is None or getattr(user, "pk", None) is None:
        return False
    return bool(user.has_mfa_device())


class GuidelineLengthValidator:
    """8 characters with two-factor authentication, 13 without (GL 7.0)."""

    def validate(self, password: str, user: Any = None) -> None:
        minimum = MIN_LENGTH_WITH_MFA if _has_confirmed_mfa(user) else MIN_LENGTH_WITHOUT_MFA
        if len(password) < minimum:
            raise ValidationError(
                _("This password is too short: at least {minimum} characters are required "
                  "({rule}).").format(
                    minimum=minimum,
                    rule=_("with two-factor authentication") if minimum == MIN_LENGTH_WITH_MFA
                    else _("without two-factor authentication"),
                ),
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return _("At least 13 characters, or at least 8 once two-factor authentication is enrolled.")


class LettersAndDigitsValidator:
    """Letters and digits mixed (英数字混在)."""

    def validate(self, password: str, user: Any = None) -> None:
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError(_("The password must mix letters and digits."), code="password_not_mixed")

    def get_help_text(self) -> str:
        return _("Mix letters and digits.")


def _is_keyboard_walk(text: str) -> bool:
    if len(text) < 4:
        return False
    for row in _KEYBOARD_ROWS:
        if text in row or text in row[::-1]:
            return True
    return len(set(text)) <= 2


class GuessablePasswordValidator:
    """Refuses passwords built from a guessable word, a name or a keyboard walk."""

    def __init__(self, extra_words: tuple[str, ...] = ()) -> None:
        self.extra_words = tuple(w.lower() for w in extra_words)

    def _personal_words(self, user: Any) -> list[str]:
        words: list[str] = []
        if user is None:
            return words
        for attr in ("username", "first_name", "last_name", "email"):
            value = str(getattr(user, attr, "") or "").lower().split("@")[0]
            if len(value) >= 3:
                words.append(value)
        facility = getattr(user, "facility", None) if getattr(user, "facility_id", None) else None
        if facility is not None:
            for value in (facility.code, facility.name):
                if value and len(value) >= 3:
                    words.append(str(value).lower())
        return words

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        normalised = lowered.translate(_LEET)
        core = re.sub(r"[^a-z]", "", normalised)
        stripped = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", normalised)
        for word in (*_GUESSABLE_WORDS, *self.extra_words, *self._personal_words(user)):
            if word in lowered or word in normalised or (core and core == word) or stripped == word:
                raise ValidationError(_("The password contains a guessable word or name."),
                                      code="password_guessable")
        if _is_keyboard_walk(lowered) or _is_keyboard_walk(re.sub(r"[\W_]", "", lowered)):
            raise ValidationError(_("The password is a keyboard pattern or a sequence."),
                                  code="password_guessable")

    def get_help_text(self) -> str:
        return _("Do not use names, the facility's name, factory defaults or keyboard patterns.")
