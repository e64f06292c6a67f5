"""Loading a torch checkpoint the way torch >= 2.6 does by default (``weights_only=True``), with numpy
data allowed.

OpenMMLab checkpoints keep numpy arrays in their ``meta`` (mmpose's ``dataset_meta``: sigmas, colours),
and mmengine 0.10 calls ``torch.load`` without saying otherwise, so such a checkpoint fails with
"Unsupported global: numpy.core.multiarray._reconstruct". :func:`numpy_allowed` lets torch's restricted
unpickler rebuild numpy arrays, scalars and dtypes (data, never code); anything else is still refused.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+)")


def _numpy_globals() -> list[Any]:
    """numpy's array, scalar and dtype rebuilders, under both names a checkpoint may use (numpy 2 moved
    ``numpy.core`` to ``numpy._core``)."""
    import numpy as np

    multiarray = importlib.import_module("numpy.core.multiarray")
    kinds = (np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_)
    found: list[Any] = [np.ndarray, np.dtype, *(type(np.dtype(kind)) for kind in kinds)]
    for name in ("_reconstruct", "scalar"):
        function = getattr(multiarray, name)
        found += [(function, f"numpy.core.multiarray.{name}"), (function, f"numpy._core.multiarray.{name}")]
    return found


@contextlib.contextmanager
def numpy_allowed() -> Iterator[None]:
    """torch's ``weights_only`` loads inside accept numpy arrays, scalars and dtypes."""
    import torch

    with torch.serialization.safe_globals(_numpy_globals()):
        yield


def checkpoint_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """The shapes of a checkpoint's weights (its ``state_dict``, or the file itself when it is one),
    loaded weights-only with numpy allowed; ValueError (one short line) when it is no such file."""
    import torch

    try:
        with numpy_allowed():
            loaded = torch.load(str(path), map_location="cpu")
    except Exception as exc:
        found = _GLOBAL.search(str(exc))
        if found:  # torch's own message runs to a page: keep the object it refused
            raise ValueError(f"weights-only loading refuses {found.group(1)}") from None
        raise
    state = loaded.get("state_dict", loaded) if isinstance(loaded, dict) else None
    shapes = {name.removeprefix("module."): tuple(value.shape)  # mmengine drops DataParallel's prefix
              for name, value in (state or {}).items() if isinstance(value, torch.Tensor)}
    if not shapes:
        raise ValueError("no state_dict of tensors")
    return shapes
