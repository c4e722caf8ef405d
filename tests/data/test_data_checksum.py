import os

import pytest

import cyclekit.data.catalog as catalog
from cyclekit.data.checksum import verify
from cyclekit.errors import DataError


def test_missing_file_names_path_checksum_and_source(data_dir):
    spec = catalog.FILES["usps/usps.h5"]
    with pytest.raises(DataError) as error:
        catalog.data_file("usps/usps.h5", data_dir)
    message = str(error.value)
    assert "\n" not in message
    assert str(data_dir / "usps" / "usps.h5") in message
    assert spec.sha256 in message and "MANIFEST" in message


def test_corrupt_file_names_path_and_expected_checksum(data_dir):
    path = data_dir / "usps" / "usps.h5"
    path.parent.mkdir()
    path.write_bytes(b"not hdf5")
    with pytest.raises(DataError) as error:
        catalog.data_file("usps/usps.h5", data_dir)
    message = str(error.value)
    assert "\n" not in message
    assert str(path) in message and catalog.FILES["usps/usps.h5"].sha256 in message


def test_success_is_cached_until_file_changes(data_dir, register, monkeypatch):
    path = data_dir / "blob.bin"
    path.write_bytes(b"payload")
    digest = register("blob.bin")
    verify(path, digest, "somewhere")

    hashed = []
    monkeypatch.setattr("cyclekit.data.checksum.file_sha256", lambda p: hashed.append(p) or digest)
    verify(path, digest, "somewhere")
    assert hashed == []

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    verify(path, digest, "somewhere")
    assert hashed == [path]


def test_data_dir_falls_back_to_environment(data_dir, monkeypatch):
    with pytest.raises(DataError, match="CYCLEKIT_DATA"):
        catalog.data_root(None)
    monkeypatch.setenv("CYCLEKIT_DATA", str(data_dir))
    assert catalog.data_root(None) == data_dir
