"""Training-step throughput of CycleGAN and CycleGN: cyclekit's step against a plain loop.

    python -m benchmarks throughput [--sizes 32 64] [--reps 5] [--quick] [--out DIR]

For each method and image size the script times, on the same synthetic uint8 images and the
same machine, interleaved (A B C A B C ...):

* ``reference``: what a straightforward port of the original CycleGAN training code looks
  like, written out below: a per-sample ``Dataset`` (uint8 HWC -> float CHW, normalise,
  random unaligned Y index), a ``DataLoader``, one Adam for both generators and one for both
  discriminators, separate real/fake discriminator passes, a list-based image pool and
  ``.item()`` on every loss. CycleGN's reference trains the same generators by alternating
  EM phases (no_grad pseudo-label, L1, one Adam per generator) from the same loader.
* ``cyclekit`` variants: the library's own step (the run object over in-memory tensors, as
  the trainer steps: ``UnpairedBatcher``, the method's players and strategy, the schedules)
  with ``train.channels_last``
  on (the package default) or off, and with ``torch.compile`` of the generators and
  discriminators.

Images/s are ``batch * steps / seconds`` per repetition; the table gives medians, min/max and
the ratio to the reference (of medians, and min/max of the per-repetition ratios). FLOPs of
one step come from ``torch.utils.flop_counter.FlopCounterMode``; the fraction of peak is
relative to this machine's measured fp32 matmul rate (2048^3 matmuls, median).
Writes ``throughput.json`` and ``throughput.md`` (generated from the JSON) into ``--out``.
"""

from __future__ import annotations

import itertools
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.arguments import study_parser
from benchmarks.results_table import utc_now, write_result
from cyclekit.config import build_config
from cyclekit.data.domain import DomainData
from cyclekit.data.pair import DomainPair, DomainSplits
from cyclekit.data.transforms import to_model_images
from cyclekit.engine.run import Run, make_fabric
from cyclekit.nets.init import init_weights
from cyclekit.translation.patch_discriminator import (
    PatchDiscriminator,
    n_layers_for_image_size,
)
from cyclekit.translation.resnet_generator import ResnetGenerator

FULL_MODEL = {"generator_channels": 64, "generator_blocks": 6, "discriminator_channels": 64}
QUICK_MODEL = {"generator_channels": 8, "generator_blocks": 1, "discriminator_channels": 8}
VARIANTS = {  # name: (channels_last, compiled, train.precision)
    "eager_contiguous": (False, False, "32-true"),
    "eager_channels_last": (True, False, "32-true"),
    "eager_bf16": (False, False, "bf16-mixed"),
    "compiled_contiguous": (False, True, "32-true"),
    "compiled_channels_last": (True, True, "32-true"),
}
DEFAULT_VARIANTS = ("eager_contiguous", "eager_channels_last", "eager_bf16", "compiled_contiguous")
METHODS = {"cyclegan": "joint", "cyclegn": "em"}
LAMBDA_CYCLE = 10.0
EM_PHASE_STEPS = 50  # the reference's fixed EM phase length (cyclekit: min_inner_steps = 50)


# --------------------------------------------------------------------------------------------
# Synthetic data: the same uint8 HWC arrays feed both paths.
# --------------------------------------------------------------------------------------------

