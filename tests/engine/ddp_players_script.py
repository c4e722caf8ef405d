"""Run by test_ddp.py as `python ddp_players_script.py OUT.json`: two CPU processes (gloo).

Each rank backpropagates a loss whose gradient depends on its rank; after one SGD update
both ranks must hold the same weights, moved by the *average* gradient.
"""

import json
import sys
from pathlib import Path

import torch
from lightning.fabric import Fabric

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from cyclekit.engine.players import Players
from tests.toy import LinearPair

fabric = Fabric(accelerator="cpu", devices=2, strategy="ddp")
fabric.launch()
torch.manual_seed(0)
method = LinearPair()
start = method.f.weight.detach().clone()
players = Players(fabric, method.player_params(),
                  lambda name, params: torch.optim.SGD(params, lr=1.0), lambda step: 1.0, 3)
x = torch.full((1, 4), float(fabric.global_rank + 1))  # rank 0 sees 1s, rank 1 sees 2s
players.update(["f"], method.f(x).sum(), step=0)
weights = fabric.all_gather(method.f.weight.detach())
nan_skipped = not players.update(["f"], method.f(x).sum() * (float("nan") if fabric.global_rank else 1.0), 1)
if fabric.global_rank == 0:
    result = {"world_size": fabric.world_size,
              "ranks_equal": bool(torch.equal(weights[0], weights[1])),
              "moved_by_average": bool(torch.allclose(weights[0], start - 1.5)),
              "nan_on_one_rank_skips_everywhere": nan_skipped}
    Path(sys.argv[1]).write_text(json.dumps(result))
fabric.barrier()
torch.distributed.destroy_process_group()  # gloo threads torn down before exit
