#!/usr/bin/env python3
"""Build benchmark (issues 6 and 9): one source package with N bytes of incompressible
weights, built with the real dpkg-buildpackage -b three ways, plus a dpkg-deb-only table.

Variants (--variants):
  handwritten  plain `dh $@`, weights installed by debian/PKG.install (dh_install copies),
               dpkg-deb's default compression;
  mlmodel      `dh $@` with dh-sequence-mlmodel (the checkout's add-on), defaults;
  mlmodel-xz   the same with `compression: xz` declared in debian/mlmodel.yaml.

Each build runs in a pseudo-terminal so every line of dh's DH_VERBOSE output gets an
arrival time: a step's wall time is the gap to the next step.  dh_mlmodel runs under
/usr/bin/time (peak RSS) from an override target; dpkg-deb is wrapped through PATH so
each .deb's own time and arguments are logged.  Load averages are recorded: the
machine is shared, so times are upper bounds.

    python3 bench/build_bench.py                      # the full run (2 GB: long)
    python3 bench/build_bench.py --quick              # smoke run, small sizes
    python3 bench/build_bench.py --phases three-way --size 2G --variants handwritten
    python3 bench/build_bench.py --phases dpkg-deb --table-size 1G

The dpkg-deb table reuses the hand-written build's own -Zxz timing when both run at the
same size.  Work files go under --workdir (/var/tmp) and are removed at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import pty
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TOP / "tests"), str(TOP / "tests" / "integration")]

from conftest import intree_env  # noqa: E402
from sources import CHANGELOG, COPYRIGHT_HEAD, finish_source, free_model_yaml, make_source  # noqa: E402

SOURCE = "bigmodel"
WEIGHTS_PKG = SOURCE
TOKENIZER_PKG = f"{SOURCE}-tokenizer"
CHUNK = 8 << 20
VARIANTS = ("handwritten", "mlmodel", "mlmodel-xz")
TABLE = (  # (label, dpkg-deb arguments, archive note)
    ("-Zxz (default level 6)", ["-Zxz"], "accepted"),
    ("-Zxz -z1", ["-Zxz", "-z1"], "accepted"),
    ("-Zgzip -z1", ["-Zgzip", "-z1"], "accepted"),
    ("-Znone --no-uniform-compression", ["-Znone", "--no-uniform-compression"],
     "accepted; lintian error unless overridden"),
    ("-Zzstd (information only)", ["-Zzstd"], "NOT accepted (lintian: malformed-deb-archive)"),
)

HANDWRITTEN_CONTROL = """Source: {source}
Section: science
Priority: optional
Maintainer: Test Maintainer <test@example.org>
Build-Depends: debhelper-compat (= 13)
Standards-Version: 4.6.2
Rules-Requires-Root: no

Package: {weights}
Architecture: all
Multi-Arch: foreign
Depends: ${{misc:Depends}}
Description: benchmark model package (weights)
 Random weights for the dh-mlmodel build benchmark.

Package: {tokenizer}
Architecture: all
Multi-Arch: foreign
Depends: ${{misc:Depends}}
Description: benchmark model package (tokenizer)
 Tokenizer for the dh-mlmodel build benchmark.