def synthetic_domains(count: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = (count, size, size, 3)
    return (rng.integers(0, 256, shape, dtype=np.uint8), rng.integers(0, 256, shape, dtype=np.uint8))


# --------------------------------------------------------------------------------------------
# The reference: a straightforward loop, the way the original training script is written.
# --------------------------------------------------------------------------------------------

class UnalignedImages(Dataset):
    """One sample at a time: A[i] and a random B, each converted and normalised to [-1, 1]."""

    def __init__(self, images_a: np.ndarray, images_b: np.ndarray):
        self.images_a = images_a
        self.images_b = images_b

    def __len__(self) -> int:
        return max(len(self.images_a), len(self.images_b))

    @staticmethod
    def to_tensor(image: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(image.transpose(2, 0, 1).copy()).float().div(255.0)  # ToTensor
        mean = torch.tensor([0.5, 0.5, 0.5]).view(3, 1, 1)
        std = torch.tensor([0.5, 0.5, 0.5]).view(3, 1, 1)
        return (tensor - mean) / std  # Normalize

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        a = self.images_a[index % len(self.images_a)]
        b = self.images_b[random.randint(0, len(self.images_b) - 1)]
        return {"A": self.to_tensor(a), "B": self.to_tensor(b)}


class ImagePool:
    """The history of generated images, kept in a Python list."""

    def __init__(self, pool_size: int):
        self.pool_size = pool_size
        self.images: list[torch.Tensor] = []

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.pool_size == 0:
            return images
        chosen = []
        for image in images:
            image = image.detach().unsqueeze(0)
            if len(self.images) < self.pool_size:
                self.images.append(image)
                chosen.append(image)
            elif random.random() > 0.5:
                slot = random.randint(0, self.pool_size - 1)
                old = self.images[slot].clone()
                self.images[slot] = image
                chosen.append(old)
            else:
                chosen.append(image)
        return torch.cat(chosen, 0)


def set_requires_grad(nets: list[torch.nn.Module], flag: bool) -> None:
    for net in nets:
        for param in net.parameters():
            param.requires_grad = flag


class ReferenceLoop:
    """Plain CycleGAN (joint) or CycleGN (alternating EM) training, one ``step()`` per batch."""

    def __init__(self, method: str, images_a: np.ndarray, images_b: np.ndarray, size: int,
                 batch_size: int, model: dict, seed: int):
        torch.manual_seed(seed)
        random.seed(seed)
        self.method = method
        self.loader = DataLoader(UnalignedImages(images_a, images_b), batch_size=batch_size,
                                 shuffle=True, num_workers=0, drop_last=True)
        self.batches = iter(self.loader)

        def generator():
            net = ResnetGenerator(3, 3, base_channels=model["generator_channels"],
                                  n_blocks=model["generator_blocks"], norm="instance")
            return init_weights(net, "normal", 0.02)

        def discriminator():
            net = PatchDiscriminator(3, base_channels=model["discriminator_channels"],
                                     n_layers=n_layers_for_image_size(size), norm="instance")
            return init_weights(net, "normal", 0.02)

        self.G_A, self.G_B = generator(), generator()  # G_A: A -> B, G_B: B -> A
        if method == "cyclegan":
            self.D_A, self.D_B = discriminator(), discriminator()  # D_A judges G_A(A) against B
            self.optimizer_G = torch.optim.Adam(
                itertools.chain(self.G_A.parameters(), self.G_B.parameters()), lr=2e-4, betas=(0.5, 0.999))
            self.optimizer_D = torch.optim.Adam(
                itertools.chain(self.D_A.parameters(), self.D_B.parameters()), lr=2e-4, betas=(0.5, 0.999))
            self.fake_A_pool, self.fake_B_pool = ImagePool(50), ImagePool(50)
        else:
            self.optimizer_G_A = torch.optim.Adam(self.G_A.parameters(), lr=2e-4, betas=(0.5, 0.999))
            self.optimizer_G_B = torch.optim.Adam(self.G_B.parameters(), lr=2e-4, betas=(0.5, 0.999))
            self.phase, self.phase_steps = "G_B", 0
        self.logged: dict[str, float] = {}

    def next_batch(self) -> dict[str, torch.Tensor]:
        try:
            return next(self.batches)
        except StopIteration:
            self.batches = iter(self.loader)
            return next(self.batches)

    def step(self, index: int) -> None:
        data = self.next_batch()
        real_A, real_B = data["A"], data["B"]
        if self.method == "cyclegan":
            self.cyclegan_step(real_A, real_B)
        else:
            self.cyclegn_step(real_A, real_B)

    def cyclegan_step(self, real_A: torch.Tensor, real_B: torch.Tensor) -> None:
        fake_B = self.G_A(real_A)
        rec_A = self.G_B(fake_B)
        fake_A = self.G_B(real_B)
        rec_B = self.G_A(fake_A)
        # generators
        set_requires_grad([self.D_A, self.D_B], False)
        self.optimizer_G.zero_grad()
        pred_fake_B = self.D_A(fake_B)
        loss_G_A = F.mse_loss(pred_fake_B, torch.ones_like(pred_fake_B))
        pred_fake_A = self.D_B(fake_A)
        loss_G_B = F.mse_loss(pred_fake_A, torch.ones_like(pred_fake_A))
        loss_cycle_A = F.l1_loss(rec_A, real_A) * LAMBDA_CYCLE
        loss_cycle_B = F.l1_loss(rec_B, real_B) * LAMBDA_CYCLE
        loss_G = loss_G_A + loss_G_B + loss_cycle_A + loss_cycle_B
        loss_G.backward()
        self.optimizer_G.step()
        # discriminators
        set_requires_grad([self.D_A, self.D_B], True)
        self.optimizer_D.zero_grad()
        loss_D_A = self.discriminator_loss(self.D_A, real_B, self.fake_B_pool.query(fake_B))
        loss_D_A.backward()
        loss_D_B = self.discriminator_loss(self.D_B, real_A, self.fake_A_pool.query(fake_A))
        loss_D_B.backward()
        self.optimizer_D.step()
        for name, loss in (("G_A", loss_G_A), ("G_B", loss_G_B), ("cycle_A", loss_cycle_A),
                           ("cycle_B", loss_cycle_B), ("D_A", loss_D_A), ("D_B", loss_D_B)):
            self.logged[name] = loss.item()

    @staticmethod
    def discriminator_loss(net: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        pred_real = net(real)
        loss_real = F.mse_loss(pred_real, torch.ones_like(pred_real))
        pred_fake = net(fake.detach())
        loss_fake = F.mse_loss(pred_fake, torch.zeros_like(pred_fake))
        return (loss_real + loss_fake) * 0.5

    def cyclegn_step(self, real_A: torch.Tensor, real_B: torch.Tensor) -> None:
        if self.phase == "G_B":  # E: pseudo B from the frozen G_A; M: fit G_B to give back A
            with torch.no_grad():
                pseudo_B = self.G_A(real_A)
            loss = F.l1_loss(self.G_B(pseudo_B), real_A) * LAMBDA_CYCLE
            self.optimizer_G_B.zero_grad()
            loss.backward()
            self.optimizer_G_B.step()
        else:
            with torch.no_grad():
                pseudo_A = self.G_B(real_B)
            loss = F.l1_loss(self.G_A(pseudo_A), real_B) * LAMBDA_CYCLE
            self.optimizer_G_A.zero_grad()
            loss.backward()
            self.optimizer_G_A.step()
        self.logged["cycle"] = loss.item()
        self.phase_steps += 1
        if self.phase_steps == EM_PHASE_STEPS:
            self.phase, self.phase_steps = ("G_A" if self.phase == "G_B" else "G_B"), 0


# --------------------------------------------------------------------------------------------
# The cyclekit path: the library's own step, through the run object as the trainer drives it.
# --------------------------------------------------------------------------------------------

class CyclekitLoop:
    def __init__(self, method: str, images_a: np.ndarray, images_b: np.ndarray, size: int,
                 batch_size: int, model: dict, seed: int, channels_last: bool, compiled: bool,
                 precision: str):
        self.config = build_config({
            "method": method, "strategy": {"name": METHODS[method]}, "seed": seed,
            "data": {"x": "digits", "y": "digits_m", "image_size": size, "channels": 3},
            "model": dict(model), "train": {"batch_size": batch_size, "channels_last": channels_last,
                                         "precision": precision},
        })
        torch.manual_seed(seed)
        # As load_pair keeps a domain: (N, C, H, W) float32 in [-1, 1], in memory.
        x = to_model_images(np.ascontiguousarray(images_a.transpose(0, 3, 1, 2)), size, 3)
        y = to_model_images(np.ascontiguousarray(images_b.transpose(0, 3, 1, 2)), size, 3)
        self.run = Run(self.config, make_fabric(self.config.train),
                       data=DomainPair(x=_train_only("a", x), y=_train_only("b", y)))
        self.method, self.device = self.run.method, self.run.fabric.device
        if compiled:  # the compiled modules share the parameters the players optimise
            self.method.f = torch.compile(self.method.f, dynamic=False)
            self.method.g = torch.compile(self.method.g, dynamic=False)
            for term in self.method.objective.critic_terms().values():
                term.discriminator = torch.compile(term.discriminator, dynamic=False)

    def step(self, index: int) -> None:
        self.run.step(index)
        self.run.drain_events()


def _train_only(name: str, images: torch.Tensor) -> DomainSplits:
    """A domain of training images only (the loop draws nothing else)."""
    empty = DomainData(name, images[:0], None)
    return DomainSplits(train=DomainData(name, images, None), val=empty, test=empty)


# --------------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------------

def matmul_peak(n: int = 2048, repeats: int = 10) -> list[float]:
    """GFLOP/s of n x n fp32 matmuls, one sample per matmul (after 3 warm-up products)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        a @ b
        samples.append(2 * n**3 / (time.perf_counter() - started) / 1e9)
    return samples


def count_flops(loop, index: int) -> int:
    with FlopCounterMode(display=False) as counter:
        loop.step(index)
    return int(counter.get_total_flops())


class Entry:
    """One configuration being timed: its loop, counters and per-repetition throughput."""

    def __init__(self, name: str, path: str, variant: str, factory):
        self.name, self.path, self.variant, self.factory = name, path, variant, factory
        self.loop = None
        self.steps_done = 0
        self.images_per_s: list[float] = []
        self.warmup_step_s: list[float] = []
        self.build_s = 0.0
        self.flops_per_step: int | None = None
        self.error: str | None = None

    def run(self, steps: int) -> float:
        started = time.perf_counter()
        for _ in range(steps):
            self.loop.step(self.steps_done)
            self.steps_done += 1
        return time.perf_counter() - started


def measure_group(method: str, size: int, args, model: dict, images: tuple[np.ndarray, np.ndarray],
                  ) -> list[dict]:
    batch = args.batch_size
    # Fresh dynamo state per group: with graphs of another image size cached, dynamo would
    # switch to dynamic shapes, which inductor 2.13 fails on for these networks on CPU
    # ("cannot determine truth value of Relational").
    torch._dynamo.reset()
    entries = [Entry("reference", "reference", "plain_loop",
                     lambda: ReferenceLoop(method, *images, size, batch, model, args.seed))]
    for variant in args.variants:
        channels_last, compiled, precision = VARIANTS[variant]
        entries.append(Entry(f"cyclekit/{variant}", "cyclekit", variant,
                             lambda cl=channels_last, c=compiled, p=precision: CyclekitLoop(
                                 method, *images, size, batch, model, args.seed, cl, c, p)))
    for entry in entries:  # build and warm up (compilation happens in the first step)
        started = time.perf_counter()
        try:
            entry.loop = entry.factory()
            entry.build_s = time.perf_counter() - started
            for _ in range(args.warmup):
                entry.warmup_step_s.append(entry.run(1))
        except Exception as error:  # noqa: BLE001  (e.g. torch.compile without a working toolchain)
            entry.error = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            entry.loop = None
        _log(f"{method} {size}px {entry.name}: warm-up steps "
             f"{[round(s, 2) for s in entry.warmup_step_s]} s" + (f" FAILED {entry.error}" if entry.error else ""))
    live = [entry for entry in entries if entry.loop is not None]
    slowest = max((entry.warmup_step_s[-1] for entry in live), default=1.0)
    steps = args.steps or max(1, round(args.target_rep_s / slowest))
    for rep in range(args.reps):  # interleaved: every configuration once per repetition
        order = live if rep % 2 == 0 else live[::-1]
        for entry in order:
            entry.images_per_s.append(batch * steps / entry.run(steps))
        _log(f"{method} {size}px rep {rep + 1}/{args.reps}: " + ", ".join(
            f"{entry.name} {entry.images_per_s[-1]:.2f}" for entry in live) + " img/s")
    for entry in live:  # FLOPs of one step (after timing: the counter's dispatch is slow)
        if entry.variant.startswith("compiled"):
            continue  # same arithmetic as the eager step; taken from it below
        entry.flops_per_step = count_flops(entry.loop, entry.steps_done)
        entry.steps_done += 1
    eager_flops = next((e.flops_per_step for e in live if e.path == "cyclekit" and e.flops_per_step), None)
    reference = entries[0]
    rows = []
    for entry in entries:
        flops = entry.flops_per_step if entry.flops_per_step is not None else (
            eager_flops if entry.path == "cyclekit" else None)
        row = {
            "method": method, "strategy": METHODS[method] if entry.path == "cyclekit" else
            ("joint" if method == "cyclegan" else "alternating_em"),
            "image_size": size, "batch_size": batch, "path": entry.path, "variant": entry.variant,
            "channels_last": VARIANTS.get(entry.variant, (False, False, "32-true"))[0],
            "compiled": VARIANTS.get(entry.variant, (False, False, "32-true"))[1],
            "precision": VARIANTS.get(entry.variant, (False, False, "32-true"))[2],
            "steps_per_rep": steps, "warmup_steps": args.warmup,
            "build_s": round(entry.build_s, 3),
            "warmup_step_s": [round(s, 4) for s in entry.warmup_step_s],
            "first_step_s": round(entry.warmup_step_s[0], 3) if entry.warmup_step_s else None,
            "images_per_s": [round(v, 4) for v in entry.images_per_s],
            "median_images_per_s": None, "min_images_per_s": None, "max_images_per_s": None,
            "flops_per_step": flops, "error": entry.error,
        }
        if entry.images_per_s:
            median = statistics.median(entry.images_per_s)
            row.update(median_images_per_s=round(median, 4),
                       min_images_per_s=round(min(entry.images_per_s), 4),
                       max_images_per_s=round(max(entry.images_per_s), 4))
            if reference.images_per_s:
                paired = [a / b for a, b in zip(entry.images_per_s, reference.images_per_s)]
                row["ratio_vs_reference"] = {
                    "of_medians": round(median / statistics.median(reference.images_per_s), 4),
                    "paired_median": round(statistics.median(paired), 4),
                    "paired_min": round(min(paired), 4), "paired_max": round(max(paired), 4)}
            if flops:
                achieved = flops * median / batch / 1e9
                row["achieved_gflops"] = round(achieved, 3)
                row["fraction_of_peak"] = round(achieved / args.peak_gflops, 4)
        rows.append(row)
    for entry in entries:
        entry.loop = None  # free the networks before the next group
    return rows


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def best_variants(rows: list[dict]) -> dict[str, dict]:
    best = {}
    for key in dict.fromkeys((r["method"], r["image_size"]) for r in rows):
        candidates = [r for r in rows if (r["method"], r["image_size"]) == key
                      and r["path"] == "cyclekit" and r["median_images_per_s"]]
        if candidates:
            top = max(candidates, key=lambda r: r["median_images_per_s"])
            best[f"{key[0]}@{key[1]}px"] = {
                "variant": top["variant"], "median_images_per_s": top["median_images_per_s"],
                "ratio_vs_reference": top.get("ratio_vs_reference", {}).get("of_medians")}
    return best


def markdown(result: dict) -> str:
    lines = [
        f"# Training-step throughput ({result['date']})", "",
        f"Machine: {result['cpu_model']}, {result['threads']} threads, torch {result['torch']}. "
        f"Batch size {result['batch_size']}; synthetic uint8 RGB images. "
        f"Networks: {result['model']['generator_channels']}-channel ResNet generators with "
        f"{result['model']['generator_blocks']} blocks, {result['model']['discriminator_channels']}"
        f"-channel PatchGAN critics (n_layers from the image size)." + (" **Quick smoke mode.**" if result["quick"] else ""),
        (f"Protocol: {result['warmup']} warm-up steps per configuration, then {result['reps']} "
         f"interleaved repetitions of `steps/rep` steps each; images/s = batch x steps / seconds."),
        (f"Measured fp32 matmul peak (2048^3, median): **{result['peak_gflops']:.1f} GFLOP/s**. "
         f"Total wall time {result['wall_time_s']:.0f} s."), "",
        ("| method | strategy | px | path / variant | steps/rep | img/s median (min–max) | "
         "× reference: of medians (per-rep min–max) | GFLOP/step | GFLOP/s | % of peak | first step s |"),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["results"]:
        name = "reference (plain loop)" if r["path"] == "reference" else f"cyclekit {r['variant']}"
        if r["median_images_per_s"] is None:
            lines.append(f"| {r['method']} | {r['strategy']} | {r['image_size']} | {name} | – | "
                         f"failed: {r['error']} | – | – | – | – | – |")
            continue
        ratio = r.get("ratio_vs_reference", {})
        ratio_text = "1 (baseline)" if r["path"] == "reference" else (
            f"**{ratio['of_medians']:.2f}** ({ratio['paired_min']:.2f}–{ratio['paired_max']:.2f})")
        flops = f"{r['flops_per_step'] / 1e9:.1f}" if r["flops_per_step"] else "–"
        lines.append(
            f"| {r['method']} | {r['strategy']} | {r['image_size']} | {name} | {r['steps_per_rep']} | "
            f"{r['median_images_per_s']:.2f} ({r['min_images_per_s']:.2f}–{r['max_images_per_s']:.2f}) | "
            f"{ratio_text} | {flops} | {r.get('achieved_gflops', float('nan')):.1f} | "
            f"{100 * r.get('fraction_of_peak', float('nan')):.1f} | {r['first_step_s']:.1f} |")
    lines += ["", "Best cyclekit variant per configuration: " + "; ".join(
        f"{key}: `{v['variant']}` ({v['median_images_per_s']:.2f} img/s, "
        f"{v['ratio_vs_reference']:.2f}× reference)" for key, v in result["best_variants"].items()) + ".",
        "", "FLOPs of compiled variants are those of the eager cyclekit step (same arithmetic). "
        "`eager_bf16` runs the same arithmetic under bf16 autocast (`train.precision: bf16-mixed`); "
        "its % of peak is relative to the *fp32* peak. "
        "`first step s` of compiled variants includes compilation"
        + (" (cold inductor cache)." if result["fresh_compile_cache"] else "."), ""]
    return "\n".join(lines)


def _log(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> dict:
    parser = study_parser(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="image sizes (default 32 64)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--reps", type=int, default=None, help="timed repetitions (default 5)")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up steps (default 3)")
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per repetition (default: about --target-rep-s seconds)")
    parser.add_argument("--target-rep-s", type=float, default=1.5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--variants", nargs="+", default=None, choices=list(VARIANTS))
    parser.add_argument("--num-images", type=int, default=256, help="synthetic images per domain")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse-compile-cache", action="store_true",
                        help="use the default inductor cache (default: a fresh one, cold compiles)")
    parser.add_argument("--quick", action="store_true",
                        help="seconds-long smoke run: tiny networks, 16 px, 1 rep, no compile")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = args.sizes or [16]
        args.reps = args.reps or 1
        args.warmup = args.warmup if args.warmup is not None else 1
        args.steps = args.steps or 1
        args.variants = args.variants or ["eager_contiguous", "eager_bf16"]
        args.num_images = min(args.num_images, 4 * args.batch_size)
        model = QUICK_MODEL
    else:
        args.sizes = args.sizes or [32, 64]
        args.reps = args.reps or 5
        args.warmup = args.warmup if args.warmup is not None else 3
        args.variants = args.variants or list(DEFAULT_VARIANTS)
        model = FULL_MODEL

    started = time.perf_counter()
    scratch = None
    if not args.reuse_compile_cache and any(VARIANTS[v][1] for v in args.variants):
        scratch = tempfile.TemporaryDirectory(prefix="cyclekit-inductor-")
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = scratch.name
    peak_before = matmul_peak()
    args.peak_gflops = statistics.median(peak_before)
    _log(f"fp32 matmul peak: {args.peak_gflops:.1f} GFLOP/s ({torch.get_num_threads()} threads)")
    rows = []
    try:
        for size in args.sizes:
            images = synthetic_domains(args.num_images, size, args.seed)
            for method in args.methods:
                rows += measure_group(method, size, args, model, images)
    finally:
        if scratch is not None:
            scratch.cleanup()
    peak_after = matmul_peak()
    result = {
        "benchmark": "throughput",
        "date": utc_now(),
        "wall_time_s": round(time.perf_counter() - started, 1),
        "torch": torch.__version__, "threads": torch.get_num_threads(), "cpu_model": cpu_model(),
        "device": "cpu", "quick": args.quick, "batch_size": args.batch_size,
        "sizes": args.sizes, "methods": args.methods, "variants": args.variants,
        "reps": args.reps, "warmup": args.warmup, "model": model,
        "synthetic_images_per_domain": args.num_images,
        "fresh_compile_cache": scratch is not None,
        "peak_gflops": round(args.peak_gflops, 2),
        "peak_samples_gflops": {"before": [round(v, 2) for v in peak_before],
                                "after": [round(v, 2) for v in peak_after]},
        "peak_after_gflops": round(statistics.median(peak_after), 2),
        "goal_ratio": 1.5,
        "results": rows,
        "best_variants": best_variants(rows),
    }
    write_result(args.out, "throughput", result, markdown(result))
    _log(f"wrote {args.out / 'throughput.json'} and throughput.md in {result['wall_time_s']:.0f} s")
    return result


if __name__ == "__main__":
    main()
