"""Model files on the user's disk: where a detector backend looks, whether they load, installing them.

Weights of the heavier model families (RTMO/RTMPose, Paraformer, PP-OCR server models ...) are not
on PyPI, so a school downloads them once (or trains its own) and lessonlens finds them, in order:

1. the detector option naming the file (``--detector-option student-pose.model=PATH``);
2. ``$LESSONLENS_MODELS/<filename>``;
3. ``<user data dir>/lessonlens/models/<filename>`` (platformdirs when installed, else the XDG
   data dir, ``~/.local/share`` on Linux).

Nothing is downloaded unless the user allows it (``--allow-download``, or the option
``allow_download`` / ``$LESSONLENS_ALLOW_DOWNLOAD=1``); then the library's own download is used.
A missing or unloadable file is one :class:`PluginError` line naming the file and the command that
fixes it (``lessonlens models add FILE``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from lessonlens.core.errors import MAX_LINE, InputError, PluginError
from lessonlens.core.extensions import Backend, Detector, ModelFile
from lessonlens.core.i18n import Text
from lessonlens.media.checkpoints import checkpoint_shapes
from lessonlens.media.fingerprint import file_fingerprint

ENV_DIR = "LESSONLENS_MODELS"
ENV_DOWNLOAD = "LESSONLENS_ALLOW_DOWNLOAD"

_MISSING = Text(
    zh="检测器 {detector}（{backend}）需要模型文件 {filename}，在 {looked} 中未找到；获取：{source}，"
       "然后运行 lessonlens models add 文件 --as {target}",
    en="detector {detector} ({backend}) needs the model file {filename}, not found in {looked}; get it from {source}, "
       "then run lessonlens models add FILE --as {target}",
)
#: the same when the source does not fit on the line (``lessonlens models`` lists every file's source)
_MISSING_SHORT = Text(
    zh="检测器 {detector}（{backend}）需要模型文件 {filename}，在 {looked} 中未找到；获取途径见 lessonlens models，"
       "然后运行 lessonlens models add 文件 --as {target}",
    en="detector {detector} ({backend}) needs {filename}, not found in {looked}; get it (see lessonlens models), "
       "then run lessonlens models add FILE --as {target}",
)
_NO_FILE = Text(
    zh="检测器 {detector} 的 {option} 指向的模型不存在；请确认路径，或运行 lessonlens models add 文件 --as {target} "
       "安装模型",
    en="detector {detector}: the model named by {option} does not exist; check the path, or install the model "
       "with: lessonlens models add FILE --as {target}",
)
_CORRUPT = Text(
    zh="模型无法加载（{why}）；文件可能已损坏或不是 {backend} 模型，请重新下载并运行：lessonlens models add 文件",
    en="the model does not load ({why}); the file may be corrupt or not a {backend} model: download it again "
       "and run: lessonlens models add FILE",
)
_UNKNOWN_FILE = Text(
    zh="不知道这个模型属于哪个检测器（文件名不是已知模型）；用 --as 检测器.选项 指定，已知：{known}",
    en="no detector backend reads a model of this name; say which with --as DETECTOR.OPTION; known: {known}",
)
_BAD_AS = Text(zh="--as 应写成 检测器.选项 或 检测器.后端.选项（如 student-pose.rtmpose.det_model）：{value}",
               en="--as must be DETECTOR.OPTION or DETECTOR.BACKEND.OPTION (e.g. student-pose.rtmpose.det_model): "
                  "{value}")
_NOT_FOUND = Text(zh="文件不存在", en="no such file")


@attrs.frozen
class ModelStatus:
    """One model file of one detector backend, and what is on disk for it."""

    detector: str
    backend: str
    option: str
    filename: str
    licence: str
    source: str
    path: str  # where it was found, or where it would be looked for first
    present: bool
    size: int | None = None
    sha256: str = ""
    checksum_ok: bool | None = None  # against the known checksum, when one is known
    installed: bool = False  # whether the backend's Python package is importable
    target: str = ""  # what ``lessonlens models add FILE --as TARGET`` installs this file with


def user_models_dir() -> Path:
    """``<user data dir>/lessonlens/models``."""
    try:
        import platformdirs

        return Path(platformdirs.user_data_dir("lessonlens")) / "models"
    except ImportError:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "lessonlens" / "models"


def models_dirs() -> list[Path]:
    """The folders searched for model files, in order."""
    chosen = os.environ.get(ENV_DIR)
    return [Path(chosen), user_models_dir()] if chosen else [user_models_dir()]


def install_dir() -> Path:
    """Where ``lessonlens models add`` puts files: ``$LESSONLENS_MODELS``, else the user data dir."""
    return models_dirs()[0]


def download_allowed(options: Mapping[str, Any] | None = None) -> bool:
    """Whether the user allowed the libraries to download missing models."""
    if options and "allow_download" in options:
        return str(options["allow_download"]).lower() in ("1", "true", "yes")
    return os.environ.get(ENV_DOWNLOAD, "") in ("1", "true", "yes")


def locate(spec: ModelFile, options: Mapping[str, Any] | None = None) -> Path | None:
    """The model file the options name, else the first copy in the models folders (None: none)."""
    if options and options.get(spec.option):
        return Path(str(options[spec.option])).expanduser()
    for folder in models_dirs():
        if (folder / spec.filename).exists():
            return folder / spec.filename
    return None


def check_model(spec: ModelFile, path: Path, backend: str = "") -> None:
    """Load the file the way its backend will (an ONNX session; a model directory's files) or raise
    a one-line PluginError naming it."""
    try:
        if spec.kind == "dir":
            if not path.is_dir():
                raise ValueError("not a directory")
            for name in spec.files:
                if not (path / name).is_file():
                    raise ValueError(f"no {name}")
            onnx = [path / n for n in ("model.onnx", "model_quant.onnx") if (path / n).is_file()]
            if onnx:
                _check_onnx(onnx[0], spec.outputs)
            if "model.pt" in spec.files:
                _check_torch(path / "model.pt")
            if "inference.pdiparams" in spec.files:
                _check_paddle(path)
        elif spec.kind == "onnx":
            _check_onnx(path, spec.outputs)
        elif spec.kind == "checkpoint" and path.is_file() and importlib.util.find_spec("torch") is not None:
            checkpoint_shapes(path)  # an OpenMMLab .pth: weights only, numpy meta allowed (without torch: any file)
        elif not path.is_file() or path.stat().st_size == 0:
            raise ValueError("empty or not a file")
    except PluginError:
        raise
    except Exception as exc:
        raise unloadable(path, exc, backend or spec.option) from None


def unloadable(path: str | Path, exc: BaseException, backend: str) -> PluginError:
    """The one-line error for a model file that is there but does not load (why, and how to replace it)."""
    why = " ".join(f"{type(exc).__name__}: {exc}".split())[:160]
    return PluginError(_CORRUPT, path, why=why, backend=backend)


def _check_onnx(path: Path, outputs: int) -> None:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = len(session.get_outputs())
    if outputs and got != outputs:
        raise ValueError(f"{got} outputs, expected {outputs}")


def _check_torch(path: Path) -> None:
    import torch  # only the funasr-torch backend's model directories hold a model.pt

    torch.load(str(path), map_location="cpu", weights_only=True)


def _check_paddle(folder: Path) -> None:
    """A PaddleX inference directory: ``inference.yml`` naming the model and its pre- and post-processing,
    the graph (``inference.json``, or ``inference.pdmodel`` of older exports) and, where paddle is
    installed, both loaded by paddle's own predictor."""
    try:
        config = yaml.safe_load((folder / "inference.yml").read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"inference.yml is not YAML ({type(exc).__name__})") from None
    if not isinstance(config, dict) or not isinstance(config.get("Global"), dict) \
            or not config["Global"].get("model_name") or "PreProcess" not in config or "PostProcess" not in config:
        raise ValueError("inference.yml lacks Global.model_name, PreProcess or PostProcess")
    graphs = [folder / n for n in ("inference.json", "inference.pdmodel") if (folder / n).is_file()]
    if not graphs:
        raise ValueError("no inference.json (or inference.pdmodel)")
    if importlib.util.find_spec("paddle") is None:  # checked again where the backend runs
        return
    with warnings.catch_warnings():  # paddle warns at import that ccache (for C++ extensions) is absent
        warnings.filterwarnings("ignore", message="No ccache found")
        from paddle import inference  # only in the paddleocr environment (docs/perception.md)

    settings = inference.Config(str(graphs[0]), str(folder / "inference.pdiparams"))
    settings.disable_glog_info()
    try:
        inference.create_predictor(settings)
    except Exception as exc:
        raise ValueError(f"{graphs[0].name} + inference.pdiparams do not load: {exc}") from None


def require_model(detector: str, backend: Backend, spec: ModelFile, options: Mapping[str, Any] | None = None,
                  check: bool = True) -> Path | None:
    """The checked path of a model file; None when it is missing but downloads are allowed (the
    library then downloads ``spec.download_url`` itself); else a one-line PluginError saying how to
    get it."""
    path = locate(spec, options)
    if path is None or not path.exists():
        if download_allowed(options) and spec.download_url:
            return None
        target = add_target(detector, backend.name, spec)
        if options and options.get(spec.option):
            raise PluginError(_NO_FILE, str(options[spec.option]), detector=detector, option=spec.option,
                              target=target)
        raise missing_model(detector, backend.name, spec, target)
    if check:
        check_model(spec, path, backend.name)
    return path


def add_target(detector: str, backend: str, spec: ModelFile) -> str:
    """The ``--as`` value that installs a file for this backend's ``spec``, whatever the file is called."""
    return f"{detector}.{backend}.{spec.option}"


def missing_model(detector: str, backend: str, spec: ModelFile, target: str) -> PluginError:
    """The one-line error for a model file that is nowhere: the file, the folders looked in (the one
    ``models add`` installs into when both do not fit), where to get it when the line has room (else
    ``lessonlens models`` says), and last the ``models add`` command that installs it."""
    dirs = [str(d) for d in models_dirs()]
    params = {"detector": detector, "backend": backend, "filename": spec.filename, "source": spec.source,
              "target": target}
    tries = [(text, looked) for looked in (", ".join(dirs), dirs[0]) for text in (_MISSING, _MISSING_SHORT)]
    for text, looked in tries:
        if all(len(text.format(lang, looked=looked, **params)) <= MAX_LINE for lang in ("zh-CN", "en")):
            return PluginError(text, looked=looked, **params)
    return PluginError(_MISSING_SHORT, looked=dirs[0], **params)  # cut in the middle: the command stays


def chosen_backend(detector: Detector, options: Mapping[str, Any] | None = None) -> Backend | None:
    """The backend the options choose (``backend``), else the detector's default one."""
    name = (options or {}).get("backend")
    for backend in detector.backends:
        if (name is not None and backend.name == str(name)) or (name is None and backend.default):
            return backend
    return None


def model_identity(detector: Detector, options: Mapping[str, Any] | None = None) -> list[str]:
    """What the chosen backend's model files are on disk now (name, size and the first and last MiB
    of each file): part of the cache key, so replacing a model re-runs its detector."""
    backend = chosen_backend(detector, options)
    found = []
    for spec in backend.models if backend is not None else ():
        path = locate(spec, options)
        if path is None or not path.exists():
            found.append(f"{spec.option}:-")
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        found.append(f"{spec.option}:" + ",".join(f"{f.name}={file_fingerprint(f)}" for f in files))
    return found


def sha256(path: Path) -> str:
    """The SHA-256 of a file, or of a directory's files in name order."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def model_statuses(detectors: Iterable[Detector], options: Mapping[str, Mapping[str, Any]] | None = None,
                   checksums: bool = True) -> list[ModelStatus]:
    """Every model file of every backend of these detectors, and what is on disk for it."""
    rows = []
    for detector in detectors:
        for backend in detector.backends:
            installed = importlib.util.find_spec(backend.module) is not None if backend.module else True
            for spec in backend.models:
                own = (options or {}).get(detector.name, {})
                path = locate(spec, own)
                present = path is not None and path.exists()
                shown = path if path is not None else models_dirs()[0] / spec.filename
                digest = sha256(shown) if present and checksums else ""
                rows.append(ModelStatus(
                    detector=detector.name, backend=backend.name, option=spec.option, filename=spec.filename,
                    licence=spec.licence, source=spec.source, path=str(shown), present=present,
                    size=_size(shown) if present else None, sha256=digest,
                    checksum_ok=(digest == spec.sha256) if digest and spec.sha256 else None, installed=installed,
                    target=add_target(detector.name, backend.name, spec)))
    return rows


def _spec_for(path: Path, detectors: Iterable[Detector], target: str | None) -> tuple[str, Backend, ModelFile]:
    known = []
    for detector in detectors:
        for backend in detector.backends:
            for spec in backend.models:
                known.append(f"{detector.name}.{spec.option} ({spec.filename})")
                if target is not None:
                    names = (f"{detector.name}.{spec.option}", f"{detector.name}.{backend.name}",
                             f"{detector.name}.{backend.name}.{spec.option}")
                    if target in names:
                        return detector.name, backend, spec
                elif spec.filename == path.name:
                    return detector.name, backend, spec
    if target is not None and "." not in target:
        raise InputError(_BAD_AS, value=target)
    raise InputError(_UNKNOWN_FILE, path, known="; ".join(known) or "-")


def add_model(path: str | Path, detectors: Iterable[Detector], target: str | None = None,
              folder: Path | None = None) -> Path:
    """Check that a model file (or directory) loads, then copy it into the models folder under the
    name its backend looks for; returns where it now is. The copy is atomic (temp name + rename)."""
    source = Path(path).expanduser()
    if not source.exists():
        raise InputError(_NOT_FOUND, source)
    _, backend, spec = _spec_for(source, list(detectors), target)
    try:
        check_model(spec, source, backend.name)
    except PluginError as exc:  # here the file is the user's input: exit code 2
        raise InputError(exc.text, exc.path, **exc.params) from None
    folder = folder or install_dir()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / spec.filename
    temp = folder / f".{spec.filename}.adding"
    if temp.exists():
        shutil.rmtree(temp) if temp.is_dir() else temp.unlink()
    if source.is_dir():
        shutil.copytree(source, temp)
    else:
        shutil.copyfile(source, temp)
    if final.is_dir():
        old = folder / f".{spec.filename}.old"
        os.replace(final, old)
        os.replace(temp, final)
        shutil.rmtree(old)
    else:
        os.replace(temp, final)
    return final
