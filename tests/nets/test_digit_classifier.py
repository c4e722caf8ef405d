import pytest
import torch

from cyclekit.nets.digit_classifier import DigitClassifier


@pytest.mark.parametrize("channels, size", [(1, 16), (3, 32), (1, 28)])
def test_logit_shape(channels, size):
    assert DigitClassifier(channels)(torch.randn(4, channels, size, size)).shape == (4, 10)
