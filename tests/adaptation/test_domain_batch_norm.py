"""Per-domain batch normalisation: each domain normalised by its own statistics, one affine map."""

import pytest
import torch

from cyclekit.adaptation.domain_batch_norm import SOURCE, TARGET, DomainBatchNorm2d
from cyclekit.adaptation.lenet import LeNetTrunk


def test_each_domain_is_normalised_by_its_own_statistics_in_training_and_in_eval():
    torch.manual_seed(0)
    norm = DomainBatchNorm2d(3)
    source, target = torch.randn(16, 3, 5, 5), 4.0 + 3.0 * torch.randn(16, 3, 5, 5)
    for _ in range(200):  # running statistics converge to each domain's own
        for images, domain in ((source, SOURCE), (target, TARGET)):
            out = norm(images, domain)
            assert out.mean().abs() < 1e-4 and (out.std() - 1).abs() < 0.05
    norm.eval()
    assert norm(target, TARGET).mean().abs() < 0.05
    assert norm(target, SOURCE).mean() > 3.0  # the source's statistics leave the shift in
    with torch.no_grad():
        norm.weight.fill_(2.0)
        norm.bias.fill_(1.0)
    for images, domain in ((source, SOURCE), (target, TARGET)):  # one affine map for both
        torch.testing.assert_close(norm(images, domain).mean(), torch.tensor(1.0), atol=0.1,
                                   rtol=0)
    with pytest.raises(ValueError, match="domain must be in"):
        norm(source, 2)


def test_per_domain_trunk_passes_each_domain_apart_and_the_shared_one_together():
    torch.manual_seed(0)
    source, target = torch.randn(6, 1, 28, 28), 2.0 + torch.randn(6, 1, 28, 28)
    apart = LeNetTrunk(1, 28, width=4, batch_norm="per_domain")
    torch.testing.assert_close(apart.forward_domains(source, target),
                               torch.cat([apart(source, SOURCE), apart(target, TARGET)]))
    together = LeNetTrunk(1, 28, width=4)
    torch.testing.assert_close(together.forward_domains(source, target),
                               together(torch.cat([source, target])))
    assert not torch.allclose(together.forward_domains(source, target)[6:],
                              together(target), atol=1e-3)


def test_shared_trunk_keeps_the_parameter_names_of_older_checkpoints():
    shared = set(LeNetTrunk(1, 28, width=4).state_dict())
    assert "layers.1.running_mean" in shared and not any("norms" in key for key in shared)
    per_domain = set(LeNetTrunk(1, 28, width=4, batch_norm="per_domain").state_dict())
    assert {"layers.1.norms.0.running_mean", "layers.1.norms.1.running_mean",
            "layers.1.weight"} <= per_domain
    with pytest.raises(ValueError, match="batch_norm must be one of"):
        LeNetTrunk(1, 28, batch_norm="group")
