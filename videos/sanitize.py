"""Copy a validated video without its metadata: remuxed, never re-encoded.

What a phone writes besides the pictures is dropped: container tags (GPS `location`, the
`com.apple.quicktime.*` make, model and location keys, creation time, title), every
stream's tags, and every stream but the first video and first audio one (timed metadata
tracks carry GPS per frame; subtitle and data tracks may too). The packets themselves are
copied unchanged, so the pictures and the sound are exactly the uploaded ones.

The copy is also the last check: its timestamps bound the duration the header may not
state (or may state falsely), and the duration stored is the copy's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from videos.validation import ProbedVideo, VideoLimits, VideoRejected, open_input

# The muxer for each stored container, and the audio codecs it takes (others: audio dropped).
MUXERS = {"mp4": "mp4", "mov": "mov", "webm": "webm", "mkv": "matroska"}
EXTENSIONS = {"mp4": ".mp4", "mov": ".mov", "webm": ".webm", "mkv": ".mkv"}
AUDIO_CODECS: dict[str, frozenset[str] | None] = {
    "mp4": frozenset({"aac", "mp3", "opus", "alac", "ac3", "eac3", "flac"}),
    "webm": frozenset({"opus", "vorbis"}),
    "mov": None,  # QuickTime and Matroska take any audio FFmpeg decodes
    "mkv": None,
}


@dataclass(frozen=True)
class Sanitised:
    duration_seconds: float
    has_audio: bool


def _keeps_audio(container: str, codec: str) -> bool:
    allowed = AUDIO_CODECS[container]
    return allowed is None or codec in allowed


def remux_without_metadata(
    source: Path, target: Path, probed: ProbedVideo, *, limits: VideoLimits | None = None
) -> Sanitised:
    """Write `source`'s video (and audio) packets into `target`, with no tags; VideoRejected
    if the content runs past the duration limit or cannot be copied."""
    limits = limits or VideoLimits.from_settings()
    muxer = MUXERS[probed.container]
    # faststart: the index goes first, so a browser plays the original before it has all of it.
    options = {"movflags": "+faststart"} if muxer in ("mp4", "mov") else {}
    last_time = 0.0
    try:
        with (
            open_input(source, probed.family) as inp,
            av.open(str(target), mode="w", format=muxer, options=options) as out,
        ):
            video_in = inp.streams.video[0]
            audio_in = next(
                (s for s in inp.streams.audio if _keeps_audio(probed.container, s.codec_context.name)), None
            )
            # From the template: codec parameters only (PyAV copies no tags), rotation kept.
            video_out = out.add_stream_from_template(video_in)
            audio_out = out.add_stream_from_template(audio_in) if audio_in is not None else None
            wanted: list[av.stream.Stream] = [video_in] + ([audio_in] if audio_in is not None else [])
            outputs: dict[int, av.stream.Stream] = {video_in.index: video_out}
            if audio_in is not None and audio_out is not None:
                outputs[audio_in.index] = audio_out
            for packet in inp.demux(wanted):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                if packet.pts is not None and packet.time_base:
                    end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                    if end > limits.max_seconds + 1:
                        raise VideoRejected("too_long", limits.duration_message())
                    if packet.stream.index == video_in.index:
                        last_time = max(last_time, end)
                packet.stream = outputs[packet.stream.index]
                out.mux(packet)
    except VideoRejected:
        raise
    except (av.FFmpegError, ValueError, OverflowError) as exc:
        raise VideoRejected("damaged", "This video could not be read; it is damaged or incomplete.") from exc
    duration = probed.duration_seconds if probed.duration_seconds is not None else last_time
    # A truncated file holds less than its header says: store what is really there.
    if last_time:
        duration = min(duration, last_time)
    return Sanitised(duration_seconds=round(duration, 3), has_audio=audio_in is not None)
