"""Synthetic unlabeled video for training trackers: a moving target over a panning, zooming
photo, with scale and aspect change, distractors and occlusion.

Every video is a parametric function of time, drawn from ``(seed, index)``, so any frame can
be rendered on its own (random access, deterministic). Layers, back to front: the background
(a window of a photo that pans and zooms: the camera), distractors (crops of other photos,
half of them from the target's own photo so they look alike), the target (a photo crop,
rectangular or elliptical, whose centre drifts and oscillates, reflected at the frame's
border, while its scale and aspect oscillate), and an occluder that crosses the target's path
with probability ``occlusion_probability``.

:meth:`SyntheticVideo.box` is the target's exact box (its full extent, also when occluded).
It exists to test the generator and to score trackers on held-out clips; training never
reads it (see :class:`cyclekit.tracking.video_pairs.VideoPairBatcher`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from cyclekit.errors import DataError

LAYERS = ("background", "distractors", "target", "occluder")


@dataclass(frozen=True)
class SyntheticVideoSpec:
    """Frame size, clip length and the ranges the per-video parameters are drawn from.

    Sizes are fractions of the frame's shorter side; speeds in pixels per frame."""

    width: int = 192
    height: int = 144
    length: int = 40
    target_side: tuple[float, float] = (0.12, 0.3)
    target_speed: float = 2.5
    scale_change: float = 0.25
    aspect_change: float = 0.2
    camera_pan: float = 1.5
    camera_zoom: float = 0.004
    max_distractors: int = 2
    occlusion_probability: float = 0.3

    def validate(self) -> None:
        if self.width < 16 or self.height < 16 or self.length < 2:
            raise DataError(f"synthetic video of {self.width}x{self.height} px and "
                            f"{self.length} frames is too small (need >= 16 px, >= 2 frames)")
        low, high = self.target_side
        if not 0 < low <= high < 0.8:
            raise DataError(f"target_side {self.target_side} must satisfy 0 < low <= high < 0.8")


def _reflect(value: np.ndarray | float, low: float, high: float):
    """Fold ``value`` into [low, high] as a ball bouncing between two walls."""
    span = max(high - low, 1e-6)
    folded = np.mod(np.asarray(value) - low, 2 * span)
    return low + np.where(folded > span, 2 * span - folded, folded)


class _Mover:
    """Centre = fold(c0 + v t + A sin(w t + p)); log size and log aspect oscillate."""

    def __init__(self, rng: np.random.Generator, spec: SyntheticVideoSpec, side: float,
                 speed: float):
        short = min(spec.width, spec.height)
        self.side = side * short
        self.aspect = float(np.exp(rng.uniform(-0.5, 0.5)))
        self.scale_amp = rng.uniform(0, spec.scale_change)
        self.aspect_amp = rng.uniform(0, spec.aspect_change)
        self.scale_freq, self.aspect_freq = rng.uniform(0.02, 0.15, size=2)
        self.scale_phase, self.aspect_phase = rng.uniform(0, 2 * np.pi, size=2)
        self.start = rng.uniform([0, 0], [spec.width, spec.height])
        angle = rng.uniform(0, 2 * np.pi)
        self.velocity = rng.uniform(0.2, 1.0) * speed * np.array([np.cos(angle), np.sin(angle)])
        self.wobble = rng.uniform(0, 2 * speed, size=2) * 3
        self.wobble_freq = rng.uniform(0.05, 0.3, size=2)
        self.wobble_phase = rng.uniform(0, 2 * np.pi, size=2)
        self.frame = (spec.width, spec.height)

    def size(self, t: float) -> np.ndarray:
        scale = self.side * np.exp(self.scale_amp * np.sin(self.scale_freq * t + self.scale_phase))
        aspect = self.aspect * np.exp(
            self.aspect_amp * np.sin(self.aspect_freq * t + self.aspect_phase))
        return np.array([scale * np.sqrt(aspect), scale / np.sqrt(aspect)])

    def box(self, t: float) -> np.ndarray:
        size = self.size(t)
        raw = (self.start + self.velocity * t
               + self.wobble * np.sin(self.wobble_freq * t + self.wobble_phase))
        margin = np.minimum(size / 2, np.array(self.frame) / 2 - 1)
        centre = [_reflect(raw[i], margin[i], self.frame[i] - margin[i]) for i in range(2)]
        return np.array([centre[0] - size[0] / 2, centre[1] - size[1] / 2, size[0], size[1]])


