"""The lab's "How it formed" and "Ablate" sections: their numbers are the timeline's and interventions', and in
Chromium the slider redraws a head's attention as it was at the chosen step, and a click on a head shows the
predictions with and without it.

Oracles: the run's own timeline file (timeline.read_timeline) and interventions.ablate_heads on the page's sequence
(itself checked against a model with zeroed c_proj columns, tests/test_interventions.py). The browser half is
skipped without Chromium and its driver, like tests/test_lab_browser.py.
"""

import shutil

import pytest
import torch

from glassgpt import GPT
from glassgpt.cli import lab as lab_mode
from glassgpt.cli.messages import Messages
from glassgpt.interventions import ablate_heads
from glassgpt.lab.texts import PAGE_TEXTS
from glassgpt.timeline import read_timeline
from glassgpt.training import TrainSettings, train

from test_lab import lab_args, page_data  # noqa: E402  (tests/ is on sys.path)

SETTINGS = TrainSettings(steps=40, batch_size=8, seq_len=24, n_layer=2, n_head=2, n_embd=32, vocab_size=16,
                         min_period=3, max_period=8, warmup_steps=5)
TEXT = "abcdefgabcdefg"


@pytest.fixture(scope="module")
def run_page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formed")
    train(SETTINGS, folder / "run")
    out = folder / "run.html"
    lab_mode.run(lab_args("--checkpoint", str(folder / "run"), "--text", TEXT, "--out", str(out)), Messages("en"))
    return folder / "run", out


def test_the_page_carries_the_timeline_and_every_heads_ablation(run_page):
    folder, page = run_page
    circuits = page_data(page)["circuits"]
    timeline = read_timeline(folder)
    formed = circuits["formed"]
    assert formed["steps"] == timeline.steps and formed["probe"]["ids"] == timeline.probe_ids
    P, L, nh, T_p, _ = timeline.probe_pattern.shape
    for p in (0, P - 1):
        for layer in range(L):
            for head in range(nh):
                expected = (timeline.probe_pattern[p, layer, head] * 100).round()
                rows = formed["pattern"][p][layer][head]
                assert [len(row) for row in rows] == list(range(1, T_p + 1))
                assert all(rows[i][j] == expected[i, j] for i in range(T_p) for j in range(i + 1))
    model = GPT.from_pretrained(folder)
    idx = torch.tensor([["abcdefghijklmnop".index(c) for c in TEXT]])  # the induction task's characters
    ablation = circuits["ablation"]
    for layer in range(L):
        for head in range(nh):
            result = ablate_heads(model, idx[:, :-1], idx[:, 1:], [(layer, head)])
            assert ablation["change"][layer][head] == pytest.approx(result.change, abs=1e-5)
            assert ablation["top_after"][layer][head] == result.top_after[0].tolist()
    assert ablation["top_before"] == result.top_before[0].tolist()
    assert set(circuits["id_texts"]) >= {str(i) for i in ablation["top_before"]}


def test_a_model_without_a_timeline_and_a_big_one_say_what_is_left_out(tmp_path):
    out = tmp_path / "preset.html"
    lab_mode.run(lab_args("--preset", "tiny", "--out", str(out)), Messages("en"))
    circuits = page_data(out)["circuits"]
    assert circuits["formed"] is None and circuits["ablation"] is not None
    out = tmp_path / "big.html"
    lab_mode.run(lab_args("--preset", "tiny", "--n-layer", "7", "--n-head", "8", "--n-embd", "64", "--out", str(out)),
                 Messages("en"))
    circuits = page_data(out)["circuits"]
    assert circuits["ablation"] is None and circuits["ablation_left_out"] == "heads"


# --- in Chromium ---------------------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
browser_only = pytest.mark.skipif(CHROMIUM is None or shutil.which("chromedriver") is None,
                                  reason="the browser tests need Chromium and its driver")


@browser_only
def test_the_slider_and_a_head_click_in_chromium(run_page, tmp_path):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from test_lab_browser import console_errors, hover_cell, open_page

    folder, page = run_page
    data = page_data(page)
    driver = _driver(tmp_path)
    try:
        open_page(driver, page)
        formed = data["circuits"]["formed"]
        last = len(formed["steps"]) - 1
        layer, head = formed["head"]["layer"], formed["head"]["head"]
        canvas = driver.find_element(By.CSS_SELECTOR, "#formed-map canvas")
        i = len(formed["probe"]["ids"]) - 1
        row = formed["pattern"][last][layer][head][i]
        j = row.index(max(row))
        assert f"weight {row[j] / 100:.2f}" in hover_cell(driver, canvas, i, j)
        # the slider, by keyboard: Home goes to the first recorded step, two right arrows to the third
        slider = driver.find_element(By.ID, "formed-slider")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", slider)
        slider.send_keys(Keys.HOME)
        slider.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
        assert driver.find_element(By.ID, "formed-step").text == f"step {formed['steps'][2]}"
        canvas = driver.find_element(By.CSS_SELECTOR, "#formed-map canvas")
        early = formed["pattern"][2][layer][head][i]
        assert f"weight {early[j] / 100:.2f}" in hover_cell(driver, canvas, i, j)

        # a click on a head of the ablation heatmap: its predictions with and without it
        ablation = data["circuits"]["ablation"]
        change = ablation["change"]
        l, h = max(((a, b) for a in range(len(change)) for b in range(len(change[0]))),
                   key=lambda ab: change[ab[0]][ab[1]])
        grid = driver.find_element(By.CSS_SELECTOR, "#ablate canvas")
        hover_cell(driver, grid, l, h)
        ActionChains(driver).click().perform()  # where the mouse is: over that cell
        chosen = driver.find_element(By.ID, "ablate-chosen").text
        assert f"Without layer {l}, head {h}" in chosen
        rows = driver.find_elements(By.CSS_SELECTOR, "#ablate-table tr.changed")
        expected = sum(a != b for a, b in zip(ablation["top_before"], ablation["top_after"][l][h]))
        assert len(rows) == expected

        driver.find_element(By.CSS_SELECTOR, "button[data-lang=zh]").click()
        body = driver.find_element(By.TAG_NAME, "body").text
        assert PAGE_TEXTS["formed.title"][1] in body and PAGE_TEXTS["ablate.title"][1] in body
        assert console_errors(driver) == []
    finally:
        driver.quit()


def _driver(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--force-device-scale-factor=1", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
