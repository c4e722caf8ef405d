"""Prior matching by candidate boxes: CycleTrack's D_sim (Zou & Hao, tracking application).

    D_sim(T(x, X, Y), Y) = L_b(T(x, X, Y), y~),   y~ = argmax_{y in BOX_Y} IoU(y, T(x, X, Y))

BOX_Y, the candidate boxes of frame Y, come with the batch (``candidates_y`` (B, K, 4) and
``candidates_mask`` (B, K)); the choice of y~ is not differentiated. Samples without any
candidate do not count.
"""

from __future__ import annotations

import torch

from cyclekit.cyclic.prior_matching import PriorMatching
from cyclekit.errors import ConfigError
from cyclekit.tracking.box_loss import BoxLoss, box_iou


def best_candidates(boxes: torch.Tensor, candidates: torch.Tensor, mask: torch.Tensor,
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """For each of ``boxes`` (B, 4) the candidate (B, 4) of highest IoU among the valid ones,
    and whether the sample had any valid candidate (B,)."""
    ious = box_iou(boxes.detach()[:, None], candidates).masked_fill(~mask, -1.0)
    index = ious.argmax(dim=1)
    chosen = candidates[torch.arange(len(boxes), device=boxes.device), index]
    return chosen, mask.any(dim=1)


class CandidateMatching(PriorMatching):
    has_critic = False

    def __init__(self, box_loss: BoxLoss):
        super().__init__()
        self.box_loss = box_loss

    def mapping_loss(self, fake: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        if batch is None or "candidates_y" not in batch:
            raise ConfigError("candidate matching needs the batch's candidates_y and "
                              "candidates_mask")
        chosen, valid = best_candidates(fake, batch["candidates_y"], batch["candidates_mask"])
        return self.box_loss(chosen, fake, weights=valid.to(fake.dtype))
