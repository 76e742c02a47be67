"""A person and an operator use the console in a real browser, against the
real stack and model: labelling by keyboard alone becomes feedback and pairs,
a round trains on them, the operator rolls it back; without the token the
controls are refused; an API that is down shows as a message on the page."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from prefloop.shared.embedded import LocalStack
from tests.e2e.browser import chromium, screenshot_path
from tests.e2e.support import ADMIN, E2E_RECIPE, clients, running_stack
from tests.integration.conftest import eventually

pytestmark = pytest.mark.e2e

PERSON = "ana-keyboard"
WAIT_MS = 180_000  # a set of titles takes seconds on a CPU; a first one may wait for the model


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {
        **E2E_RECIPE,
        # every round the operator starts is activated: the gate has its own tests
        "PREFLOOP_TRAINER_GATE": "false",
        "PREFLOOP_TRAINER_REWARD_GATE": "false",
        "PREFLOOP_TRAINER_REWARD_PAIR_IDEAS": "0",
        "PREFLOOP_TRAINER_REWARD_FILTER_MIN_PAIRS": "0",
        "PREFLOOP_TRAINER_REPLAY_PAIRS": "0",
    }
    with running_stack(tmp_path_factory.mktemp("console"), env) as local:
        yield local


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def next_set(page: Page, previous: str | None) -> str:
    """Wait for a set of titles other than `previous`; returns its id."""
    try:
        page.wait_for_function(
            "prev => { const box = document.getElementById('titles');"
            " return box.dataset.setId && box.dataset.setId !== prev && box.querySelector('button.title'); }",
            arg=previous or "",
            timeout=WAIT_MS,
        )
    except PlaywrightTimeout as exc:
        said = page.locator("#status").text_content(), page.locator("#error").text_content()
        raise AssertionError(f"no new set of titles; the page said {said}") from exc
    return str(page.get_attribute("#titles", "data-set-id"))


def active_version(trainer: httpx.Client) -> str | None:
    response = trainer.get("/v1/adapters/active")
    return str(response.json()["version"]) if response.status_code == 200 else None


def own_feedback(stack: LocalStack) -> int:
    stats = httpx.get(f"{stack.url('feedback')}/v1/stats", params={"user_id": PERSON}).json()
    return sum(v["feedback"] for v in stats["versions"])


def test_a_person_labels_five_sets_by_keyboard_alone(stack: LocalStack, page: Page) -> None:
    page.goto(stack.url("console"))
    page.focus("#user-id")
    page.keyboard.press("Control+A")
    page.keyboard.type(PERSON)
    page.keyboard.press("Tab")  # the change is saved as focus leaves the field
    first = next_set(page, None)
    focus = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus != "none", "keyboard focus is visible"
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    page.screenshot(path=screenshot_path("label"), full_page=True)

    shown = page.locator("button.title").count()
    assert shown == 4
    page.keyboard.press("1")
    second = next_set(page, first)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("e")
    expect(page.locator("#edit-text")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("A title I would click, written by hand")
    page.keyboard.press("Enter")
    third = next_set(page, second)
    page.keyboard.press("x")
    fourth = next_set(page, third)
    # the last title's key: base may write fewer distinct usable titles than asked for
    page.keyboard.press(str(page.locator("button.title").count()))
    fifth = next_set(page, fourth)
    page.keyboard.press("2")
    next_set(page, fifth)
    expect(page.locator("#status")).to_contain_text("titles for")

    eventually(lambda: own_feedback(stack) == 5, timeout_s=60, what="the five choices in /v1/stats")
    expect(page.locator("#choices-today")).to_have_text("5", timeout=30_000)
    expect(page.locator("#served-by")).to_have_text("base")

    # pairwise, as in hand-labelled preference data: two titles, arrows choose
    page.check('input[name="mode"][value="pair"]')
    sixth = next_set(page, None)
    assert page.locator("button.title").count() == 2
    page.screenshot(path=screenshot_path("label-pairwise"), full_page=True)
    page.keyboard.press("ArrowLeft")
    next_set(page, sixth)
    eventually(lambda: own_feedback(stack) == 6, timeout_s=60, what="the pairwise choice")


def test_the_pages_fit_a_narrow_phone_window(stack: LocalStack, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        for path, name in (("/", "label-390px"), ("/operate", "login-390px")):
            page.goto(stack.url("console") + path)
            if path == "/":
                next_set(page, None)
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= 390, f"{path} is {overflow} px wide in a 390 px window"
            page.screenshot(path=screenshot_path(name), full_page=True)
    finally:
        context.close()


def test_without_the_token_the_controls_are_refused(stack: LocalStack, page: Page) -> None:
    page.goto(stack.url("console") + "/operate")
    expect(page.locator("#token")).to_be_visible()
    page.screenshot(path=screenshot_path("login"), full_page=True)
    refused = page.request.post(
        stack.url("console") + "/operate/actions", form={"action": "rollback", "reason": "no token"}
    )
    assert "Sign in with the admin token first" in refused.text()
    page.fill("#token", "not-the-token")
    page.click("button[type=submit]")
    expect(page.locator("#flash")).to_contain_text("Not signed in: trainer answered 403")


def test_an_operator_starts_a_round_on_the_labels_and_rolls_it_back(stack: LocalStack, page: Page) -> None:
    _, _, trainer = clients(stack)
    page.goto(stack.url("console") + "/operate")
    page.fill("#token", ADMIN["X-Admin-Token"])
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_have_text("Signed in.")
    token = ADMIN["X-Admin-Token"]
    assert token not in page.content()
    assert token not in page.url
    assert all(token not in cookie["value"] for cookie in page.context.cookies())

    page.fill("#reason", "train on the hand labels")
    page.click("button[value=run]")
    expect(page.locator("#flash")).to_contain_text("Start a round: done")
    version = eventually(
        lambda: active_version(trainer),
        timeout_s=600,
        what="the round on the labels to activate a version",
    )
    page.reload()
    expect(page.locator("#active")).to_have_text(version)
    row = page.locator(f'tr[data-version="{version}"]')
    expect(row).to_contain_text("active")
    page.screenshot(path=screenshot_path("operate"), full_page=True)

    with page.expect_download() as download:
        page.click("text=Export pairs")
    lines = [json.loads(line) for line in download.value.path().read_text().splitlines()]
    assert len(lines) >= 10
    assert {"prompt", "chosen", "rejected"} <= set(lines[0])

    page.fill("#reason", "checking a rollback from the console")
    page.click("button[value=rollback]")
    expect(page.locator("#flash")).to_contain_text("Roll back: done")
    expect(page.locator("#active")).to_have_text("base")
    expect(page.locator(f'tr[data-version="{version}"]')).to_contain_text("rolled_back")
    page.screenshot(path=screenshot_path("operate-after-rollback"), full_page=True)


def test_an_api_that_is_down_shows_as_a_message_on_the_page(stack: LocalStack, page: Page) -> None:
    stack.kill("inference")  # last test of the module: the stack is not used after it
    page.goto(stack.url("console"))
    error = page.locator("#error")
    expect(error).to_contain_text("No titles: the inference service is not reachable", timeout=30_000)
    expect(page.locator("#panel-problems")).to_contain_text("inference")
    page.screenshot(path=screenshot_path("label-inference-down"), full_page=True)
