"""Canonical dataset files, their sha256 and where to obtain them."""

import os
from dataclasses import dataclass
from pathlib import Path

from cyclekit.data.checksum import verify
from cyclekit.errors import DataError

DATA_ENV = "CYCLEKIT_DATA"


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset, relative to the data directory."""

    relpath: str
    sha256: str
    source: str


_MNIST = "the official MNIST release (yann.lecun.com/exdb/mnist); see MANIFEST"
_FASHION = "the Fashion-MNIST release (github.com/zalandoresearch/fashion-mnist); see MANIFEST"
_USPS = "the usps.h5 file of Kaggle 'bistaumanga/usps-dataset'; see MANIFEST"
_SEMEION = "the UCI 'Semeion Handwritten Digit' data set; see MANIFEST"
_BSDS = "the BSDS500 images (BSR/BSDS500/data/images); see MANIFEST"
_FACADES = ("the pix2pix 'facades' folder (train/1..400.jpg, val/1..100.jpg, test/1..106.jpg, "
            "each photo | label map side by side, and SHA256SUMS); see MANIFEST")

FILES: dict[str, DataFile] = {
    spec.relpath: spec
    for spec in (
        DataFile("mnist/train-images-idx3-ubyte.gz",
                 "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971", _MNIST),
        DataFile("mnist/train-labels-idx1-ubyte.gz",
                 "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", _MNIST),
        DataFile("mnist/t10k-images-idx3-ubyte.gz",
                 "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", _MNIST),
        DataFile("mnist/t10k-labels-idx1-ubyte.gz",
                 "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", _MNIST),
        DataFile("fashion_mnist/train-images-idx3-ubyte.gz",
                 "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7", _FASHION),
        DataFile("fashion_mnist/train-labels-idx1-ubyte.gz",
                 "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056", _FASHION),
        DataFile("fashion_mnist/t10k-images-idx3-ubyte.gz",
                 "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa", _FASHION),
        DataFile("fashion_mnist/t10k-labels-idx1-ubyte.gz",
                 "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05", _FASHION),
        DataFile("usps/usps.h5",
                 "734f88c541104a956d88be2c95d03b4a463ffd74ccc2ba9c80841fb98e3fcb36", _USPS),
        DataFile("semeion/semeion.data",
                 "d92d6c4103d1dbe202ad7fa50652f821c11b5bc1890f9d2673706203410d68b8", _SEMEION),
        DataFile("bsds500/SHA256SUMS",
                 "5d9a360393c0e3c284999e493cb961efa27fb6e6009e93a666f5c30d5be7ffed", _BSDS),
        DataFile("facades/SHA256SUMS",
                 "1a5098ad0645d2e5f200b85cea3d60c90784503a7cf23f6dc2ead4afe83e51f6", _FACADES),
    )
}


def data_root(data_dir: str | os.PathLike | None) -> Path:
    """The data directory: ``data_dir``, else env ``CYCLEKIT_DATA``."""
    root = data_dir if data_dir is not None else os.environ.get(DATA_ENV)
    if not root:
        raise DataError(f"no data directory: give the folder of the data sets with --data-dir "
                        f"(or --set data.data_dir=..., or set {DATA_ENV}); its layout is "
                        f"described in docs/runs.md")
    return Path(root)


def data_file(relpath: str, data_dir: str | os.PathLike | None) -> Path:
    """Path of a catalogued file after checking its sha256."""
    spec = FILES[relpath]
    return verify(data_root(data_dir) / spec.relpath, spec.sha256, spec.source)