"""

RSS_OVERRIDE = ("\noverride_dh_mlmodel:\n"
                "\t/usr/bin/time -f 'MLMODEL_RSS_KB=%M MLMODEL_WALL=%e MLMODEL_CPU=%U+%S' dh_mlmodel\n")
INSTALL_OVERRIDE = ("\noverride_dh_install:\n"
                    "\t/usr/bin/time -f 'DHINSTALL_RSS_KB=%M DHINSTALL_WALL=%e' dh_install\n")

DPKG_DEB_WRAPPER = """#!/bin/sh
# bench: log each dpkg-deb call (start, end, CPU user+sys, compressor environment, arguments).
s=$(date +%s.%N)
/usr/bin/time -q -f '%U+%S' -o "$BENCH_DPKG_DEB_LOG.cpu" /usr/bin/dpkg-deb "$@"
rc=$?
e=$(date +%s.%N)
printf '%s %s %s Z=%s z=%s %s\\n' "$s" "$e" "$(tail -n1 "$BENCH_DPKG_DEB_LOG.cpu")" "${DPKG_DEB_COMPRESSOR_TYPE:--}" "${DPKG_DEB_COMPRESSOR_LEVEL:--}" "$*" >> "$BENCH_DPKG_DEB_LOG"
exit $rc
"""


# -- sizes, load ---------------------------------------------------------------------

def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)", text.strip().upper())
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 100M, 2G)")
    return int(float(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2)])


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


# -- the model -----------------------------------------------------------------------

def write_random_safetensors(path: Path, nbytes: int) -> None:
    """A safetensors file of NBYTES random F32 data, written in chunks (flat memory)."""
    nbytes -= nbytes % 4
    header = json.dumps({"__metadata__": {"format": "pt"},
                         "weight": {"dtype": "F32", "shape": [nbytes // 4], "data_offsets": [0, nbytes]}},
                        separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(header)) + header)
        left = nbytes
        while left:
            n = min(CHUNK, left)
            fh.write(os.urandom(n))
            left -= n
    path.chmod(0o644)


def master_model(work: Path, nbytes: int) -> Path:
    """The model directory every variant hard-links its files from (written once per size)."""
    model = work / f"master-{nbytes}" / "model"
    if not (model / "model.safetensors").exists():
        write_random_safetensors(model / "model.safetensors", nbytes)
        (model / "config.json").write_text(json.dumps({"model_type": "bench", "hidden_size": 1024}) + "\n")
        (model / "tokenizer.json").write_text(
            json.dumps({"model": {"type": "WordLevel", "vocab": {f"w{i}": i for i in range(2000)}}}) + "\n")
        for p in model.iterdir():
            p.chmod(0o644)
    return model


def link_model(master: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for p in master.iterdir():
        os.link(p, dest / p.name)


# -- source packages -----------------------------------------------------------------

def mlmodel_source(root: Path, master: Path, compression: str | None, finished: dict) -> Path:
    extra = f"    compression: {compression}\n" if compression else ""
    src = make_source(root, SOURCE, [(WEIGHTS_PKG, None), (TOKENIZER_PKG, None)],
                      "format: 1\nmodels:\n" + free_model_yaml(SOURCE, "model", extra))
    link_model(master, src / "model")
    generated = ("debian/copyright", "debian/source/lintian-overrides")
    if finished:  # same model, same source name: what `mlmodel copyright/overrides` wrote once
        for rel, text in finished.items():
            (src / rel).write_text(text)
    else:
        finish_source(src)
        finished.update({rel: (src / rel).read_text() for rel in generated if (src / rel).exists()})
    with open(src / "debian/rules", "a") as fh:
        fh.write(RSS_OVERRIDE)
    return src


def handwritten_source(root: Path, master: Path) -> Path:
    src = root / f"{SOURCE}-1.0"
    (src / "debian/source").mkdir(parents=True)
    (src / "debian/control").write_text(HANDWRITTEN_CONTROL.format(source=SOURCE, weights=WEIGHTS_PKG,
                                                                   tokenizer=TOKENIZER_PKG))
    (src / "debian/changelog").write_text(CHANGELOG.format(source=SOURCE))
    (src / "debian/copyright").write_text(COPYRIGHT_HEAD.format(source=SOURCE))
    (src / "debian/source/format").write_text("3.0 (native)\n")
    dest = f"usr/share/mlmodel/{SOURCE}/"
    (src / f"debian/{WEIGHTS_PKG}.install").write_text(f"model/model.safetensors {dest}\nmodel/config.json {dest}\n")
    (src / f"debian/{TOKENIZER_PKG}.install").write_text(f"model/tokenizer.json {dest}\n")
    (src / "debian/rules").write_text("#!/usr/bin/make -f\n\n%:\n\tdh $@\n" + INSTALL_OVERRIDE)
    (src / "debian/rules").chmod(0o755)
    link_model(master, src / "model")
    return src


# -- one build -----------------------------------------------------------------------

def run_pty(cmd: list[str], cwd: Path, env: dict) -> tuple[int, list[tuple[float, str]]]:
    """Run CMD on a pseudo-terminal (so perl and make flush per line); lines with arrival times."""
    master, slave = pty.openpty()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    lines, buf = [], b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        now = time.monotonic() - t0
        buf += data
        *done, buf = buf.split(b"\n")
        lines += [(now, d.decode(errors="replace").rstrip("\r")) for d in done]
    os.close(master)
    rc = proc.wait()
    if buf:
        lines.append((time.monotonic() - t0, buf.decode(errors="replace")))
    return rc, lines


STEP = re.compile(r"^ {3}(dh_\w+|debian/rules \S+)")
POST_BUILD = re.compile(r"^ dpkg-gen(buildinfo|changes)")


def step_times(lines: list[tuple[float, str]], end: float) -> dict[str, float]:
    """Seconds per dh step: from its DH_VERBOSE line to the next step's (override targets fold
    into the step they override)."""
    starts = [(t, m.group(1)) for t, line in lines if (m := STEP.match(line))]
    # The last step ends where dpkg-buildpackage's own post-build tools start.
    end = next((t for t, line in lines if starts and t >= starts[-1][0] and POST_BUILD.match(line)), end)
    out: dict[str, float] = {}
    for i, (t, name) in enumerate(starts):
        nxt = starts[i + 1][0] if i + 1 < len(starts) else end
        key = name.replace("debian/rules override_", "")
        if key.startswith("debian/rules"):
            continue
        out[key] = out.get(key, 0.0) + (nxt - t)
    return out


def du_bytes(*paths: Path) -> int:
    out = subprocess.run(["du", "-s", "-c", "-B1", *map(str, paths)], capture_output=True, text=True,
                         check=True).stdout
    return int(out.strip().splitlines()[-1].split()[0])


def data_member(deb: Path) -> str:
    out = subprocess.run(["ar", "t", str(deb)], capture_output=True, text=True, check=True).stdout.split()
    return next((m for m in out if m.startswith("data.tar")), "?")


def build(work: Path, variant: str, nbytes: int, finished: dict, keep: bool) -> dict:
    master = master_model(work, nbytes)
    root = work / f"{variant}-{nbytes}"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    if variant == "handwritten":
        src = handwritten_source(root, master)
    else:
        src = mlmodel_source(root, master, "xz" if variant == "mlmodel-xz" else None, finished)
    wrapdir = root / "bench-bin"
    wrapdir.mkdir()
    (wrapdir / "dpkg-deb").write_text(DPKG_DEB_WRAPPER)
    (wrapdir / "dpkg-deb").chmod(0o755)
    deblog = root / "dpkg-deb.log"
    env = intree_env({"DH_VERBOSE": "1", "BENCH_DPKG_DEB_LOG": str(deblog), "DPKG_COLORS": "never"})
    env["PATH"] = f"{wrapdir}:{env['PATH']}"
    load_before = load()
    t0 = time.monotonic()
    cpu0 = _children_cpu()
    rc, lines = run_pty(["dpkg-buildpackage", "-us", "-uc", "-d", "-b"], src, env)
    wall = time.monotonic() - t0
    cpu = _children_cpu() - cpu0
    (root / "build.log").write_text("".join(f"{t:9.2f} {line}\n" for t, line in lines))
    result = {"variant": variant, "weights_bytes": nbytes, "rc": rc, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
              "load_before": load_before, "load_after": load(), "steps": step_times(lines, wall)}
    text = "\n".join(line for _, line in lines)
    for key, pat in (("mlmodel_rss_kb", r"MLMODEL_RSS_KB=(\d+)"), ("mlmodel_wall_s", r"MLMODEL_WALL=([\d.]+)"),
                     ("dh_install_rss_kb", r"DHINSTALL_RSS_KB=(\d+)"), ("dh_install_wall_s", r"DHINSTALL_WALL=([\d.]+)")):
        if m := re.search(pat, text):
            result[key] = float(m.group(1))
    if m := re.search(r"MLMODEL_CPU=([\d.]+)\+([\d.]+)", text):
        result["mlmodel_cpu_s"] = round(float(m.group(1)) + float(m.group(2)), 2)
    # What dh_mlmodel says it chose ("\tPKG: dpkg-deb -Z…: reason").
    result["compression_lines"] = [line.strip() for line in text.splitlines()
                                   if re.match(r"^\t[\w.+-]+: dpkg-deb ", line)]
    debs = sorted(root.glob("*.deb"))
    result["debs"] = {d.name.split("_")[0]: {"size": d.stat().st_size, "member": data_member(d)} for d in debs}
    result["dpkg_deb"] = _read_deblog(deblog)
    result["disk_bytes"] = du_bytes(root)  # source tree (links count once) + debian/PKG + .debs
    if rc != 0:
        result["tail"] = text.splitlines()[-25:]
    if not keep:
        shutil.rmtree(root)
    return result


def _children_cpu() -> float:
    """CPU seconds (user+sys) of every waited-for descendant: the build's own cost, whatever the load."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _read_deblog(log: Path) -> list[dict]:
    calls = []
    if log.exists():
        for line in log.read_text().splitlines():
            start, end, cpu, ztype, zlevel, args = line.split(" ", 5)
            pkg = next((a.split("/")[-1] for a in args.split() if a.startswith("debian/")), "?")
            user, _, system = cpu.partition("+")
            calls.append({"package": pkg, "seconds": round(float(end) - float(start), 1),
                          "cpu_s": round(float(user) + float(system or 0), 1), "env": f"{ztype} {zlevel}",
                          "args": args})
    return calls


