"""A claim's test on data whose verdict is pinned elsewhere (the gate's expected file, a tier's
measured numbers): the test asserts the claim's own verdict; when the pin says the data do not
support it, the test is a strict xfail whose reason is computed from the data and the pin. Strict:
the day the data support the claim the test fails, and the pin must be regenerated."""

import pytest


def expect(request, row, wanted: str, pinned: str, where: str) -> None:
    """Assert ``row.verdict`` starts with ``wanted``; a strict xfail when ``pinned`` (from ``where``) does not."""
    numbers = f"{row.verdict}: {row.computed}; {row.statistic}"
    if not pinned.startswith(wanted):
        assert row.verdict in (pinned,) or row.verdict.startswith(wanted), f"the verdict moved from the pin {pinned!r} ({where}): now {numbers}"
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"{where} pins {row.claim} {pinned!r}; now {numbers}"))
    assert row.verdict.startswith(wanted), numbers
