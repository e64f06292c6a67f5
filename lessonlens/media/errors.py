"""Media problems users see: one line naming the file, in zh-CN and en."""

from __future__ import annotations

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text

MISSING = Text(zh="媒体文件不存在", en="media file not found")
EMPTY = Text(zh="媒体文件为空（0 字节）", en="the media file is empty (0 bytes)")
UNREADABLE = Text(
    zh="无法读取为音视频文件（文件损坏或格式不受支持）：{error}",
    en="cannot be read as audio/video (corrupt file or unsupported format): {error}",
)
NO_STREAMS = Text(zh="文件中既没有视频也没有音频", en="the file contains neither video nor audio")
NO_VIDEO = Text(zh="文件中没有视频画面", en="the file has no video stream")
NO_AUDIO = Text(zh="文件中没有音轨", en="the file has no audio track")
NO_FRAMES = Text(zh="没有可解码的视频帧：{error}", en="no video frame could be decoded: {error}")
NO_SAMPLES = Text(zh="音轨中没有可解码的声音：{error}", en="no audio could be decoded from the audio track: {error}")


class MediaUnavailable(InputError):
    """A recording lacks what a detector needs (no audio track, no video).

    The analysis goes on without that detector and lists what could not be observed
    (``Analysis.unavailable``) instead of failing: a lesson without sound is still a lesson.
    """
