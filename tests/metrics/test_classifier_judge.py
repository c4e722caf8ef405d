import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from cyclekit.errors import CheckpointError, ConfigError
from cyclekit.metrics.classifier_judge import (
    accuracy,
    cached_judge,
    predict,
    random_shift,
    train_judge,
)


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 8x8 digits, upsampled to 32 px in [-1, 1], split 3:1 (train, test)."""
    data = load_digits()
    images = torch.tensor(data.images, dtype=torch.float32)[:, None] / 16 * 2 - 1
    images = F.interpolate(images, size=32, mode="bilinear", align_corners=False)
    labels = torch.tensor(data.target)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    train, test = order[: len(order) * 3 // 4], order[len(order) * 3 // 4 :]
    return images[train], labels[train], images[test], labels[test]


def test_judge_learns_digits(digits):
    train_x, train_y, test_x, test_y = digits
    judge = train_judge(train_x, train_y, epochs=4)
    assert not judge.training
    assert not any(p.requires_grad for p in judge.parameters())
    assert accuracy(judge, test_x, test_y) > 0.9
    labels, confidences = predict(judge, test_x[:7])
    assert labels.shape == confidences.shape == (7,)
    assert torch.all((confidences > 0) & (confidences <= 1))


def test_training_is_seeded_and_leaves_global_rng_alone(digits):
    train_x, train_y, test_x, _ = digits
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first = train_judge(train_x[:64], train_y[:64], epochs=1, batch_size=32)
    assert torch.rand(1) == expected_next
    second = train_judge(train_x[:64], train_y[:64], epochs=1, batch_size=32)
    assert torch.equal(first(test_x[:8]), second(test_x[:8]))


def test_random_shift_moves_content_by_at_most_two_pixels():
    image = -torch.ones(16, 1, 12, 12)
    image[:, :, 6, 6] = 1
    shifted = random_shift(image, 2, torch.Generator().manual_seed(0))
    positions = (shifted[:, 0] == 1).nonzero()[:, 1:]
    assert len(positions) == 16
    assert ((positions - 6).abs() <= 2).all()
    assert len({tuple(p.tolist()) for p in positions}) > 1


def test_cached_judge_round_trip(digits, tmp_path):
    train_x, train_y, test_x, _ = digits
    trained = cached_judge("digits-32px-1ch", train_x[:64], train_y[:64], tmp_path, epochs=1, batch_size=32)
    assert [p.name for p in tmp_path.iterdir()] == ["judge-digits-32px-1ch.safetensors"]
    loaded = cached_judge("digits-32px-1ch", train_x[:64], train_y[:64], tmp_path, epochs=1000)
    assert not loaded.training
    assert torch.equal(trained(test_x[:16]), loaded(test_x[:16]))


def test_cached_judge_errors(digits, tmp_path):
    train_x, train_y, _, _ = digits
    with pytest.raises(ConfigError):
        cached_judge("../escape", train_x, train_y, tmp_path)
    (tmp_path / "judge-broken.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(CheckpointError, match="delete it"):
        cached_judge("broken", train_x, train_y, tmp_path)
    cached_judge("gray", train_x[:8], train_y[:8], tmp_path, epochs=1)
    with pytest.raises(CheckpointError):
        cached_judge("gray", train_x[:8].expand(-1, 3, -1, -1), train_y[:8], tmp_path)
