"""The trainer's decisions with the real default model, through the HTTP APIs:
a gate rejection, an automatic rollback of a worse canary, a canary
promotion, and a manual rollback.

Rounds train on edits that follow a house style, so the trainer's held-out
pairs (split by idea) say which versions learned it; the gate asks for a
clear gain. The canary's users then choose the candidate's titles (or the
active version's), which the feedback service scores as interleaved wins.
The test acts on what the trainer decides rather than predicting it: it runs
rounds until it has seen each outcome, within a bound.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from prefloop.shared.embedded import LocalStack
from prefloop.simulator.ideas import split_ideas
from tests.e2e.support import ADMIN, E2E_RECIPE, clients, pairs_waiting, running_stack, suggest
from tests.integration.conftest import eventually, query

pytestmark = pytest.mark.e2e

IDEAS_PER_ROUND = 6
MAX_ROUNDS = 6
# House styles the users' edits follow; a new style is something to learn,
# the same style again is not (the gate wants a clear gain). A style that
# wrapped the idea itself would teach the model to hand the idea back, which
# the service drops as a copy: these write words of their own.
STYLES = [
    lambda idea: f"Field Notes No. {len(idea)}: A Closer Look",
    lambda idea: f"Five Minute Answers, Part {len(idea.split())}",
    lambda idea: f"Honest Answers, Volume {len(idea) % 9 + 1}",
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {
        "PREFLOOP_TRAINER_GATE": "true",
        "PREFLOOP_TRAINER_GATE_MIN_ACCURACY_GAIN": "0.25",
        "PREFLOOP_TRAINER_CANARY_FRACTION": "1.0",
        "PREFLOOP_TRAINER_CANARY_MIN_DECISIONS": "8",
        "PREFLOOP_TRAINER_CANARY_CHECK_INTERVAL_S": "2",
        "PREFLOOP_TRAINER_REPLAY_PAIRS": "0",
        # Each round learns its style clearly, and is judged on the newest held-out
        # pairs, its own style's first: on every style and canary choice so far,
        # a round's gain is diluted by what it was never trained on.
        "PREFLOOP_TRAINER_DPO__EPOCHS": "3",
        "PREFLOOP_TRAINER_GATE_HELD_OUT_PAIRS": "8",
        "PREFLOOP_TRAINER_DPO__BATCH_SIZE": "8",
        **E2E_RECIPE,
        # The planted styles make held-out accuracy a clear signal here, so the
        # gate is the accuracy gate, without the sets' health check (the
        # trainer's integration tests cover it); the reward-model gate runs in
        # the whole-loop test.
        "PREFLOOP_TRAINER_GATE_SETS": "0",
        "PREFLOOP_TRAINER_REWARD_GATE": "false",
        "PREFLOOP_TRAINER_REWARD_PAIR_IDEAS": "0",
        "PREFLOOP_TRAINER_REWARD_FILTER_MIN_PAIRS": "0",
    }
    with running_stack(tmp_path_factory.mktemp("ops"), env) as local:
        yield local


class Operator:
    def __init__(self, stack: LocalStack) -> None:
        self.inference, self.feedback, self.trainer = clients(stack)
        self.database_url = stack.env["PREFLOOP_DATABASE_URL"]
        self._ideas = iter(split_ideas()[0])

    def users_edit_in_style(self, style_index: int) -> int:
        """Users of fresh ideas rewrite a shown title in one house style; returns the pairs made."""
        pairs = 0
        for _ in range(IDEAS_PER_ROUND):
            idea = next(self._ideas)
            served = suggest(self.inference, idea=idea, n=4)
            edited = STYLES[style_index](idea)
            response = self.feedback.post(
                "/v1/feedback",
                json={
                    "suggestion_set_id": served["suggestion_set_id"],
                    "action": "edit",
                    "edited_text": edited,
                },
            )
            assert response.status_code in (201, 202), response.text
            pairs += len(served["suggestions"])
        return pairs

    def run_round(self, pairs: int) -> dict[str, object]:
        """Start a round once `pairs` new pairs are in; return the version it made."""
        eventually(lambda: pairs_waiting(self.trainer) >= pairs, timeout_s=120, what=f"{pairs} pairs")
        before = {a["version"] for a in self.trainer.get("/v1/adapters").json()}
        assert self.trainer.post("/v1/training/runs", headers=ADMIN).status_code == 202

        def new_version() -> dict[str, object] | None:
            made = [a for a in self.trainer.get("/v1/adapters").json() if a["version"] not in before]
            return made[0] if made and made[0]["status"] != "candidate" else None

        return eventually(new_version, timeout_s=600, what="the round's version")

    def users_choose(self, candidate: str, prefer_candidate: bool) -> dict[str, object]:
        """Interleaved sets until the trainer decides; users take the candidate's
        titles or the active version's. Returns the candidate as it ends."""
        ideas = iter(split_ideas()[1])
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            adapter: dict[str, object] = self.trainer.get(f"/v1/adapters/{candidate}").json()
            if adapter["status"] != "canary":
                return adapter
            served = suggest(self.inference, idea=next(ideas), n=4)
            versions = self._versions_of(served["suggestion_set_id"])
            wanted = [s for s, v in versions.items() if (v == candidate) == prefer_candidate]
            if not wanted:  # the candidate could not contribute titles to this set
                continue
            self.feedback.post(
                "/v1/feedback",
                json={
                    "suggestion_set_id": served["suggestion_set_id"],
                    "action": "accept",
                    "suggestion_id": wanted[0],
                },
            )
        raise AssertionError(f"the canary {candidate} was not judged within 300 s")

    def _versions_of(self, set_id: str) -> dict[str, str]:
        """Which version wrote each title: hidden from the response, known to the feedback service."""

        def rows() -> list[dict[str, object]]:
            return query(
                self.database_url,
                "feedback",
                "SELECT id, model_version FROM suggestions WHERE set_id = %s",
                set_id,
            )

        return {str(r["id"]): str(r["model_version"]) for r in eventually(rows, what="the served set")}

    def active_everywhere(self) -> str:
        """The version the registry and the inference service agree is active."""

        def agreed() -> str | None:
            served = self.inference.get("/v1/models").json()["active_version"]
            registered = self.trainer.get("/v1/adapters/active")
            expected = registered.json()["version"] if registered.status_code == 200 else "base"
            return str(served) if served == expected else None

        return eventually(agreed, timeout_s=60, what="inference to serve the registry's active version")


