#!/usr/bin/env python3
"""compare.py - Linux 6.1's figures (fidelity/kernel, made by fidelity/qemu/boot.sh)
beside antifrag's on the same experiment; writes docs/fidelity.md.

    python3 fidelity/compare.py [--antifrag build/antifrag] [--out docs/fidelity.md]

Each table row is one figure: the kernel's min..max over its boots, antifrag's
mean and range over its seeds, the difference of the means, and whether
antifrag's mean is inside the kernel's range.
"""
import argparse
import pathlib
import re
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
KERNEL = ROOT / "fidelity" / "kernel"
TYPES = ["Unmovable", "Movable", "Reclaimable"]


def vmstat(text):
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


def blocks(text):
    """pagetypeinfo's 'Number of blocks type' table: {(zone, type): n}"""
    out, head = {}, None
    for line in text.splitlines():
        if line.startswith("Number of blocks type"):
            head = line.split()[4:]
            continue
        m = re.match(r"Node\s+\d+, zone\s+(\S+)\s+([\d\s]+)$", line)
        if head and m:
            for t, n in zip(head, m.group(2).split()):
                out[(m.group(1), t)] = int(n)
    return out


def buddy(text):
    """buddyinfo: {zone: [free blocks of order 0..10]}"""
    out = {}
    for line in text.splitlines():
        m = re.match(r"Node\s+\d+, zone\s+(\S+)\s+([\d\s]+)$", line)
        if m:
            out[m.group(1)] = [int(x) for x in m.group(2).split()]
    return out


def pcp_count(text):
    """zoneinfo: the pages on every CPU's pcp lists, summed"""
    return sum(int(x) for x in re.findall(r"^\s+count:\s+(\d+)", text, re.M))


def boot_figures(files):
    """The boot experiment's figures from a dict of file name -> text"""
    fig = {}
    vm = vmstat(files["vmstat"])
    fig["nr_free_pages"] = vm["nr_free_pages"]
    fig["pages on pcp lists"] = pcp_count(files["zoneinfo"])
    for (zone, t), n in sorted(blocks(files["pagetypeinfo"]).items()):
        if t in TYPES:
            fig[f"{zone} {t} pageblocks"] = n
    for zone, counts in buddy(files["buddyinfo"]).items():
        fig[f"{zone} free order-10 blocks"] = counts[10]
        fig[f"{zone} free blocks below order 9"] = sum(counts[:9])
    return fig


def kernel_runs(exp, mem, phase):
    runs = []
    for d in sorted((KERNEL / exp / mem).glob("run*")):
        files = {p.name: p.read_text() for p in (d / phase).iterdir()}
        runs.append(files)
    return runs


def antifrag_files(af, mem, seed, extra):
    """antifrag's files for one run: --show each and split the output"""
    shows = ["/proc/vmstat", "/proc/zoneinfo", "/proc/pagetypeinfo", "/proc/buddyinfo"]
    cmd = [str(af), "run", "--mem", mem, "--seed", str(seed)] + extra
    for s in shows:
        cmd += ["--show", s]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    files, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"==> (\S+) <==$", line)
        if m:
            cur = m.group(1).rsplit("/", 1)[1]
            files[cur] = []
        elif cur:
            files[cur].append(line)
    return {k: "\n".join(v) + "\n" for k, v in files.items()}


def table(title, note, kern, mine):
    rows = [f"### {title}", "", note, "",
            "| figure | kernel min..max | antifrag mean (min..max) | difference | inside |",
            "|---|---|---|---|---|"]
    for key in kern[0]:
        k = [r[key] for r in kern]
        a = [r.get(key, 0) for r in mine]
        am = statistics.mean(a)
        inside = min(k) <= am <= max(k)
        rows.append(f"| {key} | {min(k)}..{max(k)} | {am:g} ({min(a)}..{max(a)}) | "
                    f"{am - statistics.mean(k):+g} | {'yes' if inside else '**no**'} |")
    return "\n".join(rows) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--antifrag", default=str(ROOT / "build" / "antifrag"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "fidelity.md"))
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    if not pathlib.Path(args.antifrag).exists():
        sys.exit(f"compare.py: no {args.antifrag} (build it: ./build.sh)")

    parts = ["# Fidelity: antifrag beside Linux 6.1", "",
             "Regenerate with `python3 fidelity/compare.py` (after `./build.sh`); the kernel's",
             "figures come from `fidelity/qemu/boot.sh` (see `fidelity/README.md`).", ""]
    parts.append("## Boot state\n")
    for mem in sorted(p.name for p in (KERNEL / "boot").iterdir()):
        kern = [boot_figures(f) for f in kernel_runs("boot", mem, "boot")]
        mine = [boot_figures(antifrag_files(args.antifrag, mem, s, ["--no-workload"]))
                for s in range(1, args.seeds + 1)]
        note = (f"`-m {mem}`: the kernel when its /init starts ({len(kern)} boots); "
                f"antifrag `run --mem {mem} --no-workload` ({len(mine)} seeds).")
        parts.append(table(f"{mem}", note, kern, mine))
    text = "\n".join(parts)
    pathlib.Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
