"""The glass lab in a real browser: headless Chromium opens the page over file:// and uses it as a learner would.

Each page (a preset, a checkpoint trained a few steps, a Hugging Face GPT-2 folder with random weights) must
draw without a console error and without a single request that is not the file itself (or a data:/blob: URL it
made); hovering a heatmap cell shows that cell's weight and raw score; clicking it opens the head's step-by-step
view; the language switch turns the page Chinese; "Save PNG" produces a PNG. Screenshots of each go to tmp_path.
GLASSGPT_LAB_SCREENSHOT=1 adds a fourth page, the model `glassgpt train --task induction` grows (half a minute of
training), whose screenshot becomes docs/lab.png (the README shows it).

Needs Debian's `chromium` and `chromium-driver` (.ci/run installs them) and selenium; skipped, saying which is
missing, without them.
"""

import base64
import json
import os
import shutil
import struct
import time
from pathlib import Path

import pytest

from glassgpt.cli import lab as lab_mode
from glassgpt.cli.messages import Messages
from glassgpt.lab.texts import PAGE_TEXTS

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from conftest import random_hf_gpt2  # noqa: E402  (tests/ is on sys.path, as for every test module here)
from test_lab import lab_args, page_data, trained_checkpoint  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="the browser tests need Chromium and its driver: apt-get install chromium chromium-driver "
           f"(found chromium: {CHROMIUM}, chromedriver: {CHROMEDRIVER})")
DOCS_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "lab.png"
WIDTH, HEIGHT = 1400, 1000


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={WIDTH},{HEIGHT}", "--force-device-scale-factor=1", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


# ---- the kinds of model

def preset_page(tmp_path: Path) -> Path:
    out = tmp_path / "preset.html"
    lab_mode.run(lab_args("--preset", "tiny", "--seed", "3", "--out", str(out)), Messages("en"))
    return out


def trained_page(tmp_path: Path) -> Path:
    """A character-level model trained a few steps, saved with its tokenizer: text (Chinese too) on the axes."""
    folder = trained_checkpoint(tmp_path / "trained")
    out = tmp_path / "trained.html"
    lab_mode.run(lab_args("--checkpoint", str(folder), "--text", "the cat sat on the mat. 猫坐在", "--out", str(out)),
                 Messages("en"))
    return out


def gpt2_page(tmp_path: Path) -> Path:
    pytest.importorskip("transformers")
    random_hf_gpt2(tmp_path / "gpt2", vocab_size=500, n_positions=64, n_layer=3, n_head=4, n_embd=64)
    out = tmp_path / "gpt2.html"
    lab_mode.run(lab_args("--checkpoint", str(tmp_path / "gpt2"), "--out", str(out)), Messages("en"))
    return out


def induction_page(tmp_path: Path) -> Path:
    """The model `glassgpt train --task induction` grows (its defaults), reading a word twice: the page README
    shows. Slow (the training takes about half a minute), so only when asked for."""
    if os.environ.get("GLASSGPT_LAB_SCREENSHOT") != "1":
        pytest.skip("set GLASSGPT_LAB_SCREENSHOT=1 to train the induction model (about 30 s) and refresh docs/lab.png")
    from glassgpt.training import TrainSettings, train

    train(TrainSettings(), tmp_path / "induction")
    out = tmp_path / "induction.html"
    lab_mode.run(lab_args("--checkpoint", str(tmp_path / "induction"), "--text", "uncopyrightable" * 2,
                          "--out", str(out)), Messages("en"))
    return out


PAGES = {"preset": preset_page, "trained": trained_page, "gpt2": gpt2_page, "induction": induction_page}


# ---- what the browser saw

