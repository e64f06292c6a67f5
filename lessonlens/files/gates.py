"""The gates every entry point goes through: files a user names are read, and outputs written, here.

The input gate opens a file without blocking (a FIFO never hangs a command), checks on the open
descriptor that it is a regular file no larger than the limit of its kind, and turns every OS
error into one :class:`InputError` naming the file. The output gate checks a destination before
any work is done, so a command that cannot write its result fails at once and leaves nothing behind.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text

MIB = 1 << 20
#: the largest file of any kind read whole (analysis documents with raw observations are the biggest)
MAX_INPUT_BYTES = 512 * MIB

NOT_FOUND = Text(zh="文件不存在", en="file not found")
IS_DIR = Text(zh="这是文件夹，不是文件", en="is a folder, not a file")
NOT_REGULAR = Text(zh="不是普通文件（{kind}）", en="is not a regular file ({kind})")
LOOP = Text(zh="符号链接循环", en="symbolic link loop")
TOO_LARGE = Text(zh="文件过大：{size}（上限 {limit}）", en="file too large: {size} (limit {limit})")
OS_ERROR = Text(zh="无法读取：{error}", en="cannot read: {error}")
OUT_IS_DIR = Text(zh="输出位置是已存在的文件夹，需要文件名",
                  en="the output is an existing folder; a file name is needed")
OUT_NOT_DIR = Text(zh="输出位置是已存在的文件，需要文件夹", en="the output is an existing file; a folder is needed")
OUT_NOT_REGULAR = Text(zh="输出位置不是普通文件（{kind}）", en="the output is not a regular file ({kind})")
OUT_PARENT_FILE = Text(zh="无法写入：上级路径 {parent} 是文件，不是文件夹",
                       en="cannot write: {parent} is a file, not a folder")
OUT_READ_ONLY = Text(zh="无法写入：文件夹 {parent} 不可写", en="cannot write: the folder {parent} is not writable")
OUT_OS_ERROR = Text(zh="无法写入：{error}", en="cannot write: {error}")

_KINDS = (
    (stat.S_ISFIFO, Text(zh="命名管道", en="a named pipe")),
    (stat.S_ISCHR, Text(zh="字符设备", en="a character device")),
    (stat.S_ISBLK, Text(zh="块设备", en="a block device")),
    (stat.S_ISSOCK, Text(zh="套接字", en="a socket")),
)
_OTHER = Text(zh="特殊文件", en="a special file")


def size_text(n: int) -> str:
    """``n`` bytes for people: ``512 MB``, ``3.2 KB``."""
    for unit, size in (("GB", 1 << 30), ("MB", MIB), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} B"


def resolved(path: str | Path) -> Path:
    """``path`` made absolute with links followed; never raises (a link loop stays as it is)."""
    return Path(os.path.realpath(path))


def _kind(mode: int) -> Text:
    return next((text for test, text in _KINDS if test(mode)), _OTHER)


def _os_error(exc: OSError, path: Path, message: Text = OS_ERROR) -> InputError:
    if exc.errno == errno.ENOENT:
        return InputError(NOT_FOUND, path)
    if exc.errno == errno.ELOOP:
        return InputError(LOOP, path)
    if exc.errno == errno.EISDIR:
        return InputError(IS_DIR, path)
    return InputError(message, path, error=exc.strerror or exc)


def _check_mode(mode: int, size: int, path: Path, limit: int) -> None:
    if stat.S_ISDIR(mode):
        raise InputError(IS_DIR, path)
    if not stat.S_ISREG(mode):
        raise InputError(NOT_REGULAR, path, kind=_kind(mode))
    if size > limit:
        raise InputError(TOO_LARGE, path, size=size_text(size), limit=size_text(limit))


def check_input(path: str | Path, limit: int = MAX_INPUT_BYTES) -> Path:
    """``path`` when it names a readable regular file no larger than ``limit``; else an InputError.

    For files a library opens by name (video, XLSX): the file is opened here once, without
    blocking, so that a FIFO or an unreadable file is refused before the library sees it.
    """
    file = Path(path)
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _os_error(exc, file) from None
    try:
        info = os.fstat(fd)
    finally:
        os.close(fd)
    _check_mode(info.st_mode, info.st_size, file, limit)
    return file


def read_input_bytes(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``); every problem is an InputError."""
    file = Path(path)
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _os_error(exc, file) from None
    try:
        info = os.fstat(fd)
        _check_mode(info.st_mode, info.st_size, file, limit)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise _os_error(exc, file) from None
    finally:
        os.close(fd)
    if len(data) > limit:  # the file grew while being read
        raise InputError(TOO_LARGE, file, size=size_text(len(data)), limit=size_text(limit))
    return data


