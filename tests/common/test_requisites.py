"""Check digits of ИНН, КПП, ОГРН, БИК and bank accounts, one case per line."""

from __future__ import annotations

import pytest

from secondline.common import requisites as r

# (check, value, valid?, why)
CASES = [
    (r.inn_error, "7707083893", True, "organisation, 10 digits (Sberbank)"),
    (r.inn_error, "7707083894", False, "organisation, last digit changed"),
    (r.inn_error, "500100732259", True, "person, 12 digits"),
    (r.inn_error, "500100732258", False, "person, 12th digit wrong"),
    (r.inn_error, "500100732269", False, "person, 11th digit wrong"),
    (r.inn_error, "77070838", False, "too short"),
    (r.inn_error, "77070838931", False, "11 digits"),
    (r.inn_error, "770708389a", False, "a letter"),
    (r.inn_error, "", False, "empty"),
    (r.kpp_error, "773601001", True, "9 digits"),
    (r.kpp_error, "7736AB001", True, "reason code in capital letters"),
    (r.kpp_error, "7736ab001", False, "small letters"),
    (r.kpp_error, "77360100", False, "8 characters"),
    (r.ogrn_error, "1027700132195", True, "organisation, 13 digits (Sberbank)"),
    (r.ogrn_error, "1027700132196", False, "13 digits, check digit wrong"),
    (r.ogrn_error, "304500116000157", True, "sole trader, 15 digits"),
    (r.ogrn_error, "304500116000158", False, "15 digits, check digit wrong"),
    (r.ogrn_error, "10277001321", False, "11 digits"),
    (r.bik_error, "044525225", True, "9 digits"),
    (r.bik_error, "04452522", False, "8 digits"),
]


@pytest.mark.parametrize(("check", "value", "valid", "why"), CASES)
def test_it_checks_tax_numbers(check: object, value: str, valid: bool, why: str) -> None:
    assert (check(value) is None) is valid, why  # type: ignore[operator]


# (account, bik, valid?, why)
ACCOUNTS = [
    ("40702810938000000001", "044525225", True, "settlement account at Sberbank, Moscow"),
    ("40702810038000000001", "044525225", False, "control key changed"),
    ("40702810938000000001", "044525226", False, "another bank's BIK"),
    ("4070281093800000000", "044525225", False, "19 digits"),
]


@pytest.mark.parametrize(("account", "bik", "valid", "why"), ACCOUNTS)
def test_it_checks_a_settlement_account_against_the_bik(
    account: str, bik: str, valid: bool, why: str
) -> None:
    assert (r.account_error(account, bik) is None) is valid, why


@pytest.mark.parametrize(
    ("account", "bik", "valid"),
    [
        ("30101810400000000225", "044525225", True),
        ("30101810500000000225", "044525225", False),
        ("301018104000000002", "044525225", False),
    ],
)
def test_it_checks_a_correspondent_account_against_the_bik(
    account: str, bik: str, valid: bool
) -> None:
    assert (r.correspondent_account_error(account, bik) is None) is valid


@pytest.mark.django_db
def test_the_legal_entity_form_names_each_wrong_field() -> None:
    from django.core.exceptions import ValidationError

    from secondline.accounts.models import LegalEntity

    entity = LegalEntity(
        name="X",
        inn="7707083894",
        kpp="77",
        ogrn="1027700132196",
        address="Moscow",
        bik="044525225",
        account="40702810038000000001",
    )
    with pytest.raises(ValidationError) as refused:
        entity.full_clean()
    assert sorted(refused.value.message_dict) == ["account", "inn", "kpp", "ogrn"]
