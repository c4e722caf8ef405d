import torch
from PIL import Image

from cyclekit.viz.tsne import save_domain_tsne, tsne_embedding


def test_domain_tsne_panels_are_written(tmp_path):
    generator = torch.Generator().manual_seed(0)
    source, target = torch.randn(30, 6, generator=generator), torch.randn(20, 6, generator=generator)
    path = save_domain_tsne({"h": (source, target), "z": (source + 3, target)},
                            tmp_path / "tsne.png", title="toy")
    with Image.open(path) as image:
        assert image.size[0] > image.size[1] > 100  # two panels side by side
    assert tsne_embedding(torch.randn(12, 3).numpy()).shape == (12, 2)
