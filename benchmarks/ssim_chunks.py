"""What filtering SSIM in chunks saves over one torchmetrics call on the whole batch, and that
the mean is the same.

    python -m benchmarks ssim_chunks [--images 10000] [--size 28] [--channels 3]
        [--threads 1 2] [--repeats 5] --out DIR

``cyclekit.metrics.ssim`` scores a batch ``SSIM_CHUNK`` images at a time (each image's SSIM
is its own) and averages; CDLM's evaluation on MNIST <-> MNIST-M and Fashion <-> FashionM
scores 10 000 test pairs of 28 x 28 x 3 that way. For every thread count this script times
both on ``--images`` random pairs (SSIM's cost does not depend on the pixels), in turn,
``--repeats`` times, and reports the medians and the largest difference of the two means.
Writes ``ssim_chunks.{json,md}`` into ``--out``.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch
from torchmetrics.functional.image import structural_similarity_index_measure

from benchmarks.arguments import study_parser
from benchmarks.launch import interleaved
from benchmarks.results_table import (
    cpu_cores,
    report,
    stamp,
    table,
    whole_call,
    write_result,
)
from cyclekit.metrics.image_quality import SSIM_CHUNK, ssim

WHOLE, CHUNKED = "one call", f"chunks of {SSIM_CHUNK}"


def whole_batch_ssim(a: torch.Tensor, b: torch.Tensor) -> float:
    """The earlier ``ssim``: one torchmetrics call on the whole batch, in [0, 1] scale."""
    return float(structural_similarity_index_measure((a + 1) / 2, (b + 1) / 2, data_range=1.0))


def measure(threads: int, args) -> dict:
    torch.set_num_threads(threads)
    generator = torch.Generator().manual_seed(0)
    shape = (args.images, args.channels, args.size, args.size)
    a = torch.rand(shape, generator=generator) * 2 - 1
    b = (a + 0.5 * torch.randn(shape, generator=generator)).clamp(-1, 1)
    scorers = {WHOLE: whole_batch_ssim, CHUNKED: ssim}
    values = {name: [] for name in scorers}

    def timer(name: str):
        def seconds() -> float:
            started = time.perf_counter()
            values[name].append(scorers[name](a, b))
            return time.perf_counter() - started
        return seconds

    times = interleaved({name: timer(name) for name in scorers}, args.repeats)
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    difference = max(abs(x - y) for x, y in zip(values[WHOLE], values[CHUNKED]))
    return {"threads": threads, "median_s": medians, "samples_s": times,
            "ssim": values[CHUNKED][0], "max_mean_difference": difference,
            "ratio": medians[CHUNKED] / medians[WHOLE]}


def to_markdown(result: dict) -> str:
    protocol = (f"{result['images']} random pairs of {result['channels']} x {result['size']} x "
                f"{result['size']}; torch {result['torch']}, torchmetrics' Gaussian 11 x 11 "
                f"SSIM; {result['device']}; {result['repeats']} repeats each, in turn, median. "
                f"{whole_call(result)}")
    rows = ([row["threads"], f"{row['median_s'][WHOLE]:.2f}", f"{row['median_s'][CHUNKED]:.2f}",
             f"{row['ratio']:.3f}", f"{row['max_mean_difference']:.1e}"]
            for row in result["rows"])
    return report("SSIM in chunks against one call", result["date"], protocol,
                  table(["threads", f"s, {WHOLE}", f"s, {CHUNKED}", "ratio", "means differ by"],
                        rows))


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if min(args.images, args.channels, args.repeats, *args.threads) < 1 or args.size < 11:
        raise SystemExit("ssim_chunks: --images, --channels, --repeats and --threads must be "
                         "positive and --size at least 11 (SSIM's window)")
    started = time.perf_counter()
    rows = [measure(threads, args) for threads in args.threads]
    result = {**stamp("ssim_chunks"), "torch": torch.__version__, "device": cpu_cores(),
              "images": args.images, "size": args.size, "channels": args.channels,
              "repeats": args.repeats, "chunk": SSIM_CHUNK,
              "wall_s": time.perf_counter() - started, "rows": rows}
    write_result(args.out, "ssim_chunks", result, to_markdown(result), echo=True)


if __name__ == "__main__":
    main()
