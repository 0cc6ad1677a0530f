"""Shared by the tests that start a notebook kernel: skip, saying why, where the project kernel is missing."""
from __future__ import annotations

import pytest


def kernel_or_skip() -> None:
    """Skip the calling test unless the Jupyter kernel 'gonv' is registered (make test registers it)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("gonv")
    except NoSuchKernel:
        pytest.skip("the project kernel 'gonv' is not registered (make test registers it)")
