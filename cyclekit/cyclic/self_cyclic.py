"""Self-cyclic optimisation (Zou & Hao): one shared mapping T serves both directions.

``half``: the X -> Y -> X half of the objective in one step,
    L = D_cyc(x, T_back(T_fwd(x))) + D_sim(T_fwd(x), Y)
``em``: a single EM iteration per step,
    E: y_hat = T_fwd(x) with T frozen;   M: L = D_cyc(x, T_back(y_hat)).
The method's ``map_xy`` / ``map_yx`` are the forward and backward uses of the one mapping
(e.g. tracking from frame X to frame Y and back); its ``cycle_x_loss`` the cycle term.
"""

from __future__ import annotations

import torch

from cyclekit.cyclic.strategy import Strategy, as_floats


class SelfCyclic(Strategy):
    def step(self, method, batch, players, step):
        x, objective = batch["x"], method.objective
        losses = {}
        if self.config.self_cyclic_mode == "em":
            with torch.no_grad():
                y_hat = method.map_xy(x, batch)
            losses["cycle_x"] = method.cycle_x_loss(x, y_hat, batch)
        else:
            y_hat = method.map_xy(x, batch)
            losses["cycle_x"] = method.cycle_x_loss(x, y_hat, batch)
            if objective.sim_x is not None:
                losses["sim_x"] = objective.prior_x(y_hat, batch)
        losses.update(method.regularisers(batch, {"f"}))
        players.update(("f",), sum(losses.values()), step)
        return as_floats(losses)
