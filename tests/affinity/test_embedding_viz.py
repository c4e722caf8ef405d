import numpy as np
import pytest
import torch
from PIL import Image

from cyclekit.affinity.embedding_figures import (
    plot_embedding_by_factor,
    plot_mi_boxes,
    save_retrieval_grid,
    to_plane,
)
from cyclekit.affinity.retrieval import nearest_in_each_group
from cyclekit.errors import DataError


def test_scatter_and_box_figures_are_written(tmp_path):
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 3, (200, 2))
    panels = {"untrained": rng.normal(size=(200, 2)), "trained": rng.normal(size=(200, 8))}
    path = plot_embedding_by_factor(panels, factors, ("a", "b"), tmp_path / "scatter.png")
    assert Image.open(path).size[0] > 100
    settings = {"s1": {"a": [0.1, 0.2], "b": [1.0, 1.1]}, "s2": {"a": [0.5, 0.6], "b": [0.1, 0.0]}}
    path = plot_mi_boxes(settings, ["a", "b"], tmp_path / "mi.png", inactive={"s2": ["b"]})
    assert Image.open(path).size[1] > 100


def test_pca_plane_keeps_two_dimensional_embeddings():
    plane = np.random.default_rng(0).normal(size=(50, 2))
    assert to_plane(plane) is plane
    assert to_plane(np.random.default_rng(1).normal(size=(50, 8))).shape == (50, 2)


def test_retrieval_finds_the_nearest_member_of_each_group(tmp_path):
    pool = np.array([[0.0], [1.0], [5.0], [6.0]])
    groups = np.array([0, 0, 1, 1])
    found = nearest_in_each_group(np.array([[0.9], [5.2]]), pool, groups)
    assert found.tolist() == [[1, 2], [1, 2]]
    assert nearest_in_each_group(np.array([[6.1]]), pool, groups, groups=[1]).tolist() == [[3]]
    with pytest.raises(DataError, match="no member"):
        nearest_in_each_group(np.array([[0.0]]), pool, groups, groups=[7])
    images = torch.rand(4, 1, 8, 8) * 2 - 1
    path = save_retrieval_grid(images[:2], images[torch.as_tensor(found)], tmp_path / "grid.png",
                               row_labels=["q0", "q1"])
    assert path.is_file()
