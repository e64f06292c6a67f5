"""What the mmpose and mmaction2 backends share: reading an OpenMMLab config and checking a checkpoint,
each failure a one-line error naming the file (checkpoints load weights-only with numpy allowed:
:mod:`lessonlens.media.checkpoints`), and refusing a checkpoint made for another config.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lessonlens.media.checkpoints import checkpoint_shapes, numpy_allowed
from lessonlens.media.models import unloadable

__all__ = ["check_checkpoint", "check_fit", "numpy_allowed", "read_config"]


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
    try:
        return checkpoint_shapes(path)
    except Exception as exc:
        raise unloadable(path, exc, backend) from None


def check_fit(model: Any, shapes: dict[str, tuple[int, ...]], path: Path, backend: str) -> None:
    """mmengine loads a checkpoint of another model with a warning and keeps random weights where it
    does not fit: here that is a one-line error naming the checkpoint."""
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    wrong = [k for k, shape in own.items() if shapes.get(k) != shape]
    if wrong:
        why = ValueError(f"made for another config: {len(wrong)} of the config's {len(own)} weights missing or "
                         f"of another shape, e.g. {wrong[0]}")
        raise unloadable(path, why, backend)
