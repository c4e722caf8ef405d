"""Dual EM-iteration optimisation (Zou & Hao, Algorithm 1).

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

from cyclekit.cyclic.stopping import InsufficientDecrease
from cyclekit.cyclic.strategy import Strategy, as_floats, update_critics


class DualEM(Strategy):
    def __init__(self, config):
        super().__init__(config)
        self.phase = config.first_phase
        self.completed_phases = 0
        self.rule = InsufficientDecrease(
            tolerance=config.tolerance, ema_beta=config.ema_beta, check_every=config.check_every,
            min_steps=config.min_inner_steps, max_steps=config.max_inner_steps)

    def step(self, method, batch, players, step):
        losses, critic_pair = self._phase_losses(method, batch)
        players.update((self.phase,), sum(losses.values()), step)
        report = as_floats(losses)
        report.update(update_critics(method, players, step, critic_pair, batch))
        watched = "cycle_x" if self.phase == "g" else "cycle_y"
        monitored = report.get(watched, sum(report[name] for name in losses))
        # Each data-parallel rank sees its own share of the batch: they decide on the mean.
        reason = self.rule.update(players.mean_over_ranks(monitored))
        if reason is not None:
            self._switch(step, reason)
        return report

    def log_values(self):
        return {"em/phase_is_f": float(self.phase == "f"), "em/inner_steps": float(self.rule.steps),
                "em/completed_phases": float(self.completed_phases)}

    def _phase_losses(self, method, batch):
        """Losses of the mapping updated in this phase, and the pair its critic sees.

        Phase "g": source x, pseudo-label f(x), cycle term D_cyc^X, prior D_sim^Y(g(y), X).
        Phase "f": the mirror image (source y, pseudo-label g(y), D_cyc^Y, D_sim^X(f(x), Y)).
        """
        objective = method.objective
        if self.phase == "g":
            source, other = batch["x"], batch["y"]
            frozen, trained = method.map_xy, method.map_yx
            cycle_name, uses_cycle, cycle = "cycle_x", objective.uses_cycle_x, objective.cycle_x
            sim_name, sim, prior = "sim_y", objective.sim_y, objective.prior_y
        else:
            source, other = batch["y"], batch["x"]
            frozen, trained = method.map_yx, method.map_xy
            cycle_name, uses_cycle, cycle = "cycle_y", objective.uses_cycle_y, objective.cycle_y
            sim_name, sim, prior = "sim_x", objective.sim_x, objective.prior_x
        losses, critic_pair = {}, {}
        if uses_cycle:
            with torch.no_grad():
                pseudo_label = frozen(source, batch)  # E step: the frozen mapping's prediction
            losses[cycle_name] = cycle(source, trained(pseudo_label, batch))  # M step
        if sim is not None:
            fake = trained(other, batch)
            losses[sim_name] = prior(fake, batch)
            critic_pair[sim_name] = (source, fake)
        losses.update(method.regularisers(batch, {self.phase}))
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
