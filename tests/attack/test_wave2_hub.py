"""Outsider attacks on the installed-model commands (wave 2): hostile records and a hostile user cache.

Real trees made on disk, the real CLI in a subprocess; no mocks.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REV = "0123456789abcdef0123456789abcdef01234567"
HUB_ID = "acme/tiny"


def mlmodel(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    full.pop("MLMODEL_ROOT", None)
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", *args], capture_output=True, text=True,
                          env=full, cwd=REPO)


def installed_tree(root: Path, hub: dict | None = None, with_view: bool = True) -> Path:
    """One installed model `tiny` in package `tiny-model`, with its record (and its Hub view)."""
    model = root / "usr/share/mlmodel/tiny"
    (model / ".mlmodel").mkdir(parents=True)
    (model / "model.onnx").write_bytes(b"\x08\x07")
    record = {"format": 1, "model": "tiny", "package": "tiny-model",
              "files": [{"path": "usr/share/mlmodel/tiny/model.onnx", "format": "onnx", "role": "weights",
                         "size": 2, "sha256": "0" * 64}],
              "hub": hub if hub is not None else {"id": HUB_ID, "revision": REV,
                                                   "view": "/usr/share/mlmodel/hub/models--acme--tiny"}}
    (model / ".mlmodel/tiny-model.json").write_text(json.dumps(record), encoding="utf-8")
    if with_view:
        snap = root / "usr/share/mlmodel/hub/models--acme--tiny/snapshots" / REV
        snap.mkdir(parents=True)
        (snap / "model.onnx").symlink_to("../../../../tiny/model.onnx")
    return root


def test_path_hub_does_not_print_a_view_the_record_points_outside(tmp_path):
    """`mlmodel path --hub` is for scripts: a record's `view` naming /etc (or holding a newline) is not printed."""
    root = installed_tree(tmp_path / "root", hub={"id": HUB_ID, "revision": REV, "view": "/../../../etc\nrm -rf ~"})
    result = mlmodel("path", "--root", str(root), "--hub", "tiny")
    assert "etc" not in result.stdout and "rm -rf" not in result.stdout, result.stdout
    expected = root / "usr/share/mlmodel/hub/models--acme--tiny/snapshots" / REV
    # either the record is left out (a one-line error, non-zero) or the view is the one its Hub id names
    assert result.stdout.strip() in ("", str(expected)), result.stdout
    if result.returncode != 0:
        assert "Traceback" not in result.stderr and "tiny" in result.stderr


def test_show_and_list_do_not_repeat_a_hostile_view(tmp_path):
    root = installed_tree(tmp_path / "root", hub={"id": HUB_ID, "revision": REV, "view": "/etc\nforged: yes"})
    for args in (("show", "tiny"), ("list",)):
        result = mlmodel(*args, "--root", str(root))
        assert "forged: yes" not in result.stdout, (args, result.stdout)
        assert "Traceback" not in result.stderr


def test_hub_link_does_not_write_through_a_dangling_refs_symlink(tmp_path):
    """A refs/main the user cache already has as a dangling symlink: hub-link must not create its target."""
    root = installed_tree(tmp_path / "root")
    cache = tmp_path / "cache"
    refs = cache / "models--acme--tiny/refs"
    refs.mkdir(parents=True)
    victim = tmp_path / "elsewhere/created-by-hub-link"
    victim.parent.mkdir()
    (refs / "main").symlink_to(victim)
    result = mlmodel("hub-link", "--root", str(root), "--cache", str(cache))
    assert not victim.exists(), "hub-link wrote through the user's refs/main symlink"
    assert "Traceback" not in result.stderr


def test_hub_link_does_not_follow_a_model_folder_symlink_out_of_the_cache(tmp_path):
    """models--ORG--NAME a symlink to another directory: nothing is created in that directory."""
    root = installed_tree(tmp_path / "root")
    cache = tmp_path / "cache"
    cache.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (cache / "models--acme--tiny").symlink_to(elsewhere)
    result = mlmodel("hub-link", "--root", str(root), "--cache", str(cache))
    assert list(elsewhere.iterdir()) == [], sorted(p.name for p in elsewhere.iterdir())
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "models--acme--tiny" in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_hub_link_does_not_follow_a_snapshot_symlink(tmp_path):
    root = installed_tree(tmp_path / "root")
    cache = tmp_path / "cache"
    snaps = cache / "models--acme--tiny/snapshots"
    snaps.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (snaps / REV).symlink_to(elsewhere)
    result = mlmodel("hub-link", "--root", str(root), "--cache", str(cache))
    assert list(elsewhere.iterdir()) == []
    assert result.returncode != 0 and "Traceback" not in result.stderr


def test_hub_link_remove_leaves_a_symlinked_snapshot_alone(tmp_path):
    """--remove on a snapshot that is a symlink to the user's own directory: nothing there is removed."""
    root = installed_tree(tmp_path / "root")
    cache = tmp_path / "cache"
    snaps = cache / "models--acme--tiny/snapshots"
    snaps.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "empty-dir-of-mine").mkdir(parents=True)
    (snaps / REV).symlink_to(elsewhere)
    result = mlmodel("hub-link", "--root", str(root), "--cache", str(cache), "--remove")
    assert (elsewhere / "empty-dir-of-mine").is_dir()
    assert "Traceback" not in result.stderr


