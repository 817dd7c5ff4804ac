"""Check digits of Russian company details (pure Python, no Django).

Each function returns the problem in plain words, or ``None`` when the value is valid. The
rules are those of the Federal Tax Service (ИНН, КПП, ОГРН) and of the Bank of Russia (the
control key of an account, Положение ЦБ РФ № 579-П, приложение).
"""

from __future__ import annotations

import re

# ИНН of an organisation (10 digits): the 10th digit from the first nine.
INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
# ИНН of a person or sole trader (12 digits): the 11th, then the 12th digit.
INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
# КПП: tax office (4 digits), reason code (2 digits or capital letters), number (3 digits).
KPP_RE = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
# Account control key: weights 7, 1, 3 repeated over the 23 digits (3 of the BIK + 20).
ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_error(value: str) -> str | None:
    """ИНН: 10 digits (an organisation) or 12 (a person), with valid check digits."""
    if not value.isdigit() or len(value) not in (10, 12):
        return "An INN has 10 digits (an organisation) or 12 (a person)."
    if len(value) == 10:
        valid = _weighted(value, INN10_WEIGHTS) == int(value[9])
    else:
        valid = _weighted(value, INN12_WEIGHTS_11) == int(value[10]) and _weighted(
            value, INN12_WEIGHTS_12
        ) == int(value[11])
    return None if valid else "The INN's check digit is wrong."


def kpp_error(value: str) -> str | None:
    """КПП: 9 characters, the 5th and 6th digits or capital Latin letters (no check digit)."""
    return (
        None
        if KPP_RE.match(value)
        else "A KPP has 9 characters: 4 digits, 2 digits or letters, 3 digits."
    )


def ogrn_error(value: str) -> str | None:
    """ОГРН (13 digits): the last is the first 12 mod 11 (mod 10); ОГРНИП (15 digits): the
    first 14 mod 13 (mod 10)."""
    if not value.isdigit() or len(value) not in (13, 15):
        return "An OGRN has 13 digits (15 for a sole trader)."
    divisor = 11 if len(value) == 13 else 13
    valid = int(value[:-1]) % divisor % 10 == int(value[-1])
    return None if valid else "The OGRN's check digit is wrong."


def bik_error(value: str) -> str | None:
    """БИК: 9 digits."""
    return None if value.isdigit() and len(value) == 9 else "A BIK has 9 digits."


def _account_key_ok(prefix: str, account: str) -> bool:
    digits = prefix + account
    return sum(int(d) * w for d, w in zip(digits, ACCOUNT_WEIGHTS, strict=True)) % 10 == 0


def account_error(account: str, bik: str) -> str | None:
    """Расчётный счёт: 20 digits whose control key agrees with the bank's BIK (its last 3)."""
    if not account.isdigit() or len(account) != 20:
        return "An account number has 20 digits."
    if bik_error(bik) is None and not _account_key_ok(bik[-3:], account):
        return "The account number does not match the bank's BIK."
    return None


def correspondent_account_error(account: str, bik: str) -> str | None:
    """Корреспондентский счёт: 20 digits, key checked with "0" and the BIK's 5th-6th digits."""
    if not account.isdigit() or len(account) != 20:
        return "An account number has 20 digits."
    if bik_error(bik) is None and not _account_key_ok("0" + bik[4:6], account):
        return "The correspondent account does not match the bank's BIK."
    return None
