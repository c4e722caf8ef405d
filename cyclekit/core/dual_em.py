"""Dual EM-iteration optimisation (seed 000, Algorithm 1).

    while not converged:
        while insufficient loss decrease:          # phase "g"
            y_hat = f(x)  (f frozen)               # E: pseudo-labels
            update g on D_cyc^X(x, g(y_hat))       # M
        while insufficient loss decrease:          # phase "f"
            x_hat = g(y)  (g frozen)
            update f on D_cyc^Y(y, f(x_hat))

A method with prior-matching terms keeps them in the phase of the mapping they judge
(D_sim^Y(g(y), X) with g, D_sim^X(f(x), Y) with f), so CycleGAN can be trained by EM too.
The stopping rule watches the phase's cycle term (its whole loss if it has none); every
phase switch is logged as an ``em_switch`` event and the rule's state is checkpointed.
"""

from __future__ import annotations

import torch

from cyclekit.core.stopping import InsufficientDecrease
from cyclekit.core.strategy import Strategy, as_floats, update_critics


class DualEM(Strategy):
    def __init__(self, config):
        super().__init__(config)
        self.phase = config.first_phase
        self.completed_phases = 0
        self.rule = InsufficientDecrease(
            tolerance=config.tolerance, ema_beta=config.ema_beta, check_every=config.check_every,
            min_steps=config.min_inner_steps, max_steps=config.max_inner_steps)

    def step(self, method, batch, players, step):
        if self.phase == "g":
            losses, critic_pair = self._phase_g(method, batch)
        else:
            losses, critic_pair = self._phase_f(method, batch)
        players.update((self.phase,), sum(losses.values()), step)
        report = as_floats(losses)
        report.update(update_critics(method, players, step, critic_pair))
        watched = "cycle_x" if self.phase == "g" else "cycle_y"
        monitored = report.get(watched, sum(report[name] for name in losses))
        reason = self.rule.update(monitored)
        if reason is not None:
            self._switch(step, reason)
        return report

    def log_values(self):
        return {"em/phase_is_f": float(self.phase == "f"), "em/inner_steps": float(self.rule.steps),
                "em/completed_phases": float(self.completed_phases)}

    def _phase_g(self, method, batch):
        x, y, objective = batch["x"], batch["y"], method.objective
        losses = {}
        if objective.uses_cycle_x:
            with torch.no_grad():
                y_hat = method.map_xy(x, batch)
            losses["cycle_x"] = objective.cycle_x(x, method.map_yx(y_hat, batch))
        critic_pair = {}
        if objective.sim_y is not None:
            fake_x = method.map_yx(y, batch)
            losses["sim_y"] = objective.prior_y(fake_x, batch)
            critic_pair["sim_y"] = (x, fake_x)
        losses.update(method.regularisers(batch, {"g"}))
        return losses, critic_pair

    def _phase_f(self, method, batch):
        x, y, objective = batch["x"], batch["y"], method.objective
        losses = {}
        if objective.uses_cycle_y:
            with torch.no_grad():
                x_hat = method.map_yx(y, batch)
            losses["cycle_y"] = objective.cycle_y(y, method.map_xy(x_hat, batch))
        critic_pair = {}
        if objective.sim_x is not None:
            fake_y = method.map_xy(x, batch)
            losses["sim_x"] = objective.prior_x(fake_y, batch)
            critic_pair["sim_x"] = (y, fake_y)
        losses.update(method.regularisers(batch, {"f"}))
        return losses, critic_pair

    def _switch(self, step: int, reason: str) -> None:
        self.events.append({
            "event": "em_switch", "step": step, "phase": self.phase,
            "inner_steps": self.rule.steps, "reason": reason, "loss_ema": self.rule.ema,
            "relative_improvement": self.rule.last_improvement,
            "next_phase": "f" if self.phase == "g" else "g",
        })
        self.phase = "f" if self.phase == "g" else "g"
        self.completed_phases += 1
        self.rule.reset()

    def state_dict(self):
        return {"phase": self.phase, "completed_phases": self.completed_phases,
                "rule": self.rule.state_dict()}

    def load_state_dict(self, state):
        self.phase = state["phase"]
        self.completed_phases = state["completed_phases"]
        self.rule.load_state_dict(state["rule"])
