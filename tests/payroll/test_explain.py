"""A payslip line's explanation reads in the reader's language, its figures written as that language writes them."""
from __future__ import annotations

from server.payroll.explain import describe

SALARY = {"code": "salary", "params": {"salary": "1000.00", "days": 9, "norm_days": 19, "from": "2026-04-01",
                                       "to": "2026-04-16"}}


def test_explanations_in_three_languages() -> None:
    assert describe(SALARY, "en") == "1000.00 × 9 worked days / 19 working days of the month (2026-04-01 – 2026-04-16)"
    assert describe(SALARY, "ru") == \
        "1\u00a0000,00 × 9 отработанных дн. / 19 рабочих дн. месяца (01.04.2026 – 16.04.2026)"
    khmer = describe(SALARY, "km")
    assert "ថ្ងៃធ្វើការ" in khmer and "០១/០៤/២០២៦" in khmer and "1,000.00" in khmer


def test_an_unknown_explanation_still_shows_its_figures() -> None:
    assert describe({"code": "from_the_future", "params": {"rate": "1.5", "hours": 2}}, "en") == "rate 1.5, hours 2"
    assert describe({}, "ru") == ""