def open_page(browser, path: Path) -> None:
    browser.get(path.as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.body.dataset.ready") == "yes")


def console_errors(browser) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def requested_urls(browser) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def hover_cell(browser, canvas, i: int, j: int) -> str:
    """Move the mouse over cell (i, j) of a heatmap canvas; -> the tooltip's text."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    box = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.width, r.height]", canvas)
    left, top, cell = (float(canvas.get_attribute(f"data-{name}")) for name in ("left", "top", "cell"))
    # Selenium measures the offset from the element's centre
    x, y = left + (j + 0.5) * cell - box[0] / 2, top + (i + 0.5) * cell - box[1] / 2
    ActionChains(browser).move_to_element_with_offset(canvas, round(x), round(y)).perform()
    tooltip = browser.find_element(By.ID, "tooltip")
    WebDriverWait(browser, 5).until(lambda d: tooltip.is_displayed())
    return tooltip.text


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its signature and IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("kind", PAGES)
def test_the_page_works_offline_in_chromium(browser, downloads, tmp_path, kind):
    path = PAGES[kind](tmp_path)
    data = page_data(path)
    for old in downloads.iterdir():  # an earlier page saved a PNG of the same name
        old.unlink()
    browser.get_log("browser"), browser.get_log("performance")  # start from empty logs
    open_page(browser, path)

    # the head with the highest induction score: its layer's button, then the cell where its last query looks most;
    # the tooltip shows that cell's weight and raw score
    T = data["tokens"]["prompt_length"]
    induction = data["head_scores"]["scores"]["induction"]
    layer, head = max(((l, h) for l in range(len(induction)) for h in range(len(induction[0]))),
                      key=lambda lh: induction[lh[0]][lh[1]])
    browser.find_elements(By.CSS_SELECTOR, "#attention .choices button")[layer].click()
    row = data["attention"]["weights"][layer][head][T - 1]
    j = row.index(max(row))
    canvas = browser.find_elements(By.CSS_SELECTOR, "#attention canvas")[head]
    tip = hover_cell(browser, canvas, T - 1, j)
    weight, score = row[j], data["attention"]["scores"][layer][head][T - 1][j]
    assert f"weight {weight:.4f}" in tip and f"q·k/√hs = {score:.4f}" in tip, tip
    browser.save_screenshot(str(tmp_path / f"{kind}-hover.png"))
    if kind == "induction":  # the picture README shows
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(tmp_path / f"{kind}-hover.png", DOCS_SCREENSHOT)

    # a click opens that head step by step
    canvas.click()
    steps = browser.find_element(By.ID, "steps").text
    assert f"Layer {layer}, head {head}," in steps and "−∞" in steps and "Σ weight × v" in steps

    # one click saves a heatmap as PNG: the page's own data URL, and the file the browser saved
    browser.find_element(By.CSS_SELECTOR, "#attention button.png").click()
    link = browser.find_element(By.ID, "png-link")
    href, name = link.get_attribute("href"), link.get_attribute("download")
    assert href.startswith("data:image/png;base64,")
    width, height = png_size(base64.b64decode(href.split(",", 1)[1]))
    assert width > 50 and height > 50
    saved = downloads / name
    deadline = time.monotonic() + 10
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert png_size(saved.read_bytes()) == (width, height)

    # the switch turns every text Chinese
    browser.find_element(By.CSS_SELECTOR, "button[data-lang=zh]").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == PAGE_TEXTS["page.title"][1]
    body = browser.find_element(By.TAG_NAME, "body").text
    assert PAGE_TEXTS["attention.title"][1] in body and PAGE_TEXTS["gen.title"][1] in body
    assert PAGE_TEXTS["attention.title"][0] not in body
    canvas = browser.find_elements(By.CSS_SELECTOR, "#attention canvas")[head]  # drawn anew, in Chinese
    assert f"权重 {weight:.4f}" in hover_cell(browser, canvas, T - 1, j)

    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(tmp_path / f"{kind}.png"))
    assert console_errors(browser) == []
    urls = requested_urls(browser)
    assert urls and all(url.startswith(("file://", "data:", "blob:")) for url in urls), urls
