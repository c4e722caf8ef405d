import pytest

from cyclekit.data.domain import list_domains, load_domain
from cyclekit.errors import DataError


def test_domain_names():
    assert list_domains() == [
        "digits", "digits_m", "mnist", "usps", "fashion", "semeion", "usps_as_mnist",
        "semeion_as_mnist", "mnistm", "fashionm", "semeion_m", "bsds500", "facades_photo", "facades_labels",
    ]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "svhn"}, "valid domains: digits"),
        ({"name": "digits", "split": "val"}, "valid splits: train, test"),
        ({"name": "digits", "channels": 2}, "channels"),
        ({"name": "digits", "limit": 0}, "limit"),
        ({"name": "mnist"}, "CYCLEKIT_DATA"),
    ],
)
def test_bad_requests_raise_one_line_data_errors(kwargs, match):
    with pytest.raises(DataError, match=match) as error:
        load_domain(**kwargs)
    assert "\n" not in str(error.value)
