"""Single-step joint optimisation (Zou & Hao): one update of f and g on the whole objective.

    L(x, y) = D_cyc^X(x, g(f(x))) + D_sim^X(f(x), Y) + D_cyc^Y(y, f(g(y))) + D_sim^Y(g(y), X)

then one update of every critic on the fakes of this step (CycleGAN's schedule, Zhu et al. 2017).
"""

from __future__ import annotations

from cyclekit.cyclic.strategy import Strategy, as_floats, update_critics


class Joint(Strategy):
    def step(self, method, batch, players, step):
        x, y, objective = batch["x"], batch["y"], method.objective
        losses = {}
        fake_y = method.map_xy(x, batch)
        fake_x = method.map_yx(y, batch)
        if objective.uses_cycle_x:
            losses["cycle_x"] = objective.cycle_x(x, method.map_yx(fake_y, batch))
        if objective.uses_cycle_y:
            losses["cycle_y"] = objective.cycle_y(y, method.map_xy(fake_x, batch))
        if objective.sim_x is not None:
            losses["sim_x"] = objective.prior_x(fake_y, batch)
        if objective.sim_y is not None:
            losses["sim_y"] = objective.prior_y(fake_x, batch)
        losses.update(method.regularisers(batch, {"f", "g"}))
        players.update(("f", "g"), sum(losses.values()), step)
        report = as_floats(losses)
        report.update(update_critics(method, players, step,
                                     {"sim_x": (y, fake_y), "sim_y": (x, fake_x)}, batch))
        return report
