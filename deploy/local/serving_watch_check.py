"""`make serving-watch-check`: how the serving watch behaves, by simulation,
under the trainer's settings (PREFLOOP_TRAINER_SERVING_*). Seconds on a CPU.

Versions serve sets that come out short or failed at a fixed true rate; the
watch looks after every set, as if a tick came between any two requests, for
`--sets` sets. For a reference that served `--reference-sets` sets with
`--reference-bad` bad ones, it reports, for true rates at the reference's own
observed rate and some points above it, the share of versions rolled back and
the median number of sets served before the rollback.
"""

from __future__ import annotations

import argparse
import random
import statistics

from prefloop.trainer.registry.serving_watch import ServingPolicy, SetCounts
from prefloop.trainer.registry.serving_watch_simulation import sets_until_rollback
from prefloop.trainer.settings import TrainerSettings

EXCESS_POINTS = (0, 1, 2, 5, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-sets", type=int, default=120)
    parser.add_argument("--reference-bad", type=int, default=0)
    parser.add_argument("--sets", type=int, default=300, help="sets each simulated version serves")
    parser.add_argument("--versions", type=int, default=1000, help="simulated versions per rate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    policy = ServingPolicy.from_settings(TrainerSettings())
    reference = SetCounts(full=args.reference_sets - args.reference_bad, short=args.reference_bad)
    compared_with = {"reference": reference}
    rng = random.Random(args.seed)
    print(f"{policy}; reference: {args.reference_bad} bad of {args.reference_sets} sets")
    print("true rate | rolled back within", args.sets, "sets | median sets until then")
    for points in EXCESS_POINTS:
        rate = reference.bad_share + points / 100
        runs = [
            sets_until_rollback(rate, compared_with, policy, args.sets, rng) for _ in range(args.versions)
        ]
        caught = [n for n in runs if n is not None]
        median = f"{statistics.median(caught):.0f}" if caught else "-"
        print(f"{rate:9.1%} | {len(caught) / len(runs):6.1%} | {median}")


if __name__ == "__main__":
    main()
