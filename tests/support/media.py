"""Media helpers of the tests: the same packets in another container."""

from __future__ import annotations

from pathlib import Path


def remux(source: Path, target: Path, fmt: str, options: dict[str, str] | None = None) -> Path:
    """``source``'s packets in a ``fmt`` container at ``target`` (no re-encoding; ``options`` for the muxer)."""
    import av

    with av.open(str(source)) as src, av.open(str(target), "w", format=fmt, options=options or {}) as dst:
        streams = {s.index: dst.add_stream_from_template(s) for s in src.streams}
        for packet in src.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            dst.mux(packet)
    return target
