"""Hypothesis profiles: a quick look on a developer's machine, a thorough one in CI.

``HYPOTHESIS_PROFILE`` picks one (``.ci/run`` exports ``ci``); without it the suite uses ``dev``.
Property tests take their example counts from the loaded profile rather than fixing their own,
so the one variable sets how hard every property test tries. A test whose examples are dear (the
ledger's state machine runs thirty steps of real services per example) asks for a share of the
profile's count with ``examples(share=...)``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Property tests assert what is true, not how fast: on a machine shared by parallel workers (xdist,
# CI) generating an input or running an example can take a second, which is no failure.
_UNHURRIED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

PROFILES: dict[str, dict[str, object]] = {
    # Enough to catch a property broken outright while a change is being made.
    "dev": {"max_examples": 25, **_UNHURRIED},
    # Twice Hypothesis's own default; every failure prints the blob that reproduces it
    # (`@reproduce_failure`), as CI's example database is thrown away with the machine.
    "ci": {"max_examples": 200, "print_blob": True, **_UNHURRIED},
}


def load_profile() -> str:
    for name, options in PROFILES.items():
        settings.register_profile(name, **options)  # type: ignore[arg-type]
    name = os.environ.get("HYPOTHESIS_PROFILE", "dev")
    if name not in PROFILES:
        raise RuntimeError(f"HYPOTHESIS_PROFILE={name!r} is none of {', '.join(PROFILES)}")
    settings.load_profile(name)
    return name


def examples(*, share: float) -> int:
    """This share of the loaded profile's examples, at least one."""
    current = settings.default
    assert current is not None, "no Hypothesis profile is loaded"
    return max(1, round(current.max_examples * share))
