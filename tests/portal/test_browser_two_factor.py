"""An agent signs in with a one-time code in a real browser (Chromium through Playwright)."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.test_second_factor import code_of
from tests.factories import Personas
from tests.portal.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_agent_signs_in_with_the_code_from_the_authenticator(
    transactional_db: Any, browser_session: Any, settings: Any
) -> None:
    settings.STAFF_REQUIRE_2FA = True
    agent = Personas.create().agent
    device = TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    tab = browser_session()
    tab.go("/login/?next=/desk/")
    tab.page.fill("#id_username", agent.username)
    tab.page.fill("#id_password", PASSWORD)
    tab.page.click("form button.primary")
    tab.page.wait_for_url("**/account/two-factor/verify/**")
    tab.page.fill("#id_code", code_of(device))
    tab.page.click("form button.primary")
    tab.page.wait_for_url("**/desk/")
    assert tab.page.locator("h1").first.is_visible()
