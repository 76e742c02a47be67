"""The in-process learning loop on the real default model: users' choices
become pairs, a round trains and activates an adapter, the benchmark judges it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_one_round_trains_activates_and_is_benchmarked(tmp_path: Path) -> None:
    out = tmp_path / "seed-3.json"
    env = {
        **os.environ,
        "PREFLOOP_SIMULATOR_N": "2",
        "PREFLOOP_TRAINER_GATE": "false",  # activation is what the benchmark needs here
        "PREFLOOP_TRAINER_DPO__BATCH_SIZE": "4",
    }
    args = ["--events", "6", "--events-per-round", "6", "--samples", "2", "--ideas", "3", "--seed", "3"]
    subprocess.run(
        [sys.executable, "deploy/local/loop_sim.py", *args, "--out", str(out)],
        env=env,
        check=True,
        timeout=600,
    )
    report = json.loads(out.read_text())
    assert report["events"] == 6
    assert report["rounds"] == 1
    assert report["activated"] == 1
    (round_,) = report["round_log"]
    # n=2: an accept gives one pair, an edit two, a rejection none
    assert 1 <= round_["train_pairs"] + round_["held_out_pairs"] <= 12
    assert round_["refusal"] is None
    # The round's wall time holds every phase's (they run one after another within it;
    # each figure is rounded to a tenth of a second).
    phases = round_["phase_seconds"]
    assert round_["round_seconds"] + 0.05 * (len(phases) + 1) >= sum(phases.values()) > 0
    # What the gate weighed: users' held-out pairs whenever there are any (and
    # the reward model's duels once one is credible, not after 6 events).
    assert "duels" not in round_["gate"]
    assert ("gate" in round_["gate"]) == (round_["held_out_pairs"] > 0)
    if round_["held_out_pairs"]:
        assert round_["gate"]["gate"]["candidate"]["pairs"] == round_["held_out_pairs"]
    assert 0 < report["duels"] <= 6
    assert 0 <= report["win_rate"] <= 1
    base_refused, version_refused = report["never_taken"]  # titles users would never take, per side
    assert 0 <= base_refused <= report["duels"]
    assert 0 <= version_refused <= report["duels"]
    # Each activated version is judged against base when it is activated, and
    # the sets users met are counted per version.
    assert round_["version"] == report["final_version"] == report["best_version"]
    assert report["versions"][round_["version"]]["win_rate"] == report["win_rate"] == round_["win_rate"]
    assert sum(report["served_sets"]["base"].values()) == 6
    assert report["shown_sets"] == report["served_sets"]  # base's short sets are not filled from itself
    assert report["rollbacks"] == []