# -- dpkg-deb alone ------------------------------------------------------------------

def dpkg_deb_table(work: Path, nbytes: int, skip: tuple[str, ...] = ()) -> list[dict]:
    master = master_model(work, nbytes)
    tree = work / f"ddeb-{nbytes}" / "pkg"
    if tree.parent.exists():
        shutil.rmtree(tree.parent)
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN/control").write_text(
        f"Package: {SOURCE}\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\n"
        f"Description: bench\n bench\n")
    dest = tree / "usr/share/mlmodel" / SOURCE
    dest.mkdir(parents=True)
    os.link(master / "model.safetensors", dest / "model.safetensors")
    rows = []
    for label, args, note in TABLE:
        if " ".join(args) in skip:
            continue
        out = tree.parent / "out.deb"
        before = load()
        t0 = time.monotonic()
        r = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "dpkg-deb", "--root-owner-group", *args, "-b",
                            str(tree), str(out)], capture_output=True, text=True)
        wall = time.monotonic() - t0
        cpu = "?"
        if r.returncode == 0 and (m := re.search(r"([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$", r.stderr)):
            cpu = round(float(m.group(2)) + float(m.group(3)), 1)
        rows.append({"label": label, "args": " ".join(args), "rc": r.returncode, "wall_s": round(wall, 1),
                     "cpu_s": cpu, "size": out.stat().st_size if out.exists() else 0,
                     "member": data_member(out) if out.exists() else "?", "load": before, "archive": note})
        out.unlink(missing_ok=True)
    shutil.rmtree(tree.parent)
    return rows


