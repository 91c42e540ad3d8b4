"""Issue 13 class 9: chat templates wherever a loader reads them, and names built from loop variables or dicts.

The templates that must pass are real ones' idioms (ChatML, Llama 3 tool calls,
Mistral); every escape is checked to be real by rendering it in plain Jinja
(not sandboxed) and seeing it reach `__class__`.
"""
from __future__ import annotations

import json
import struct

import jinja2
import pytest

from dh_mlmodel.inspect import inspect_model_dir

BUILT = [
    "{% set ns = namespace(n='') %}{% for k in ['__cla','ss__'] %}{% set ns.n = ns.n ~ k %}{% endfor %}"
    "{{ ''[ns.n] }}",
    "{% for k in ['__cla','ss__']|join|list %}{% endfor %}{% set n = ['__cla','ss__']|join %}{{ ''[n] }}",
    "{% set d = {'k': '__cla' ~ 'ss__'} %}{{ ''[d['k']] }}",
    "{% set d = {'a': '__cla', 'b': 'ss__'} %}{{ ''[d.a ~ d.b] }}",
    "{% set u = '%c'|format(95) %}{% set ns = namespace(n=u ~ u ~ 'class' ~ u ~ u) %}{{ ''[ns.n] }}",
    "{% set u = 'a_b'[1] %}{% set n = [u, u, 'class', u, u] %}{{ ''[n|join] }}",
    "{% macro get(o, n) %}{{ o[n] }}{% endmacro %}{{ get('', '__cla' ~ 'ss__') }}",
    "{% set n %}__cla{{ 'ss__' }}{% endset %}{{ ''[n] }}",
    "{{ [''] | map(attribute='__class__') | list }}",
    "{% set k = ['_', '_class', '__']|join %}{{ [''] | map(attribute=k) | first }}",
    "{% for k, v in {'__cla': 'ss__'}|items %}{{ ''[k ~ v] }}{% endfor %}",
    "{% with n = ['__cla', 'ss__']|join %}{{ ''[n] }}{% endwith %}",
    "{% macro get(o, n=['__cla', 'ss__']|join) %}{{ o[n] }}{% endmacro %}{{ get('') }}",
]
CLEAN = [
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    "{%- set last = messages[messages|length - 1] %}{{ messages[loop_index] if false }}{{ last['content'] }}"
    "{%- for key in ['role', 'content'] %}{{ messages[0][key] }}{% endfor %}",
    "{%- for tool_call in message.tool_calls %}{%- for arg_name, arg_val in tool_call.arguments | items %}"
    "{{ arg_name }}={{ tool_call.arguments[arg_name] | tojson }}{% endfor %}{% endfor %}",
    "{%- set ns = namespace(system='') %}{%- for m in messages | selectattr('role', 'eq', 'system') %}"
    "{%- set ns.system = ns.system ~ m['content'] %}{% endfor %}{{ messages[loop.index0 + 1] if false }}",
]


@pytest.mark.parametrize("template", BUILT)
def test_built_names_really_escape(template):
    """The truth: plain Jinja (what a loader without a sandbox runs) reaches str's class."""
    try:
        out = jinja2.Environment().from_string(template).render()
    except Exception as exc:  # noqa: BLE001 - a failed lookup after reaching the internals is still reaching
        out = repr(exc)
    assert "class" in out or "str" in out, out


def _errors(tmp_path, name):
    report = inspect_model_dir(tmp_path)
    return [f for f in report.findings if f.path == name and f.tag == "chat-template-sandbox-escape"]


@pytest.mark.parametrize("template", BUILT)
def test_built_names_are_errors(tmp_path, template):
    (tmp_path / "chat_template.jinja").write_text(template)
    assert [f.severity for f in _errors(tmp_path, "chat_template.jinja")] == ["error"]


@pytest.mark.parametrize("template", CLEAN)
def test_real_template_idioms_are_clean(tmp_path, template):
    jinja2.Environment().from_string(template).render(  # they are valid templates
        messages=[{"role": "system", "content": "a", "tool_calls": []}], add_generation_prompt=True, message={})
    (tmp_path / "chat_template.jinja").write_text(template)
    assert _errors(tmp_path, "chat_template.jinja") == []


EVIL = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"


@pytest.mark.parametrize("name", ["tokenizer_config.json", "chat_template.json", "processor_config.json"])
def test_every_named_template_in_a_list_is_checked(tmp_path, name):
    data = {"chat_template": [{"name": "default", "template": CLEAN[0]}, {"name": "tool_use", "template": EVIL}]}
    (tmp_path / name).write_text(json.dumps(data))
    (found,) = _errors(tmp_path, name)
    assert found.severity == "error" and "tool_use" in found.member


def test_additional_chat_templates_directory(tmp_path):
    (tmp_path / "additional_chat_templates").mkdir()
    (tmp_path / "additional_chat_templates" / "rag.jinja").write_text(BUILT[0])
    assert len(_errors(tmp_path, "additional_chat_templates/rag.jinja")) == 1


def _gguf(kv: dict[str, str]) -> bytes:
    """A GGUF v3 file with string metadata only (gguf's spec: magic, version, counts, then key/type/value)."""
    def s(text: str) -> bytes:
        raw = text.encode()
        return struct.pack("<Q", len(raw)) + raw
    body = b"".join(s(k) + struct.pack("<I", 8) + s(v) for k, v in kv.items())
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(kv)) + body


def test_gguf_named_templates_are_checked(tmp_path):
    (tmp_path / "m.gguf").write_bytes(_gguf({"general.architecture": "llama", "tokenizer.chat_template": CLEAN[0],
                                             "tokenizer.chat_template.tool_use": EVIL}))
    (found,) = _errors(tmp_path, "m.gguf")
    assert found.member == "tokenizer.chat_template.tool_use"


def test_template_over_the_limit_is_not_scanned(tmp_path):
    from dh_mlmodel.risk import configs
    p = tmp_path / "chat_template.jinja"
    with open(p, "wb") as f:
        f.truncate(configs.JSON_LIMIT + 1)
    report = inspect_model_dir(tmp_path, hash=False)
    assert [f.severity for f in report.findings if f.tag == "config-not-scanned"] == ["error"]


@pytest.mark.parametrize("key", ["chat_template", "chat_template_jinja"])
@pytest.mark.parametrize("name", ["config.yaml", "axolotl.yml", "malicious_config.yaml"])
def test_a_template_in_a_yaml_config_is_checked(tmp_path, name, key):
    """ModelAudit's jinja2/yaml sample: tools that read YAML configs (axolotl's `chat_template_jinja`,
    serving configs' `chat_template`) render the template they hold."""
    import yaml
    (tmp_path / name).write_text(yaml.safe_dump({key: EVIL, "model_name": "m"}))
    (found,) = _errors(tmp_path, name)
    assert found.severity == "error" and key in found.member


def test_a_yaml_config_without_templates_is_clean(tmp_path):
    (tmp_path / "config.yaml").write_text("model_name: m\nchat_template: chatml\nlr: 0.1\n")
    assert _errors(tmp_path, "config.yaml") == []
