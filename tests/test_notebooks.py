"""The notebooks, run as a learner runs them: each top to bottom by nbclient in a fresh Jupyter kernel (the
standard tool; CPU, this checkout's glassgpt).

- notebooks/tour.ipynb and tour.zh-CN.ipynb: every cell runs, and the results show as glassgpt's HTML, in the
  notebook's language;
- tests/notebooks/course_step2.ipynb: the calls the course's step-2 notebook makes, in its order, on glassgpt's
  root model.py copied in as the learner's `model_exercise.py`, including `!python model_exercise.py`;
- one inline lab (`glassgpt.show` in the tour) opened in Chromium from the executed notebook's saved HTML;
- no notebook in the repository is stored with outputs.
"""

import html
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

from glassgpt.lab.texts import PAGE_TEXTS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOURS = {"en": ROOT / "notebooks" / "tour.ipynb", "zh": ROOT / "notebooks" / "tour.zh-CN.ipynb"}
COURSE = ROOT / "tests" / "notebooks" / "course_step2.ipynb"
CELL_TIMEOUT = 600  # seconds; a hang fails instead of stalling the suite (the tours take a minute or two)


def execute(path: Path, cwd: Path, tmp: Path):
    """The notebook at `path`, run top to bottom in a fresh kernel started in `cwd`, with this checkout's glassgpt
    first on the path, this Python first on PATH (for `!python`), and temporary files under `tmp`."""
    notebook = nbformat.read(path, as_version=4)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
           "TMPDIR": str(tmp)}
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute(env=env)
    return notebook


def outputs(notebook, cell_start: str | None = None):
    """Every output of the code cells (whose source starts with `cell_start`, if given)."""
    return [output for cell in notebook.cells if cell.cell_type == "code"
            and (cell_start is None or cell.source.startswith(cell_start)) for output in cell.outputs]


def html_of(notebook, cell_start: str) -> str:
    found = [o["data"]["text/html"] for o in outputs(notebook, cell_start) if "text/html" in o.get("data", {})]
    assert found, f"the cell starting {cell_start!r} showed no HTML"
    return found[-1]


def test_no_notebook_in_the_repository_is_stored_with_outputs():
    notebooks = sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(ROOT.glob("tests/notebooks/*.ipynb"))
    assert {TOURS["en"], TOURS["zh"], COURSE} <= set(notebooks)
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: a cell has outputs"


def test_the_two_tours_say_the_same_code():
    en, zh = (nbformat.read(TOURS[lang], as_version=4) for lang in ("en", "zh"))
    assert [c.cell_type for c in en.cells] == [c.cell_type for c in zh.cells]
    for a, b in zip(en.cells, zh.cells):
        if a.cell_type == "code":
            assert [line for line in a.source.splitlines() if "set_language" not in line and line] == \
                   [line for line in b.source.splitlines() if "set_language" not in line and line]


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    return execute(TOURS["en"], TOURS["en"].parent, tmp_path_factory.mktemp("tour"))


def test_the_tour_runs_top_to_bottom_and_shows_glassgpts_tables(tour):
    assert not [o for o in outputs(tour) if o.output_type == "error"]
    for cell_start, kind in (("from glassgpt.inspection import trace_forward", "glassgpt-trace"),
                             ("from glassgpt.accounting", "glassgpt-params"),
                             ('glassgpt.check("', "glassgpt-report"),
                             ("from glassgpt.training", "glassgpt-train"),
                             ("from glassgpt.analysis import head_scores", "glassgpt-head-scores"),
                             ("from glassgpt.analysis import logit_lens", "glassgpt-logit-lens"),
                             ("from glassgpt.timeline", "glassgpt-timeline"),
                             ("from glassgpt.interventions", "glassgpt-head-ablations"),
                             ("find_circuit", "glassgpt-circuit")):
        assert f'class="glassgpt {kind}"' in html_of(tour, cell_start), cell_start
    assert "data-status=\"todo\"" in html_of(tour, 'glassgpt.check("')  # the exercise is not written yet
    assert 'sandbox="allow-scripts allow-downloads"' in html_of(tour, "glassgpt.show(")
    # tqdm's bar, drawn because this is a Jupyter kernel: a widget where ipywidgets is installed, else text
    training = outputs(tour, "from glassgpt.training")
    widget = any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in training)
    assert widget or "200/200" in "".join(o.get("text", "") for o in training if o.output_type == "stream")


