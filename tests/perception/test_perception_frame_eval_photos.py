"""Labelled photos as phones save them: the EXIF orientation turns the picture, and the labels'
fractions are of the upright picture, so sizes and pixels must both be the upright ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from lessonlens.perception.frame_eval import read_frames, read_rgb, shipped_maps


def test_a_photo_with_an_exif_rotation_is_measured_upright(tmp_path: Path) -> None:
    folder = tmp_path / "照片 test"
    folder.mkdir()
    picture = np.full((60, 100, 3), 90, np.uint8)  # stored landscape; EXIF 6: shown turned clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(picture).save(folder / "phone.jpg", exif=exif.tobytes())
    (folder / "phone.txt").write_text("0 0.5 0.25 0.2 0.1\n", encoding="utf-8")
    classes = shipped_maps()["cctv-heads"]
    [frame] = read_frames(folder, "yolo", classes)
    image = read_rgb(frame.path)
    assert (frame.width, frame.height) == (60, 100) == (image.shape[1], image.shape[0])
    assert [(o.state, o.box) for o in frame.objects] == [("down", (24.0, 20.0, 12.0, 10.0))]  # upright pixels