# -- report --------------------------------------------------------------------------

def builds_table(results: list[dict]) -> str:
    head = ("| variant | weights | wall (dpkg-buildpackage -b) | CPU (user+sys) | dh_mlmodel wall | dh_mlmodel peak RSS "
            "| dh_install | dh_md5sums | dh_builddeb | weights .deb | member | disk used | load before→after |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    rows = []
    for r in results:
        s = r["steps"]
        w = r["debs"].get(WEIGHTS_PKG, {})
        rss = f"{r['mlmodel_rss_kb'] / 1024:.1f} MiB" if "mlmodel_rss_kb" in r else "–"
        mlw = f"{r['mlmodel_wall_s']:.1f} s" if "mlmodel_wall_s" in r else "–"
        status = "" if r["rc"] == 0 else f" **(failed rc={r['rc']})**"
        cpu = f"{r['cpu_s']:.1f} s" if "cpu_s" in r else "–"
        rows.append(f"| {r['variant']}{status} | {human(r['weights_bytes'])} | {r['wall_s']:.1f} s | {cpu} | {mlw} | {rss} "
                    f"| {s.get('dh_install', 0):.1f} s | {s.get('dh_md5sums', 0):.1f} s "
                    f"| {s.get('dh_builddeb', s.get('dh_mlmodel_builddeb', 0)):.1f} s "
                    f"| {w.get('size', 0):,} B | {w.get('member', '?')} | {human(r['disk_bytes'])} "
                    f"| {r['load_before']} → {r['load_after']} |")
    return head + "\n".join(rows) + "\n"


BREAKDOWN = ("dh_install", "dh_mlmodel", "dh_strip_nondeterminism", "dh_compress", "dh_md5sums", "dh_builddeb")


def breakdown_table(results: list[dict]) -> str:
    """Where the wall time goes: the heavy dh steps, the weights package's dpkg-deb call, and what is
    left (dpkg-buildpackage's own work: dpkg-genbuildinfo/dpkg-genchanges hash every .deb)."""
    head = ("| variant | weights | " + " | ".join(BREAKDOWN) + " | of which dpkg-deb (weights) "
            "| other dh steps | dpkg-genbuildinfo + genchanges, rest | total |\n|---|---|"
            + "---|" * (len(BREAKDOWN) + 4) + "\n")
    rows = []
    for r in results:
        s = dict(r["steps"])
        if "dh_mlmodel_builddeb" in s:
            s["dh_builddeb"] = s.pop("dh_mlmodel_builddeb") + s.get("dh_builddeb", 0.0)
        main = [s.get(k, 0.0) for k in BREAKDOWN]
        others = sum(v for k, v in s.items() if k not in BREAKDOWN)
        rest = r["wall_s"] - sum(main) - others
        call = next((c for c in r["dpkg_deb"] if c["package"] == WEIGHTS_PKG), {})
        deb = call.get("seconds", 0.0)
        rows.append(f"| {r['variant']} | {human(r['weights_bytes'])} | " + " | ".join(f"{v:.1f}" for v in main)
                    + f" | {deb:.1f} (CPU {call.get('cpu_s', '?')}) | {others:.1f} | {rest:.1f} | {r['wall_s']:.1f} |")
    return head + "\n".join(rows) + "\n"


def ratios(results: list[dict]) -> str:
    by = {r["variant"]: r for r in results if r["rc"] == 0}
    hand = by.get("handwritten")
    if not hand:
        return ""
    out = []
    hsize = hand["debs"][WEIGHTS_PKG]["size"]
    for name in ("mlmodel", "mlmodel-xz"):
        if name in by:
            r = by[name]
            size = r["debs"][WEIGHTS_PKG]["size"]
            cpu = (f"CPU {r['cpu_s'] / hand['cpu_s']:.3f}×, " if r.get("cpu_s") and hand.get("cpu_s") else "")
            out.append(f"- {name} / handwritten: wall {r['wall_s'] / hand['wall_s']:.3f}×, {cpu}"
                       f"weights .deb size {size / hsize:.4f}× ({(size - hsize) / hsize:+.2%})")
    return "\n".join(out) + "\n"


def table_md(rows: list[dict], nbytes: int) -> str:
    head = (f"| dpkg-deb on {human(nbytes)} of random weights | wall | CPU (user+sys) | .deb size | vs raw | member "
            "| archive | load |\n|---|---|---|---|---|---|---|---|\n")
    return head + "\n".join(
        f"| `{r['label']}` | {r['wall_s']:.1f} s | {r['cpu_s']} s | {r['size']:,} B | {r['size'] / nbytes:.4f} "
        f"| {r['member']} | {r['archive']} | {r['load']} |" for r in rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--phases", default="rss,three-way,dpkg-deb",
                   help="comma list of rss (mlmodel at each --rss-sizes), three-way (--variants at --size), dpkg-deb")
    p.add_argument("--size", type=parse_size, default=parse_size("2G"), help="weights for the three-way (2G)")
    p.add_argument("--rss-sizes", default="100M,2G", help="weights sizes for the RSS flatness runs (100M,2G)")
    p.add_argument("--table-size", type=parse_size, help="weights for the dpkg-deb table (default: --size)")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--quick", action="store_true", help="smoke run: 20M three-way, 10M/40M RSS, 20M table")
    p.add_argument("--workdir", type=Path, default=Path("/var/tmp"), help="parent of the work directory")
    p.add_argument("--keep", action="store_true", help="keep the build trees")
    p.add_argument("--json", type=Path, help="also write the raw results here")
    p.add_argument("--render", type=Path, nargs="+", metavar="JSON",
                   help="print the tables of earlier --json runs (builds of later files replace same-named ones)")
    a = p.parse_args(argv)
    if a.render:
        return render(a.render)
    if a.quick:
        a.size, a.rss_sizes = parse_size("20M"), "10M,20M"
    a.table_size = a.table_size or a.size
    phases = a.phases.split(",")
    variants = a.variants.split(",")
    if bad := [v for v in variants if v not in VARIANTS]:
        p.error(f"unknown variants {bad}")
    work = Path(tempfile.mkdtemp(prefix="dh-mlmodel-build-bench-", dir=a.workdir))
    report: dict = {"load_start": load(), "cores": os.cpu_count(), "git": _git_head(), "started": time.ctime()}
    print(f"# dh-mlmodel build benchmark ({report['started']}, {report['git']}, {report['cores']} cores, "
          f"load {report['load_start']})\n", flush=True)
    finished: dict = {}

    def run(key: str, variant: str, nbytes: int) -> dict:
        """One build, saved at once: a long run stopped half-way keeps what it measured."""
        result = build(work, variant, nbytes, finished, a.keep)
        report.setdefault(key, []).append(result)
        if a.json:
            a.json.write_text(json.dumps(report, indent=1) + "\n")
        return result

    try:
        if "rss" in phases:
            for n in [parse_size(s) for s in a.rss_sizes.split(",")]:
                run("rss", "mlmodel", n)
            print("## dh_mlmodel peak RSS by weights size (dh-sequence-mlmodel, defaults)\n", flush=True)
            print(builds_table(report["rss"]) + "\nSeconds per step:\n\n" + breakdown_table(report["rss"]), flush=True)
        if "three-way" in phases:
            for v in variants:
                reuse = next((r for r in report.get("rss", []) if v == "mlmodel" and r["weights_bytes"] == a.size),
                             None)
                if reuse:
                    report.setdefault("three_way", []).append(reuse)
                else:
                    run("three_way", v, a.size)
            print(f"## Three ways, {human(a.size)} of weights\n", flush=True)
            print(builds_table(report["three_way"]) + "\n" + ratios(report["three_way"]) + "\nSeconds per step:\n\n"
                  + breakdown_table(report["three_way"]), flush=True)
        if "dpkg-deb" in phases:
            # xz at its default level on this size was just timed inside the hand-written build's
            # dh_builddeb (same tree, same dpkg-deb): take that rather than spend it again.
            hand = next((r for r in report.get("three_way", []) if r["variant"] == "handwritten" and r["rc"] == 0
                         and r["weights_bytes"] == a.table_size), None)
            report["table_bytes"] = a.table_size
            report["dpkg_deb"] = dpkg_deb_table(work, a.table_size, ("-Zxz",) if hand else ())
            if hand:
                call = next(c for c in hand["dpkg_deb"] if c["package"] == WEIGHTS_PKG)
                deb = hand["debs"][WEIGHTS_PKG]
                report["dpkg_deb"].insert(0, {"label": "-Zxz (default level 6), in the hand-written build",
                                              "args": "-Zxz", "rc": 0, "wall_s": call["seconds"],
                                              "cpu_s": call.get("cpu_s", "?"),
                                              "size": deb["size"], "member": deb["member"],
                                              "load": hand["load_before"], "archive": "accepted"})
            print("## dpkg-deb alone\n", flush=True)
            print(table_md(report["dpkg_deb"], a.table_size), flush=True)
    finally:
        report["load_end"] = load()
        if a.json:
            a.json.write_text(json.dumps(report, indent=1) + "\n")
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load average at the end: {report['load_end']} (1/5/15 min; {report['cores']} cores, shared machine)")
    for r in report.get("rss", []) + report.get("three_way", []):
        if r["rc"] != 0:
            print(f"\n{r['variant']} {human(r['weights_bytes'])} failed:\n" + "\n".join(r.get("tail", [])))
    return 0


def render(paths: list[Path]) -> int:
    builds: dict[tuple[str, int], dict] = {}
    table, table_size, notes = None, None, []
    for path in paths:
        rep = json.loads(path.read_text())
        notes.append(f"- {path.name}: {rep['started']}, {rep['git']}, load {rep['load_start']} → {rep.get('load_end', '(stopped)')}")
        for r in rep.get("rss", []) + rep.get("three_way", []):
            builds[(r["variant"], r["weights_bytes"])] = r
        if rep.get("dpkg_deb"):
            table = rep["dpkg_deb"]
            # Runs before table_bytes was saved: the uncompressed row is the raw size plus tar headers.
            table_size = rep.get("table_bytes") or next((b["weights_bytes"] for b in rep.get("three_way", [])), None) \
                or _raw_size(table)
    ordered = sorted(builds.values(), key=lambda r: (r["weights_bytes"], VARIANTS.index(r["variant"])))
    print("Runs:\n" + "\n".join(notes) + "\n")
    if ordered:
        print(builds_table(ordered))
        for size in sorted({r["weights_bytes"] for r in ordered}):
            print(ratios([r for r in ordered if r["weights_bytes"] == size]), end="")
        print("\nSeconds per step:\n\n" + breakdown_table(ordered))
    if table:
        print(table_md(table, table_size or 0))
    return 0


def _raw_size(rows: list[dict]) -> int:
    none = next(r["size"] for r in rows if r["args"].startswith("-Znone"))
    return 1 << (none.bit_length() - 1)  # the bench sizes are powers of two; headers add a few KiB


def _git_head() -> str:
    r = subprocess.run(["git", "-C", str(TOP), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(TOP), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return r.stdout.strip()[:60] + (" (+ uncommitted changes)" if dirty else "")


if __name__ == "__main__":
    sys.exit(main())
