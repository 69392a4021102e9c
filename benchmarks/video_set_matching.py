"""Matching a face sequence as a set: mean of its descriptors, or its best pair (LFW DevTrain).

    python -m benchmarks.video_set_matching [--descriptors FILE.npz] [--rounds N] [--output FILE]

A "sequence" is 3 photos of one person (the stills a video keeps); the gallery holds 2 other
photos of every person with at least 5 (the people searched for) and 2 photos of every
person with exactly 2 (distractors). Officers are ranked as the product does, by the
distance to their gallery centroid (faces.pipeline.search), from either
- mean: the mean of the sequence's 3 descriptors, one search; or
- best pair: each still searched on its own, the officer nearest to any still wins.
Impostor sequences (3 photos of people with 3-4 photos, none in the gallery) count false
suggestions. Descriptors: benchmarks.devtrain_descriptors' file (shipped settings).
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

import numpy as np

from benchmarks import env as bench

SECTION = "### Matching a sequence as a set (python -m benchmarks.video_set_matching)"
DEFAULT = Path("/tmp/lfw-cache/devtrain-descriptors.npz")
THRESHOLD = 0.6


def run(path: Path, rounds: int) -> dict[str, dict[str, float]]:
    data = np.load(path, allow_pickle=True)
    names, vectors = data["names"], data["vectors"].astype(np.float64)
    ok = ~np.isnan(vectors).any(axis=1)
    by_person: dict[str, list[int]] = collections.defaultdict(list)
    for i, name in enumerate(names):
        if ok[i]:
            by_person[str(name)].append(i)
    searched = sorted(p for p, idx in by_person.items() if len(idx) >= 5)
    distractors = sorted(p for p, idx in by_person.items() if len(idx) == 2)
    impostors = sorted(p for p, idx in by_person.items() if 3 <= len(idx) <= 4)
    tops: dict[str, dict[str, list]] = {m: {"genuine": [], "impostor": []} for m in ("mean", "best pair")}
    for seed in range(rounds):
        rng = np.random.default_rng(seed)
        gallery, probes = [], []
        for person in searched:
            order = rng.permutation(by_person[person])
            gallery.append((person, vectors[order[:2]].mean(axis=0)))
            probes.append((person, vectors[order[2:5]]))
        gallery += [(p, vectors[by_person[p]].mean(axis=0)) for p in distractors]
        probes += [(None, vectors[rng.permutation(by_person[p])[:3]]) for p in impostors]
        labels = [g[0] for g in gallery]
        centroids = np.stack([g[1] for g in gallery])
        for truth, stills in probes:
            mean_d = np.linalg.norm(centroids - stills.mean(axis=0), axis=1)
            pair_d = np.linalg.norm(centroids[None, :, :] - stills[:, None, :], axis=2).min(axis=0)
            for method, distances in (("mean", mean_d), ("best pair", pair_d)):
                top = int(np.argmin(distances))
                if truth is None:
                    tops[method]["impostor"].append(float(distances[top]))
                else:
                    tops[method]["genuine"].append((float(distances[top]), labels[top] == truth))
    results = {}
    for method, t in tops.items():
        genuine = np.array([d for d, _ in t["genuine"]])
        right = np.array([r for _, r in t["genuine"]])
        impostor = np.sort(np.array(t["impostor"]))
        row: dict[str, float] = {"genuine": len(genuine), "impostors": len(impostor)}
        row["right at 0.6"] = float(np.mean(right & (genuine <= THRESHOLD)))
        row["wrong at 0.6"] = float(np.mean(~right & (genuine <= THRESHOLD)))
        for far in (0.01, 0.05):
            # The threshold at which this share of impostor sequences gets a (false) suggestion.
            cut = float(impostor[max(0, int(far * len(impostor)) - 1)])
            row[f"threshold at {100 * far:.0f} % impostors suggested"] = cut
            row[f"right at {100 * far:.0f} % impostors suggested"] = float(np.mean(right & (genuine <= cut)))
        results[method] = row
    return results


def report(results: dict[str, dict[str, float]], rounds: int) -> str:
    keys = [k for k in next(iter(results.values())) if k not in ("genuine", "impostors")]
    first = next(iter(results.values()))
    lines = [
        f"{int(first['genuine'])} genuine sequences (56 people x {rounds} draws) and {int(first['impostors'])} "
        f"impostor sequences, 3 stills each; gallery of 2 photos per person; threshold {THRESHOLD}.",
        "",
        "| method | " + " | ".join(keys) + " |",
        "|---|" + "---:|" * len(keys),
    ]
    for method, row in results.items():
        lines.append(
            f"| {method} | "
            + " | ".join(f"{row[k]:.3f}" if k.startswith("threshold") else f"{100 * row[k]:.1f} %" for k in keys)
            + " |"
        )
    lines.append("")
    lines.append(
        "Against 580 gallery people at 0.6 almost every impostor sequence gets some suggestion with either "
        "method (as single photos do: a person confirms every suggestion), so the columns at a fixed share "
        "of impostors suggested are the comparison that matters."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--descriptors", type=Path, default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--output", type=Path, default=None, help="print only unless given")
    args = parser.parse_args()
    text = report(run(args.descriptors, args.rounds), args.rounds)
    print(text)
    if args.output:
        bench.replace_section(SECTION, text, args.output)


if __name__ == "__main__":
    main()