class _Occluder:
    """Crosses the target's centre at time ``when`` in a straight line."""

    def __init__(self, rng: np.random.Generator, target: _Mover, length: int, speed: float):
        self.when = rng.uniform(0.2, 0.8) * length
        self.meet = target.box(self.when)
        self.meet = self.meet[:2] + self.meet[2:] / 2
        angle = rng.uniform(0, 2 * np.pi)
        self.velocity = rng.uniform(1.0, 2.0) * speed * np.array([np.cos(angle), np.sin(angle)])
        self.size = target.size(self.when) * rng.uniform(0.6, 1.2, size=2)

    def box(self, t: float) -> np.ndarray:
        centre = self.meet + self.velocity * (t - self.when)
        return np.concatenate([centre - self.size / 2, self.size])


class SyntheticVideo:
    """One video: ``frame(t)`` (H, W, 3) uint8 and ``box(t)`` (x, y, w, h) pixels."""

    def __init__(self, photos: list[np.ndarray], spec: SyntheticVideoSpec, seed: int,
                 index: int):
        if len(photos) < 2:
            raise DataError(f"synthetic video needs at least 2 photos, got {len(photos)}")
        self.spec = spec
        rng = np.random.default_rng([seed, index])
        self._photos = photos
        picks = rng.choice(len(photos), size=2, replace=False)
        self._background = int(picks[0])
        self._camera_start = rng.uniform(0.3, 0.7, size=2)
        angle = rng.uniform(0, 2 * np.pi)
        self._camera_velocity = rng.uniform(0, spec.camera_pan) * np.array(
            [np.cos(angle), np.sin(angle)])
        self._camera_view = rng.uniform(0.55, 0.9)
        self._camera_zoom = rng.uniform(-spec.camera_zoom, spec.camera_zoom)

        self.target = _Mover(rng, spec, rng.uniform(*spec.target_side), spec.target_speed)
        self._target_texture = self._texture(rng, int(picks[1]))
        self._distractors = []
        for _ in range(int(rng.integers(0, spec.max_distractors + 1))):
            photo = int(picks[1]) if rng.random() < 0.5 else int(rng.integers(len(photos)))
            side = rng.uniform(*spec.target_side)
            self._distractors.append((_Mover(rng, spec, side, spec.target_speed),
                                      self._texture(rng, photo)))
        self._occluder = None
        if rng.random() < spec.occlusion_probability:
            self._occluder = (_Occluder(rng, self.target, spec.length, spec.target_speed),
                              self._texture(rng, int(rng.integers(len(photos))), ellipse=False))

    def __len__(self) -> int:
        return self.spec.length

    def _texture(self, rng: np.random.Generator, photo_index: int, ellipse: bool | None = None,
                 ) -> tuple[torch.Tensor, bool]:
        """A random crop of a photo with a colour gain, and whether it is drawn as an ellipse."""
        photo = self._photos[photo_index]
        height, width = photo.shape[:2]
        side = int(rng.integers(max(8, min(height, width) // 6), max(9, min(height, width) // 2)))
        aspect = np.exp(rng.uniform(-0.4, 0.4))
        h = int(np.clip(side / np.sqrt(aspect), 4, height))
        w = int(np.clip(side * np.sqrt(aspect), 4, width))
        top, left = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
        crop = torch.tensor(photo[top:top + h, left:left + w])
        gain = torch.from_numpy(rng.uniform(0.75, 1.3, size=3).astype(np.float32))
        texture = (crop.permute(2, 0, 1).float() / 255 * gain[:, None, None]).clamp(0, 1)
        return texture, bool(rng.random() < 0.5) if ellipse is None else ellipse

    def box(self, t: float) -> np.ndarray:
        """The target's exact box at frame ``t`` (its full extent, even when occluded)."""
        return self.target.box(t)

    def frame(self, t: int) -> np.ndarray:
        return self.render(t)

    def render(self, t: int, layers: tuple[str, ...] = LAYERS) -> np.ndarray:
        """Frame ``t`` with the chosen layers (for tests: e.g. without the target)."""
        image = torch.zeros(3, self.spec.height, self.spec.width)
        if "background" in layers:
            image = self._background_at(t)
        if "distractors" in layers:
            for mover, texture in self._distractors:
                image = _paste(image, texture, mover.box(t))
        if "target" in layers:
            image = _paste(image, self._target_texture, self.box(t))
        if "occluder" in layers and self._occluder is not None:
            occluder, texture = self._occluder
            image = _paste(image, texture, occluder.box(t))
        return (image * 255).round().clamp(0, 255).byte().permute(1, 2, 0).numpy()

    def clip(self, length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Frames (L, H, W, 3) uint8 and exact target boxes (L, 4) of the first L frames."""
        length = length or self.spec.length
        return (np.stack([self.frame(t) for t in range(length)]),
                np.stack([self.box(t) for t in range(length)]))

    def _background_at(self, t: int) -> torch.Tensor:
        photo = torch.tensor(self._photos[self._background]).permute(2, 0, 1).float() / 255
        height, width = photo.shape[1:]
        view_w = min(self._camera_view * width,
                     self._camera_view * height * self.spec.width / self.spec.height)
        view_w *= np.exp(self._camera_zoom * t)
        view_h = view_w * self.spec.height / self.spec.width
        centre = self._camera_start * np.array([width, height]) + self._camera_velocity * t
        theta = torch.tensor([[[view_w / width, 0, 2 * centre[0] / width - 1],
                               [0, view_h / height, 2 * centre[1] / height - 1]]],
                             dtype=torch.float32)
        grid = F.affine_grid(theta, [1, 3, self.spec.height, self.spec.width], align_corners=False)
        return F.grid_sample(photo[None], grid, mode="bilinear", padding_mode="reflection",
                             align_corners=False)[0]


def _paste(image: torch.Tensor, item: tuple[torch.Tensor, bool], box: np.ndarray,
           ) -> torch.Tensor:
    """``image`` with ``texture`` resampled into ``box`` (pixels whose centre is inside it)."""
    texture, ellipse = item
    height, width = image.shape[1:]
    x, y, w, h = (float(v) for v in box)
    u = (torch.arange(width) + 0.5 - x) / w * 2 - 1
    v = (torch.arange(height) + 0.5 - y) / h * 2 - 1
    gv, gu = torch.meshgrid(v, u, indexing="ij")
    inside = (gu ** 2 + gv ** 2 <= 1) if ellipse else ((gu.abs() <= 1) & (gv.abs() <= 1))
    if not inside.any():
        return image
    grid = torch.stack([gu, gv], -1)[None]
    sampled = F.grid_sample(texture[None], grid, mode="bilinear", padding_mode="border",
                            align_corners=False)[0]
    return torch.where(inside, sampled, image)


class SyntheticVideos:
    """The family of videos ``index -> SyntheticVideo`` over a pool of photos."""

    def __init__(self, photos: list[np.ndarray], spec: SyntheticVideoSpec, seed: int,
                 count: int):
        spec.validate()
        self.photos, self.spec, self.seed, self.count = photos, spec, seed, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> SyntheticVideo:
        if not 0 <= index < self.count:
            raise IndexError(index)
        return SyntheticVideo(self.photos, self.spec, self.seed, index)
