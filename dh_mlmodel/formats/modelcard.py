"""Hugging Face model cards: the YAML front matter of README.md.

The block is found with huggingface_hub's pattern (repocard.py
REGEX_YAML_BLOCK) and parsed with yaml.safe_load only: a card is hostile
input and must never construct Python objects.  Keys follow hub-docs
modelcard.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..model import Finding

# huggingface_hub repocard.py REGEX_YAML_BLOCK (a leading `---` line, the body, a closing `---` line)
YAML_BLOCK = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
MAX_CARD_SIZE = 8 << 20  # a card bigger than this is not read for metadata
CARD_NAMES = ("readme.md", "model_card.md", "modelcard.md")


@dataclass(frozen=True)
class ModelCard:
    license: str | None = None
    license_name: str | None = None
    license_link: str | None = None
    datasets: tuple[str, ...] = ()
    base_model: tuple[str, ...] = ()
    base_model_relation: str | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    language: tuple[str, ...] = ()
    has_front_matter: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "license": self.license, "license_name": self.license_name, "license_link": self.license_link,
            "datasets": list(self.datasets) or None, "base_model": list(self.base_model) or None,
            "base_model_relation": self.base_model_relation, "pipeline_tag": self.pipeline_tag,
            "library_name": self.library_name, "language": list(self.language) or None,
        }


class CardError(ValueError):
    """The front matter exists but is not YAML we can use."""


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(str(v) for v in items if v is not None and not isinstance(v, (dict, list)))


def front_matter(text: str) -> dict[str, Any] | None:
    """The parsed front matter, None when the card has none; CardError when it is broken."""
    match = YAML_BLOCK.search(text)
    if not match:
        return None
    try:
        data = yaml.safe_load(match.group(2))
    except yaml.YAMLError as exc:
        raise CardError(f"front matter is not valid YAML ({str(exc).splitlines()[0]})") from None
    except RecursionError:
        raise CardError("front matter nests too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CardError("front matter is not a YAML mapping")
    return data


def card_from_text(text: str) -> ModelCard:
    data = front_matter(text)
    if data is None:
        return ModelCard()
    return ModelCard(
        license=_scalar(data.get("license")), license_name=_scalar(data.get("license_name")),
        license_link=_scalar(data.get("license_link")), datasets=_strings(data.get("datasets")),
        base_model=_strings(data.get("base_model")), base_model_relation=_scalar(data.get("base_model_relation")),
        pipeline_tag=_scalar(data.get("pipeline_tag")), library_name=_scalar(data.get("library_name")),
        language=_strings(data.get("language")), has_front_matter=True,
    )


def read_text(path: Path) -> str:
    with open(path, "rb") as f:
        data = f.read(MAX_CARD_SIZE)
    return data.decode("utf-8", errors="replace")


def describe(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    try:
        card = card_from_text(read_text(path))
    except CardError as exc:
        return {}, [Finding("model-card-invalid-front-matter", "warning", str(exc), relpath)]
    meta: dict[str, Any] = {"front_matter": card.has_front_matter}
    if card.license:
        meta["license"] = card.license
    if card.license_name:
        meta["license_name"] = card.license_name
    if card.license_link:
        meta["license_link"] = card.license_link
    if card.datasets:
        meta["datasets"] = list(card.datasets)
    if card.base_model:
        meta["base_models"] = [{"name": name} for name in card.base_model]
    for key in ("base_model_relation", "pipeline_tag", "library_name"):
        if getattr(card, key):
            meta[key] = getattr(card, key)
    if card.language:
        meta["language"] = list(card.language)
    return meta, []
