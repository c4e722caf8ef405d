from cyclekit.cyclic.stopping import InsufficientDecrease


def _run(rule, losses):
    for loss in losses:
        reason = rule.update(loss)
        if reason:
            return rule.steps, reason
    return rule.steps, None


def test_flat_loss_stops_at_min_steps():
    rule = InsufficientDecrease(tolerance=0.01, check_every=10, min_steps=30, max_steps=1000)
    assert _run(rule, [1.0] * 1000) == (30, "converged")


def test_steady_decrease_runs_until_max_steps():
    rule = InsufficientDecrease(tolerance=0.01, check_every=10, min_steps=30, max_steps=200)
    assert _run(rule, [0.99 ** i for i in range(1000)]) == (200, "max_steps")


def test_decrease_that_slows_down_stops_at_the_first_check_below_tolerance():
    rule = InsufficientDecrease(tolerance=0.05, ema_beta=0.0, check_every=10, min_steps=10,
                                max_steps=10_000)
    losses = [1.0 + 1.0 / (1 + 0.1 * i) for i in range(10_000)]
    expected = next(s for s in range(20, 10_000, 10)
                    if (losses[s - 11] - losses[s - 1]) / losses[s - 11] < 0.05)
    assert _run(rule, losses) == (expected, "converged")
    assert 20 < expected < 100  # the rule did wait while the loss still fell fast


def test_state_round_trip_continues_identically():
    losses = [1.0 / (1 + i) + 0.001 * (i % 7) for i in range(300)]
    reference = InsufficientDecrease(check_every=5, min_steps=5, max_steps=300)
    expected = _run(reference, losses)
    first = InsufficientDecrease(check_every=5, min_steps=5, max_steps=300)
    _run(first, losses[:17])
    second = InsufficientDecrease()
    second.load_state_dict(first.state_dict())
    steps, reason = _run(second, losses[17:])
    assert (steps, reason) == expected


def test_reset_forgets_history():
    rule = InsufficientDecrease(check_every=2, min_steps=2)
    _run(rule, [5.0, 4.0, 3.0])
    rule.reset()
    assert rule.steps == 0 and rule.ema != rule.ema  # nan
