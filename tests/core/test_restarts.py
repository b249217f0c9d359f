from __future__ import annotations

import pytest

from services.core.restarts import RestartPolicy


@pytest.mark.parametrize(
    ("runs", "delays"),
    [
        pytest.param(
            [0.1] * 6, [0.5, 1.0, 2.0, 4.0, 8.0, None], id="quick-failures-back-off-then-give-up"
        ),
        pytest.param(
            [0.1] * 4 + [60.0, 0.1], [0.5, 1.0, 2.0, 4.0, 0.5, 1.0], id="a-healthy-run-forgives"
        ),
        pytest.param([60.0] * 8, [0.5] * 8, id="healthy-runs-always-restart-soon"),
    ],
)
def test_delays_double_on_quick_failures_and_reset_after_a_healthy_run(
    runs: list[float], delays: list[float | None]
) -> None:
    policy = RestartPolicy()
    assert [policy.after_exit(ran_for) for ran_for in runs] == delays


def test_delay_never_exceeds_its_cap() -> None:
    policy = RestartPolicy(first_delay=1.0, max_delay=3.0, tries=10)
    assert [policy.after_exit(0) for _ in range(4)] == [1.0, 2.0, 3.0, 3.0]


def test_giving_up_names_the_process_and_the_count() -> None:
    policy = RestartPolicy(tries=1)
    policy.after_exit(0)
    assert policy.after_exit(0) is None
    assert policy.giving_up("the api service") == (
        "the api service exited 2 times in a row, each within 30 s of starting: not restarting it"
    )
