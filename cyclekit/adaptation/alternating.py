"""Alternating player updates: each player of a method steps on its own loss, in turn.

Hou et al.'s Algorithm 1 ("Variational Transfer Learning using Cross-Domain Latent
Modulation", Eq. 21-22) updates CDLM's inference model and its generative model
with different losses, optimisers and numbers of inner updates per iteration; the cyclic
strategies cannot express that (it steps every mapping on one sum). Every adaptation method is
trained this way: it says which players to update, in which order and how often
(``update_schedule() -> [(player, count), ...]``), and gives each player's losses
(``player_losses(batch, player, step) -> dict``), recomputed before every update so that each
one sees the weights the previous one left.
"""

from __future__ import annotations

from cyclekit.cyclic.strategy import Strategy, as_floats


class Alternating(Strategy):
    def step(self, method, batch, players, step):
        report: dict[str, float] = {}
        for player, count in method.update_schedule():
            for _ in range(count):
                losses = method.player_losses(batch, player, step)
                players.update((player,), sum(losses.values()), step)
            report.update({f"{player}/{name}": value for name, value in as_floats(losses).items()})
        return report