@pytest.mark.timeout(2400)  # three to six real DPO rounds on 2 cores
def test_gate_rejection_canary_promotion_automatic_and_manual_rollback(stack: LocalStack) -> None:
    ops = Operator(stack)
    seen: dict[str, str] = {}
    style = 0
    for _ in range(MAX_ROUNDS):
        if {"rejected", "promoted", "rolled_back"} <= seen.keys():
            break
        version = ops.run_round(ops.users_edit_in_style(style))
        name = str(version["version"])
        if version["status"] == "rejected":
            seen.setdefault("rejected", name)
            assert "less than the required" in str(version["reason"]) or "does not beat" in str(
                version["reason"]
            )
            style = (style + 1) % len(STYLES)  # something new to learn next
            continue
        assert version["status"] == "canary", version
        # Users turn the first candidate down while base still serves: the next
        # new style then gains on base, which knows none. A second pass over a
        # promoted version needs a gain that the held-out pairs of several
        # styles and of the canary's own choices rarely show.
        promote = "rolled_back" in seen and "promoted" not in seen
        # The interleaved sets start once inference has the candidate loaded.
        ended = ops.users_choose(name, prefer_candidate=promote)
        outcome = ended["status"]
        if str(ended["reason"]).startswith("rolled back automatically"):
            # Its share of the sets came out short, so the serving watch ended it
            # before users' choices could judge it: no outcome the test asks for.
            assert outcome == "rolled_back"
            assert ops.active_everywhere() == seen.get("promoted", "base")
            style = (style + 1) % len(STYLES)
            continue
        if promote:
            assert outcome == "active"
            seen["promoted"] = name
            assert ops.active_everywhere() == name
            # the same style again: nothing new to learn, so the gate should refuse it
        else:
            assert outcome == "rolled_back"
            assert ops.active_everywhere() == seen.get("promoted", "base")
            if "rolled_back" not in seen:
                style = (style + 1) % len(STYLES)  # a style the users have not turned down
            seen.setdefault("rolled_back", name)
    assert {"rejected", "promoted", "rolled_back"} <= seen.keys(), f"outcomes seen: {seen}"

    # A manual rollback through the API returns to what was active before.
    previous = ops.active_everywhere()
    response = ops.trainer.post("/v1/adapters/rollback", headers=ADMIN, json={"reason": "e2e: operator"})
    assert response.status_code == 200, response.text
    restored = ops.active_everywhere()
    assert restored != previous
    assert ops.trainer.get(f"/v1/adapters/{previous}").json()["status"] == "rolled_back"
    served = suggest(ops.inference, idea="a week of cooking with one pan", n=2)
    assert served["model_version"] == restored
    print(f"\nE2E operations: {seen}, manual rollback {previous} -> {restored}")
