"""The README's Python example runs as written."""

import pathlib
import re


def test_readme_example_runs():
    text = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert len(block.strip().splitlines()) <= 12
    exec(compile(block, "README.md", "exec"), {})


# docs pages whose Python examples run as written (issue 22 extends this to every page)
DOC_PAGES = ("finite_size.md", "features.md", "edges.md")


def test_docs_python_examples_run():
    import pytest

    docs = pathlib.Path(__file__).parents[1] / "docs"
    ran = 0
    for page in DOC_PAGES:
        for block in re.findall(r"```python\n(.*?)```", (docs / page).read_text(), re.S):
            exec(compile(block, page, "exec"), {})
            ran += 1
    if not ran:
        pytest.fail("no Python example found in " + ", ".join(DOC_PAGES))