def read_input_text(path: str | Path, limit: int = MAX_INPUT_BYTES, encodings: tuple[str, ...] = ("utf-8-sig",),
                    not_text: Text | None = None) -> str:
    """The text of ``path`` in the first of ``encodings`` that decodes it; else ``not_text`` (an InputError)."""
    data = read_input_bytes(path, limit)
    error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            error = exc
    raise InputError(not_text or Text(zh="无法按 {enc} 编码读取：{error}", en="cannot read as {enc} text: {error}"),
                     path, enc="/".join(encodings), error=error)


# -- outputs --------------------------------------------------------------------------------------
def _existing_parent(target: Path) -> Path:
    """The nearest folder above ``target`` that exists (refusing a file on the way)."""
    parent = target.absolute().parent
    while not parent.exists():
        if parent.is_symlink():  # a dangling link: mkdir would fail on it
            raise InputError(OUT_PARENT_FILE, target, parent=parent)
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(OUT_PARENT_FILE, target, parent=parent)
    _probe_writable(parent, target)
    return parent


def _probe_writable(folder: Path, target: Path) -> None:
    """Create and remove a file in ``folder``: the only test that holds for root, read-only mounts and /proc."""
    try:
        fd, name = tempfile.mkstemp(prefix=".lessonlens-", suffix=".probe", dir=folder)
    except OSError:
        raise InputError(OUT_READ_ONLY, target, parent=folder) from None
    os.close(fd)
    os.unlink(name)


def check_output_file(path: str | Path) -> Path:
    """``path`` when a file can be written there (its folders may be missing: they will be made).

    Refuses an existing folder or special file and an unwritable or impossible folder, before any
    work is done and without creating anything.
    """
    target = Path(path)
    try:
        info = target.stat()
    except (FileNotFoundError, NotADirectoryError):  # missing, or a file on the way (said below)
        info = None
    except OSError as exc:
        raise _os_error(exc, target, OUT_OS_ERROR) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise InputError(OUT_IS_DIR, target)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(OUT_NOT_REGULAR, target, kind=_kind(info.st_mode))
    _existing_parent(target)
    return target


def check_output_dir(path: str | Path) -> Path:
    """``path`` when it is a writable folder or one that can be made there (nothing is created here)."""
    target = Path(path)
    try:
        info = target.stat()
    except (FileNotFoundError, NotADirectoryError):
        _existing_parent(target)
        return target
    except OSError as exc:
        raise _os_error(exc, target, OUT_OS_ERROR) from None
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(OUT_NOT_DIR, target)
    _probe_writable(target, target)
    return target


@contextmanager
def output_errors(path: str | Path) -> Iterator[None]:
    """Turn an OS error met while writing ``path`` (disk full, permissions) into one InputError."""
    try:
        yield
    except InputError:
        raise
    except IsADirectoryError:
        raise InputError(OUT_IS_DIR, path) from None
    except NotADirectoryError as exc:
        raise InputError(OUT_PARENT_FILE, path, parent=exc.filename or Path(path).parent) from None
    except OSError as exc:
        raise InputError(OUT_OS_ERROR, path, error=exc.strerror or exc) from None
