"""What the mmpose and mmaction2 backends share: reading an OpenMMLab config and checking a checkpoint,
each failure a one-line error naming the file.

OpenMMLab checkpoints keep numpy arrays in their ``meta`` (mmpose's ``dataset_meta``: sigmas, colours).
torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10 calls ``torch.load`` without
saying otherwise, so such a checkpoint fails with "Unsupported global: numpy.core.multiarray._reconstruct".
:func:`numpy_allowed` lets torch's restricted unpickler rebuild numpy arrays, scalars and dtypes (data,
never code) while the packages load them; anything else in a checkpoint is still refused.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lessonlens.media.models import unloadable

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


def read_config(path: Path, backend: str) -> Any:
    """The mmengine Config of ``path`` (its ``_base_`` files resolved), or a one-line error naming it."""
    from mmengine import Config

    try:
        return Config.fromfile(str(path))
    except Exception as exc:
        raise unloadable(path, exc, backend) from None


def check_checkpoint(path: Path, backend: str) -> dict[str, tuple[int, ...]]:
    """Load ``path`` as the package will (torch, weights only, numpy allowed) and return its weights'
    shapes; a one-line error naming the file when it is not a checkpoint, or holds objects beyond
    tensors and numpy data."""
    import torch

    try:
        with numpy_allowed():
            loaded = torch.load(str(path), map_location="cpu")
        state = loaded.get("state_dict", loaded) if isinstance(loaded, dict) else None
        shapes = {_key(k): tuple(v.shape) for k, v in (state or {}).items() if isinstance(v, torch.Tensor)}
        if not shapes:
            raise ValueError("no state_dict of tensors")
    except Exception as exc:
        found = _GLOBAL.search(str(exc))
        if found:  # torch's own message runs to a page: keep the object it refused
            exc = ValueError(f"holds {found.group(1)}, which weights-only loading refuses")
        raise unloadable(path, exc, backend) from None
    return shapes


def check_fit(model: Any, shapes: dict[str, tuple[int, ...]], path: Path, backend: str) -> None:
    """mmengine loads a checkpoint of another model with a warning and keeps random weights where it
    does not fit: here that is a one-line error naming the checkpoint."""
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    wrong = [k for k, shape in own.items() if shapes.get(k) != shape]
    if wrong:
        why = ValueError(f"made for another config: {len(wrong)} of the config's {len(own)} weights missing or "
                         f"of another shape, e.g. {wrong[0]}")
        raise unloadable(path, why, backend)


def _key(name: str) -> str:
    return name.removeprefix("module.")  # mmengine drops the prefix DataParallel left
