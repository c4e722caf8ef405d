"""Run by test_ddp.py as `python ddp_em_script.py OUT.json`: the dual EM iteration on two CPU
processes (gloo), each rank on batches of its own.

The phase switches when the watched loss stops decreasing; each rank measures it on its own
share of the batch, so unless they decide on the mean they switch at different steps and the
gradient average mixes f's gradient on one rank with g's on the other.
"""

import json
import sys
from pathlib import Path

import torch
from lightning.fabric import Fabric

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from cyclekit.cyclic.strategies import build_strategy
from cyclekit.engine.players import Players
from tests.toy import LinearPair, gaussian_domains, strategy_config

fabric = Fabric(accelerator="cpu", devices=2, strategy="ddp")
fabric.launch()
torch.manual_seed(0)
method = LinearPair()
players = Players(fabric, method.player_params(),
                  lambda name, params: torch.optim.SGD(params, lr=0.05), lambda step: 1.0, 3)
strategy = build_strategy(strategy_config(name="em", check_every=1, min_inner_steps=2,
                                          max_inner_steps=50, tolerance=0.06, ema_beta=0.0))
x, y = gaussian_domains(16, seed=fabric.global_rank)  # each rank its own data
x = x * (1 + 4 * fabric.global_rank)  # and a loss that falls at another rate
phases, first_losses = [], None
for step in range(12):
    report = strategy.step(method, {"x": x, "y": y}, players, step)
    first_losses = first_losses or report
    phases.append(strategy.phase)
gathered = fabric.all_gather({"weights": torch.cat([p.detach().flatten() for p in method.parameters()]),
                              "first_loss": torch.tensor(sum(first_losses.values()))})
all_phases, rules = [None, None], [None, None]
torch.distributed.all_gather_object(all_phases, phases)
torch.distributed.all_gather_object(rules, json.dumps(strategy.state_dict()))  # NaN as text
if fabric.global_rank == 0:
    result = {"ranks_saw_different_losses": bool(gathered["first_loss"][0] != gathered["first_loss"][1]),
              "phases_equal": all_phases[0] == all_phases[1],
              "switched": len(set(all_phases[0])) > 1,
              "weights_equal": bool(torch.equal(gathered["weights"][0], gathered["weights"][1])),
              "rule_equal": rules[0] == rules[1]}
    Path(sys.argv[1]).write_text(json.dumps(result))
fabric.barrier()
torch.distributed.destroy_process_group()  # gloo threads torn down before exit