def test_the_chinese_tour_runs_and_speaks_chinese(tmp_path):
    notebook = execute(TOURS["zh"], TOURS["zh"].parent, tmp_path)
    assert not [o for o in outputs(notebook) if o.output_type == "error"]
    assert "参数" in html_of(notebook, "from glassgpt.accounting")
    assert "待写" in html_of(notebook, 'glassgpt.check("')
    assert '"lang":"zh"' in html.unescape(html_of(notebook, "glassgpt.show("))  # the page, unescaped from srcdoc


def test_the_course_step2_notebook_runs_with_glassgpts_model_py_as_the_learners_file(tmp_path):
    shutil.copy(COURSE, tmp_path / COURSE.name)
    shutil.copy(ROOT / "model.py", tmp_path / "model_exercise.py")
    notebook = execute(tmp_path / COURSE.name, tmp_path, tmp_path)
    assert not [o for o in outputs(notebook) if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs(notebook) if o.output_type == "stream")
    assert "input (2, 32, 128) -> output (2, 32, 128)" in printed and "generated (1, 13)" in printed
    # the three course sizes, counted by PyTorch here: V*d + T*d + L*(12 d^2 + 2 d) + d minus the position table
    for name, (V, d, L) in {"small": (6400, 512, 8), "medium": (6400, 768, 12), "large": (6400, 1024, 24)}.items():
        assert f"{name}: {(V * d + L * (12 * d * d + 2 * d) + d) / 1e6:.1f}M parameters" in printed
    script = "".join(o.get("text", "") for o in outputs(notebook, "!python") if o.output_type == "stream")
    assert "GPT components" in script  # model_exercise.py, run as a script, is glassgpt's CLI


# --- one inline lab in Chromium, from the executed tour's saved HTML ------------------------------------------------

def saved_html(notebook) -> str:
    """The executed notebook as one HTML page, the way a notebook saves its outputs: every text/html output in
    order (nbconvert's HTML export puts them into its template the same way, unchanged)."""
    parts = [o["data"]["text/html"] for o in outputs(notebook) if "text/html" in o.get("data", {})]
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>tour</title></head><body>"
            + "\n".join(f"<div class='output'>{part}</div>" for part in parts) + "</body></html>")


def test_the_inline_lab_renders_in_chromium_from_the_saved_notebook(tour, tmp_path):
    browser_tests = pytest.importorskip("test_lab_browser", reason="needs the browser test's helpers")
    if not (browser_tests.CHROMIUM and browser_tests.CHROMEDRIVER):
        pytest.skip("the browser tests need Chromium and its driver")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = tmp_path / "tour.html"
    page.write_text(saved_html(tour), encoding="utf-8")
    options = browser_tests.webdriver.ChromeOptions()
    options.binary_location = browser_tests.CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = browser_tests.webdriver.Chrome(service=browser_tests.Service(browser_tests.CHROMEDRIVER),
                                             options=options)
    try:
        browser.get(page.as_uri())
        frame = browser.find_element(By.CSS_SELECTOR, "iframe.glassgpt-lab")
        assert frame.get_attribute("sandbox") == "allow-scripts allow-downloads"
        assert browser.find_elements(By.CSS_SELECTOR, "table.glassgpt-report")  # the tables around it
        browser.switch_to.frame(frame)
        WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.body.dataset.ready") == "yes")
        assert browser.find_element(By.TAG_NAME, "h1").text == PAGE_TEXTS["page.title"][0]
        assert browser.find_elements(By.CSS_SELECTOR, "#attention canvas")
        browser.save_screenshot(str(tmp_path / "lab-in-notebook.png"))
        browser.switch_to.default_content()
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
        requested = [json.loads(e["message"])["message"]["params"]["request"]["url"]
                     for e in browser.get_log("performance")
                     if json.loads(e["message"])["message"]["method"] == "Network.requestWillBeSent"]
        assert all(url.startswith(("file:", "about:", "data:")) for url in requested), requested
    finally:
        browser.quit()