def test_hub_link_keeps_working_in_a_plain_cache(tmp_path):
    """The fix must not break the ordinary case: links made, then removed."""
    root = installed_tree(tmp_path / "root")
    cache = tmp_path / "cache"
    made = mlmodel("hub-link", "--root", str(root), "--cache", str(cache))
    assert made.returncode == 0, made.stderr
    link = cache / "models--acme--tiny/snapshots" / REV / "model.onnx"
    assert link.is_symlink() and (cache / "models--acme--tiny/refs/main").read_text() == REV
    gone = mlmodel("hub-link", "--root", str(root), "--cache", str(cache), "--remove")
    assert gone.returncode == 0 and not link.is_symlink()


def test_hub_env_quotes_a_hostile_root(tmp_path):
    """eval "$(mlmodel hub-env --root DIR)" with $(...), quotes and a newline in DIR runs nothing."""
    marker = tmp_path / "pwned"
    root = tmp_path / "r'$(touch pwned)'\n`touch pwned`;x"
    root.mkdir()
    out = mlmodel("hub-env", "--root", str(root))
    assert out.returncode == 0, out.stderr
    shell = subprocess.run(["sh", "-c", out.stdout + '\nprintf %s "$HF_HUB_CACHE"'], capture_output=True, text=True,
                           cwd=tmp_path)
    assert not marker.exists()
    assert shell.stdout == str(root / "usr/share/mlmodel/hub")


def _record_with(root: Path, **extra) -> Path:
    installed_tree(root)
    path = root / "usr/share/mlmodel/tiny/.mlmodel/tiny-model.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record.update(extra)
    path.write_text(json.dumps(record), encoding="utf-8")
    return root


def test_list_and_show_print_hostile_record_text_on_one_visible_line(tmp_path):
    """Licence, category, profile, a file's role come from the installed record: a newline in them must not
    forge another model's line, and a terminal escape (ESC ]... clears, retitles, hides) is not sent raw."""
    root = _record_with(tmp_path / "root", inputs={"license": "MIT\nforged-model  acme/forged  gguf  1 B"},
                        category="free\x1b[2J\x1b]0;owned\x07", profile="ml-policy\u202e")
    listed = mlmodel("list", "--root", str(root))
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 1, listed.stdout
    shown = mlmodel("show", "--root", str(root), "tiny")
    assert shown.returncode == 0, shown.stderr
    for out in (listed.stdout, shown.stdout):
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, repr(out)
    assert not any(line.startswith("forged-model") for line in shown.stdout.splitlines())


def test_a_record_that_is_a_fifo_is_left_out_not_waited_for(tmp_path):
    """An installed tree whose record is a FIFO (or a link to /dev/zero): `list` and `smoke` must not block on
    it; the record is reported (one line naming it) and the other models are still listed."""
    root = installed_tree(tmp_path / "root")
    (root / "usr/share/mlmodel/other/.mlmodel").mkdir(parents=True)
    fifo = root / "usr/share/mlmodel/other/.mlmodel/other-model.json"
    os.mkfifo(fifo)
    for args in (("list", "--root", str(root)), ("smoke", "--root", str(root), "other-model")):
        full = dict(os.environ, PYTHONPATH=str(REPO))
        try:
            result = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", *args], capture_output=True, text=True,
                                    env=full, cwd=REPO, timeout=60)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"mlmodel {args[0]} blocked reading a FIFO record") from None
        assert "Traceback" not in result.stderr, result.stderr
        assert str(fifo) in result.stderr, (args, result.stderr)
        if args[0] == "list":
            assert result.returncode == 0 and result.stdout.startswith("tiny  "), result.stdout
        else:
            assert result.returncode != 0


def test_hub_env_with_a_relative_root_exports_an_absolute_cache(tmp_path):
    """`eval "$(mlmodel hub-env --root chroot)"`: a relative HF_HUB_CACHE would make every later program load
    models from whatever directory it runs in (a /tmp of someone else's, with pickles in it)."""
    (tmp_path / "chroot").mkdir()
    full = dict(os.environ, PYTHONPATH=str(REPO))
    full.pop("MLMODEL_ROOT", None)
    for args, env in ((("--root", "chroot"), {}), ((), {"MLMODEL_ROOT": "chroot"})):
        out = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "hub-env", *args], capture_output=True,
                             text=True, env=dict(full, **env), cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        shell = subprocess.run(["sh", "-c", out.stdout + '\nprintf "%s|%s" "$HF_HUB_CACHE" "$LLAMA_CACHE"'],
                               capture_output=True, text=True, cwd="/")
        for value in shell.stdout.split("|"):
            assert value == str(tmp_path / "chroot/usr/share/mlmodel/hub"), (args, env, shell.stdout)


def test_hub_link_with_a_relative_root_makes_links_that_resolve(tmp_path):
    installed_tree(tmp_path / "chroot")
    full = dict(os.environ, PYTHONPATH=str(REPO))
    full.pop("MLMODEL_ROOT", None)
    out = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "hub-link", "--root", "chroot", "--cache", "cache"],
                         capture_output=True, text=True, env=full, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    link = tmp_path / "cache/models--acme--tiny/snapshots" / REV / "model.onnx"
    assert link.is_symlink() and link.resolve() == (tmp_path / "chroot/usr/share/mlmodel/tiny/model.onnx"), \
        os.readlink(link)
