"""DIRT-T: decision-boundary iterative refinement of a finished adaptation run on the target
alone (Shu et al., ICLR 2018, Sec. 4 and Eq. 8), beyond Hou et al.

A run of any adaptation method (``model.teacher``: CDLM, DANN, ...) is the starting point
theta_0 and the first teacher. The student, a copy of the teacher's networks, is then trained on
unlabelled target images only, with no source loss and no alignment term, on

    min_theta  beta E_x KL(p_teacher(. | x) || p_theta(. | x)) + lambda_t (L_c + L_v),

L_c the conditional entropy of the target predictions (the cluster assumption) and L_v virtual
adversarial training (:mod:`cyclekit.adaptation.virtual_adversarial`), both of the method's target
classifier (CDLM: C(x~_ts) through encoder and decoder). The KL keeps each step a proximal one,
a natural-gradient step in DIRT-T's reading: the boundary moves away from dense target regions
without leaving the neighbourhood of the adapted solution. With ``teacher_every`` > 0 the
teacher is replaced by the student every that many steps (DIRT-T's outer iteration); 0 keeps
theta_0. DIRT-T's digit settings weigh the two terms equally (beta = lambda_t = 1e-2 with
Adam, which ignores a common scale), hence the weights 1 and 1 here.

Beyond DIRT-T, ``weight_warp`` > 0 adds warp consistency, VAT's KL with a random warp of the
image (the labelled augmentation's: ``data.augment_shift``, ``augment_rotation``,
``augment_scale``, ``augment_fill``) in place of the adversarial perturbation,

    L_w = KL(p(. | x) || p(. | warp(x))),  the clean prediction a fixed target,

the invariance prior of the self-ensembling of French et al. (ICLR 2018): a digit keeps its
class when it moves, turns a little or changes size. Off by default.

Beyond DIRT-T too, ``weight_balance`` > 0 adds the class balance L_b = KL(p_bar || U) of the
batch-mean target prediction (:mod:`cyclekit.adaptation.class_balance`); at the entropy's weight,
L_c + L_b is information maximisation (SHOT's objective), which lets the refinement move a
cluster the teacher sent to a wrong, over-used class. Off by default.

The teacher is read from its run directory (its ``config.yaml`` for the networks, its
checkpoint for theta_0), so the refined run needs that run in place; its data section must be
the teacher's (``cyclekit refine`` writes it so) but for the ``augment_*`` settings, which set
only the warp here. Source labels are read only by the validation slice, as for every adaptation
method; target labels only by the final score.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from cyclekit.adaptation.class_balance import marginal_balance_divergence
from cyclekit.adaptation.domain_batch_norm import TARGET
from cyclekit.adaptation.method import UDAMethod
from cyclekit.adaptation.virtual_adversarial import (
    frozen_batch_norm_statistics,
    kl_to_prediction,
    prediction_entropy,
    virtual_adversarial_loss,
)
from cyclekit.config import ADDED_LATER, check_non_negative, check_positive, load_config
from cyclekit.engine.loading import load_trained_method
from cyclekit.errors import ConfigError
from cyclekit.registry import get_method_class, register_method


@dataclass
class DIRTTModelConfig:
    """``teacher``: the run directory of the adaptation run to refine (required).
    ``weight_teacher`` (beta), ``weight_entropy`` and ``weight_vat`` (lambda_t on L_c and L_v),
    ``vat_radius``: the per-image norm of the virtual adversarial perturbation; 1.0, the radius
    at which VAT smoothed CDLM's classifier on 28 px images, where DIRT-T's 3.5 did not
    (benchmarks/results/uda_target_vada). ``teacher_every``: steps between teacher updates, 0 = keep the initial one.
    ``weight_warp``: the weight of warp consistency L_w (beyond DIRT-T; 0 = off).
    ``weight_balance``: the weight of the class balance L_b (beyond DIRT-T; 0 = off)."""

    teacher: str = ""
    weight_teacher: float = 1.0
    weight_entropy: float = 1.0
    weight_vat: float = 1.0
    vat_radius: float = 1.0
    teacher_every: int = 0
    weight_warp: float = field(default=0.0, metadata=ADDED_LATER)
    weight_balance: float = field(default=0.0, metadata=ADDED_LATER)

    def validate(self) -> None:
        if not self.teacher:
            raise ConfigError("model.teacher is empty; set it to the run directory of a finished "
                              "adaptation run, e.g. `cyclekit refine RUN_DIR --out DIR`")
        for key in ("weight_teacher", "weight_entropy", "weight_vat", "teacher_every",
                    "weight_warp", "weight_balance"):
            check_non_negative(f"model.{key}", getattr(self, key))
        check_positive("model.vat_radius", self.vat_radius)


def teacher_config(teacher: str | Path):
    """The config of the run in ``teacher``, with a one-line error when it is not one."""

    path = Path(teacher) / "config.yaml"
    if not path.is_file():
        raise ConfigError(f"model.teacher='{teacher}' is not a run directory (no config.yaml "
                          f"in it); give a finished run of cdlm, dann or source_only")
    return load_config(path)


def _data_differs(refined, teacher) -> list[str]:
    """The data settings in which the refined run departs from its teacher's. Free to differ:
    where the data lives, and the ``augment_*`` settings, which here shape only the warp of
    ``weight_warp`` (the refinement draws no labelled augmentation)."""
    plain_a, plain_b = refined.__dict__, teacher.__dict__
    return sorted(key for key in plain_a
                  if key != "data_dir" and not key.startswith("augment_")
                  and plain_a[key] != plain_b.get(key))


@register_method
class DIRTT(UDAMethod):
    """The refined student, with the teacher it is held close to; every view is the student's."""

    name = "dirt_t"
    model_config = DIRTTModelConfig

    def __init__(self, config):
        super().__init__(config)

        parent = teacher_config(config.model.teacher)
        if not issubclass(get_method_class(parent.method), UDAMethod):
            raise ConfigError(f"model.teacher is a '{parent.method}' run; DIRT-T refines an "
                              f"adaptation run (cdlm, dann, source_only)")
        differing = _data_differs(config.data, parent.data)
        if differing:
            raise ConfigError(f"data.{differing[0]}={getattr(config.data, differing[0])!r} is not "
                              f"the teacher's ({getattr(parent.data, differing[0])!r}); refine on "
                              f"the teacher's data, e.g. with `cyclekit refine`")
        _, self.student = load_trained_method(config.model.teacher)
        self.teacher = copy.deepcopy(self.student).requires_grad_(False)

    # Every view is the student's.
    def features(self, images, domain=TARGET):
        return self.student.features(images, domain)

    def classify(self, images, domain=TARGET):
        return self.student.classify(images, domain)

    def classify_features(self, images, domain=TARGET):
        return self.student.classify_features(images, domain)

    def sample_rows(self, data, count, device):
        return self.student.sample_rows(data, count, device)

    def extra_metrics(self, data, device):
        return self.student.extra_metrics(data, device)

    def labelled_augmentation(self) -> None:
        """None: the refinement draws target images only, unwarped (Eq. 8)."""

    def update_schedule(self):
        return [("student", 1)]

    def player_params(self):
        return {"student": list(self.student.parameters())}

    def player_losses(self, batch, player, step):
        """Eq. 8 on a batch of target images; the teacher predicts in eval mode."""
        model = self.config.model
        if model.teacher_every and step and step % model.teacher_every == 0:
            self.teacher.load_state_dict(self.student.state_dict())
        images = batch["y"]
        self.teacher.eval()
        with torch.no_grad():
            teacher_log_p = F.log_softmax(self.teacher.classify(images).float(), dim=1)
        logits = self.student.classify(images)
        losses = {"teacher_kl": model.weight_teacher * kl_to_prediction(teacher_log_p, logits)}
        if model.weight_entropy:
            losses["target_entropy"] = model.weight_entropy * prediction_entropy(logits)
        if model.weight_balance:
            losses["target_balance"] = model.weight_balance * marginal_balance_divergence(logits)
        if model.weight_vat:
            with frozen_batch_norm_statistics(self.student):
                losses["target_vat"] = model.weight_vat * virtual_adversarial_loss(
                    self.student.classify, images, model.vat_radius, clean_logits=logits)
        if model.weight_warp:
            # The warp draws from the global CPU generator, which checkpoints save and restore.
            warped = self.config.data.warp()(images, torch.default_generator)
            with frozen_batch_norm_statistics(self.student):
                losses["target_warp"] = model.weight_warp * kl_to_prediction(
                    F.log_softmax(logits.detach().float(), dim=1), self.student.classify(warped))
        return losses

