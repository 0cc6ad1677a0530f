"""Shared by the tests that start a notebook kernel: skip where the project kernel is missing; write a tiny notebook."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest


def kernel_or_skip() -> None:
    """Skip the calling test unless the Jupyter kernel 'gonv' is registered (make test registers it)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("gonv")
    except NoSuchKernel:
        pytest.skip("the project kernel 'gonv' is not registered (make test registers it)")


def write_notebook(path: Path, params: str, body: str) -> None:
    """Write a notebook with a title, a `parameters` cell and one code cell, on the project kernel."""
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# test"), p, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "gonv", "display_name": "Python (gonv)", "language": "python"}
    nbformat.write(nb, path)
