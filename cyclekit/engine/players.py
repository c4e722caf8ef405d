"""The optimisers of a method, one per *player* ('f', 'g', 'sim_x', 'sim_y', ...).

Every update goes through :meth:`Players.update`, which is where the two safety rules of the
trainer live: gradients are averaged across processes (data-parallel training), and a
non-finite loss or gradient never reaches the weights (the update is skipped and logged; too
many in a row stop the run with a clear error).

Why not DDP's module wrapper: cyclic training calls a mapping several times per backward
(f(x) and f(g(y))), under ``no_grad`` in EM phases, and alternates players; averaging the
gradients of exactly the players being stepped is simpler and always correct.

The backward pass computes the gradients of the stepped players' parameters only: an idle
player's would be cleared unread before its own update, so skipping their weight gradients
(a decoder's, in CDLM's encoder update) changes no weight and saves 6-10% of a CDLM step
(``benchmarks/backward_pruning.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable

import torch
from lightning.fabric import Fabric
from torch import nn

from cyclekit.errors import CyclekitError


class TrainingDiverged(CyclekitError):
    """Raised after too many consecutive non-finite updates."""


class Players:
    def __init__(self, fabric: Fabric, params: dict[str, list[nn.Parameter]],
                 make_optimizer: Callable[[str, list[nn.Parameter]], torch.optim.Optimizer],
                 lr_factor: Callable[[int], float], max_nonfinite: int):
        self.fabric = fabric
        self.params = {name: list(group) for name, group in params.items() if group}
        self.optimizers = {name: make_optimizer(name, group) for name, group in self.params.items()}
        self.schedulers = {name: torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
                           for name, opt in self.optimizers.items()}
        self.max_nonfinite = max_nonfinite
        self.consecutive_nonfinite = 0
        self.skipped_updates = 0
        self.events: list[dict] = []

    def __contains__(self, name: str) -> bool:
        return name in self.optimizers

    def update(self, names: Iterable[str], loss: torch.Tensor, step: int) -> bool:
        """Backpropagate ``loss`` and step the optimisers of ``names``; False if skipped."""
        names = [name for name in names if name in self.optimizers]
        for optimizer in self.optimizers.values():
            optimizer.zero_grad(set_to_none=True)
        if not self._all_ranks_finite(loss.detach()):
            return self._skip(names, step, "loss")
        stepped = [p for name in names for p in self.params[name] if p.requires_grad]
        self.fabric.backward(loss, inputs=stepped or None)
        grads = [p.grad for p in stepped if p.grad is not None]
        if self.fabric.world_size > 1:
            self._average(grads)
        if grads and not self._all_ranks_finite(torch.stack([g.detach().abs().sum() for g in grads])):
            for optimizer in self.optimizers.values():
                optimizer.zero_grad(set_to_none=True)
            return self._skip(names, step, "gradient")
        for name in names:
            self.optimizers[name].step()
        self.consecutive_nonfinite = 0
        return True

    def drain_events(self) -> list[dict]:
        events, self.events = self.events, []
        return events

    def step_schedulers(self) -> None:
        """Advance every schedule by one global step (players idle in an EM phase too)."""
        with warnings.catch_warnings():  # an idle player's schedule moves before its first step
            warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step")
            for scheduler in self.schedulers.values():
                scheduler.step()

    def learning_rates(self) -> dict[str, float]:
        return {name: opt.param_groups[0]["lr"] for name, opt in self.optimizers.items()}

    def state_dict(self) -> dict:
        return {"optimizers": {n: o.state_dict() for n, o in self.optimizers.items()},
                "schedulers": {n: s.state_dict() for n, s in self.schedulers.items()},
                "consecutive_nonfinite": self.consecutive_nonfinite,
                "skipped_updates": self.skipped_updates}

    def load_state_dict(self, state: dict) -> None:
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state["optimizers"][name])
            self.schedulers[name].load_state_dict(state["schedulers"][name])
        self.consecutive_nonfinite = state["consecutive_nonfinite"]
        self.skipped_updates = state["skipped_updates"]

    def mean_over_ranks(self, value: float) -> float:
        """``value`` averaged over the data-parallel ranks (``value`` itself with one process),
        for a decision every rank must take alike."""
        if self.fabric.world_size == 1:
            return value
        return self.fabric.all_reduce(torch.tensor(value, dtype=torch.float64),
                                      reduce_op="mean").item()

    def _all_ranks_finite(self, values: torch.Tensor) -> bool:
        flag = torch.isfinite(values).all().to(torch.float32)
        if self.fabric.world_size > 1:
            flag = self.fabric.all_reduce(flag, reduce_op="min")
        return bool(flag.item())

    def _average(self, grads: list[torch.Tensor]) -> None:
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])
        flat = self.fabric.all_reduce(flat, reduce_op="mean")
        offset = 0
        for g in grads:
            g.copy_(flat[offset: offset + g.numel()].view_as(g))
            offset += g.numel()

    def _skip(self, names: list[str], step: int, what: str) -> bool:
        self.consecutive_nonfinite += 1
        self.skipped_updates += 1
        self.events.append({"event": "nonfinite_skip", "step": step, "players": names,
                            "where": what, "consecutive": self.consecutive_nonfinite})
        if self.consecutive_nonfinite > self.max_nonfinite:
            raise TrainingDiverged(
                f"non-finite {what} in {self.consecutive_nonfinite} consecutive updates at step "
                f"{step}; lower train.lr")
        return False
