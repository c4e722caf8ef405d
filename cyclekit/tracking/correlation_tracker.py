"""The tracker T(box, frame_src, frame_dst) -> box of CycleTrack (Zou & Hao): differentiable
and batched.

1. A window of (1 + padding) times the box around it is cropped from frame_src and resampled
   to ``crop_size`` pixels (``grid_sample``: the crop is differentiable w.r.t. the box);
   backbone features times a cosine window give the template phi.
2. A correlation filter is solved for phi in closed form (UDT / DCFNet; see
   :mod:`cyclekit.tracking.correlation_filter`) against a Gaussian label peaking at the centre.
3. In frame_dst, K windows around the box (scale and aspect variants: sizes times
   (1, 1), (s, s), (1/s, 1/s), (a, 1/a), (1/a, a)) are cropped the same way; each gives a
   response map r_k.
4. Position: a soft-argmax of each map (softmax of ``position_temperature`` r_k / max r_k), in
   crop pixels, scaled back to the frame. Scale and aspect: a softmax over the variants'
   penalised peaks (``variant_temperature``). The box is the softmax-weighted mean.

With the softmax everywhere the output box is a smooth function of the input box, the frames
and the backbone's weights, so the cycle loss L_b(x, T(T(x, X, Y), Y, X)) trains them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from cyclekit.tracking.box_crop import crop_windows
from cyclekit.tracking.box_loss import cxcywh_to_xywh, xywh_to_cxcywh
from cyclekit.tracking.correlation_filter import (
    FourierFilter,
    filter_response,
    gaussian_label,
    solve_filter,
)
from cyclekit.tracking.tracker_backbone import TrackerBackbone


class CorrelationTracker(nn.Module):
    def __init__(self, backbone: TrackerBackbone, *, crop_size: int = 64, padding: float = 2.0,
                 filter_lambda: float = 1e-4, label_sigma: float = 0.1, scale_step: float = 1.03,
                 aspect_step: float = 1.03, scale_penalty: float = 0.99,
                 position_temperature: float = 20.0, variant_temperature: float = 100.0):
        super().__init__()
        self.backbone = backbone
        self.crop_size = crop_size
        self.padding = padding
        self.filter_lambda = filter_lambda
        self.position_temperature = position_temperature
        self.variant_temperature = variant_temperature
        sigma = label_sigma * crop_size / (1 + padding)  # label_sigma times the target's size
        self.register_buffer("label", gaussian_label(crop_size, sigma), persistent=False)
        hann = torch.hann_window(crop_size, periodic=False)
        self.register_buffer("cosine_window", hann[:, None] * hann[None, :], persistent=False)
        factors = [(1.0, 1.0)]
        if scale_step != 1:
            factors += [(scale_step, scale_step), (1 / scale_step, 1 / scale_step)]
        if aspect_step != 1:
            factors += [(aspect_step, 1 / aspect_step), (1 / aspect_step, aspect_step)]
        self.register_buffer("factors", torch.tensor(factors), persistent=False)
        penalties = [1.0] + [scale_penalty] * (len(factors) - 1)
        self.register_buffer("penalties", torch.tensor(penalties), persistent=False)
        offsets = torch.arange(crop_size, dtype=torch.float32) - crop_size // 2
        self.register_buffer("offsets", offsets, persistent=False)

    # -- parts -------------------------------------------------------------------------------

    def features(self, crops: torch.Tensor) -> torch.Tensor:
        """Backbone features times the cosine window, for crops (..., 3, S, S)."""
        lead = crops.shape[:-3]
        feats = self.backbone(crops.reshape(-1, *crops.shape[-3:]))
        return (feats * self.cosine_window).reshape(*lead, *feats.shape[1:])

    def windows(self, boxes: torch.Tensor, factors: torch.Tensor) -> torch.Tensor:
        """Search windows (B, K, 4) ``cx, cy, w, h`` around ``boxes`` (B, 4) ``x, y, w, h``."""
        centre = xywh_to_cxcywh(boxes)
        size = centre[:, None, 2:] * factors[None] * (1 + self.padding)
        return torch.cat([centre[:, None, :2].expand_as(size), size], dim=-1)

    def template(self, frames: torch.Tensor, boxes: torch.Tensor) -> FourierFilter:
        """The filter learned from the target at ``boxes`` in ``frames`` (batch B)."""
        windows = self.windows(boxes, self.factors[:1])
        phi = self.features(crop_windows(frames, windows, self.crop_size))[:, 0]
        return solve_filter(phi, self.label, self.filter_lambda)

    def search(self, filt: FourierFilter, frames: torch.Tensor, boxes: torch.Tensor,
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Response maps (B, K, S, S) of the K scale/aspect windows around ``boxes``."""
        windows = self.windows(boxes, self.factors)
        z = self.features(crop_windows(frames, windows, self.crop_size))
        filt = FourierFilter(filt.numerator[:, None], filt.denominator[:, None])
        return filter_response(filt, z), windows

    def locate(self, responses: torch.Tensor, windows: torch.Tensor, boxes: torch.Tensor,
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-variant boxes (B, K, 4) ``cx, cy, w, h`` by soft-argmax, and their penalised
        peak scores (B, K)."""
        peaks = responses.flatten(-2).amax(-1)
        scale = peaks.detach().abs().clamp_min(1e-6)[..., None, None]
        logits = self.position_temperature * responses / scale
        probs = torch.softmax(logits.flatten(-2), -1).view_as(responses)
        dy = (probs.sum(-1) * self.offsets).sum(-1)
        dx = (probs.sum(-2) * self.offsets).sum(-1)
        step = windows[..., 2:] / self.crop_size
        centre = windows[..., :2] + torch.stack([dx, dy], -1) * step
        size = xywh_to_cxcywh(boxes)[:, None, 2:] * self.factors[None]
        return torch.cat([centre, size], -1), peaks * self.penalties

    def forward(self, boxes: torch.Tensor, frames_src: torch.Tensor, frames_dst: torch.Tensor,
                ) -> torch.Tensor:
        """T(box, frame_src, frame_dst): boxes (B, 4) ``x, y, w, h`` frame-normalised."""
        filt = self.template(frames_src, boxes)
        responses, windows = self.search(filt, frames_dst, boxes)
        candidates, scores = self.locate(responses, windows, boxes)
        top = scores.detach().amax(-1, keepdim=True).abs().clamp_min(1e-6)
        weights = torch.softmax(self.variant_temperature * scores / top, -1)
        return cxcywh_to_xywh((weights[..., None] * candidates).sum(1))


def frames_to_tensor(frames, device=None) -> torch.Tensor:
    """uint8 (H, W, 3) or (B, H, W, 3) arrays to float (B, 3, H, W) in [-1, 1]."""
    array = np.asarray(frames)
    tensor = torch.from_numpy(array if array.flags.writeable else array.copy()).to(device)
    if tensor.dim() == 3:
        tensor = tensor[None]
    return tensor.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def normalise_boxes(boxes: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """Pixel ``x, y, w, h`` -> frame-normalised."""
    return boxes / boxes.new_tensor([width, height, width, height])


def pixel_boxes(boxes: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """Frame-normalised ``x, y, w, h`` -> pixels."""
    return boxes * boxes.new_tensor([width, height, width, height])

