"""Small video clips generated with PyAV at test time, for every test that needs a video.

Good clips show two real people (face crops of tests/data/faces photos pasted on a plain
background) moving and growing across the frames, so detection and tracking have something
to follow; hostile clips are what the upload must refuse (or, for a truncated file, cope
with). Every function writes to the path it is given and returns that path.

    two_people_clip(tmp_path / "a.mp4")              # 3 s, 640×360, H.264 in MP4
    two_people_clip(tmp_path / "a.webm", "webm")     # VP9 in WebM
    two_people_clip(tmp_path / "a.mov", "mov")       # H.264 in QuickTime
"""

from __future__ import annotations

import functools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

FACES = Path(__file__).resolve().parents[1] / "data" / "faces"

# Face boxes (x, y, w, h) found by dlib's detector in these photos: the crops keep the face
# with a margin around it (hair, chin), so a detector finds it again in the clip.
FACE_BOXES = {
    "obama_1.jpg": (366, 136, 259, 259),
    "biden_1.jpg": (439, 233, 311, 310),
    "obama_2.jpg": (164, 302, 311, 310),
    "biden_2.jpg": (435, 286, 447, 447),
}
# container → (PyAV format name, video encoder, extension)
FORMATS = {
    "mp4": ("mp4", "libx264", ".mp4"),
    "mov": ("mov", "libx264", ".mov"),
    "webm": ("webm", "libvpx-vp9", ".webm"),
}
GPS_LOCATION = "+40.7128-074.0060/"  # ISO 6709, as phones write it (New York)


@functools.cache
def face_crop(name: str) -> Image.Image:
    """The face of a test photo with a margin: a square about twice the face's width."""
    x, y, w, h = FACE_BOXES[name]
    photo = Image.open(FACES / name).convert("RGB")
    cx, cy, half = x + w // 2, y + h // 2, w
    box = (max(0, cx - half), max(0, cy - half), min(photo.width, cx + half), min(photo.height, cy + half))
    return photo.crop(box)


def _background(width: int, height: int) -> np.ndarray:
    # A soft gradient: flat colour compresses to nothing and looks unlike any real scene.
    xs = np.linspace(60, 140, width, dtype=np.float32)
    ys = np.linspace(0, 40, height, dtype=np.float32)[:, None]
    grey = (xs[None, :] + ys).astype(np.uint8)
    return np.stack([grey, grey, np.clip(grey.astype(np.int16) + 20, 0, 255).astype(np.uint8)], axis=-1)


def _paste(frame: Image.Image, crop: Image.Image, x: int, y: int, size: int) -> None:
    frame.paste(crop.resize((size, size), Image.Resampling.BILINEAR), (x, y))


def person_positions(index: int, frames: int, width: int, height: int) -> list[tuple[int, int, int]]:
    """(x, y, size) of the pasted face crop of person `index` (0 or 1) in each frame.

    Person 0 walks from the left towards the middle; person 1 stands on the right and
    comes closer (grows). Sizes are a fraction of the frame height, so a 320×240 clip has
    small faces and a 640×360 one faces a detector finds without upsampling.
    """
    positions = []
    for i in range(frames):
        t = i / max(1, frames - 1)
        if index == 0:
            size = int(height * 0.45)
            x = int(width * (0.03 + 0.25 * t))
            y = int(height * 0.25)
        else:
            size = int(height * (0.42 + 0.12 * t))
            x = int(width * 0.62)
            y = int(height * 0.2)
        positions.append((x, y, min(size, width - x, height - y)))
    return positions


def frames_of_people(
    width: int, height: int, frames: int, people: tuple[str, ...] = ("obama_1.jpg", "biden_1.jpg")
) -> list[np.ndarray]:
    base = _background(width, height)
    tracks = [person_positions(i, frames, width, height) for i in range(len(people))]
    out = []
    for i in range(frames):
        frame = Image.fromarray(base)
        for person, track in zip(people, tracks, strict=True):
            x, y, size = track[i]
            _paste(frame, face_crop(person), x, y, size)
        out.append(np.asarray(frame))
    return out


def write_clip(
    path: Path,
    frames: list[np.ndarray],
    *,
    container: str = "mp4",
    fps: int = 10,
    audio: bool = False,
    metadata: dict[str, str] | None = None,
    stream_metadata: dict[str, str] | None = None,
    options: dict[str, str] | None = None,
    codec: str | None = None,
    display_rotation: int | None = None,
) -> Path:
    fmt, default_codec, _ = FORMATS.get(container, (container, "libx264", ""))
    codec = codec or default_codec
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w", format=fmt, options=options or {}) as out:
        out.metadata.update(metadata or {})
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "crf": "23"}
        elif codec == "libvpx-vp9":
            stream.options = {"deadline": "realtime", "cpu-used": "8", "crf": "40", "b": "0"}
        stream.metadata.update(stream_metadata or {})
        if display_rotation is not None:
            stream.set_display_rotation(display_rotation)  # degrees counter-clockwise, as a phone writes it
        sound = None
        if audio:
            sound = out.add_stream("libopus" if fmt == "webm" else "aac", rate=48000)
            sound.layout = "mono"
        for i, array in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(array, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if sound is not None:
            _write_tone(out, sound, seconds=len(frames) / fps)
    return path


def _write_tone(out, sound, *, seconds: float) -> None:
    samples = int(48000 * seconds)
    t = np.arange(samples, dtype=np.float32) / 48000
    tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    step = 960
    for start in range(0, samples - step + 1, step):
        frame = av.AudioFrame.from_ndarray(tone[None, start : start + step], format="fltp", layout="mono")
        frame.sample_rate = 48000
        frame.pts = start
        out.mux(sound.encode(frame))
    out.mux(sound.encode(None))


def two_people_clip(
    path: Path,
    container: str = "mp4",
    *,
    seconds: float = 3,
    fps: int = 10,
    size: tuple[int, int] = (640, 360),
    people: tuple[str, ...] = ("obama_1.jpg", "biden_1.jpg"),
    audio: bool = False,
    metadata: dict[str, str] | None = None,
    stream_metadata: dict[str, str] | None = None,
) -> Path:
    """Two people (Obama walking, Biden coming closer) over `seconds`; see person_positions."""
    frames = frames_of_people(size[0], size[1], int(round(seconds * fps)), people)
    return write_clip(
        path,
        frames,
        container=container,
        fps=fps,
        audio=audio,
        metadata=metadata,
        stream_metadata=stream_metadata,
        # A phone's file has its index first; FFmpeg puts it last unless asked.
        options={"movflags": "faststart"} if container in ("mp4", "mov") else None,
    )


def portrait_phone_clip(path: Path, *, seconds: float = 3, fps: int = 10) -> tuple[Path, np.ndarray]:
    """A portrait 360×640 clip of one person stored as a phone stores it: the pictures landscape
    (640×360, the face lying on its side) and a display matrix turning them a quarter clockwise.
    Returns the path and the first frame as it is meant to be seen (upright)."""
    frames = frames_of_people(360, 640, int(round(seconds * fps)), ("obama_1.jpg",))
    sideways = [np.ascontiguousarray(np.rot90(frame)) for frame in frames]  # a quarter counter-clockwise
    write_clip(path, sideways, fps=fps, display_rotation=-90, options={"movflags": "faststart"})
    return path, frames[0]


def gps_clip(path: Path, container: str = "mp4") -> Path:
    """A clip whose container and streams carry a GPS location, a device and a creation time
    (with sound: the audio stream is kept, its metadata is not)."""
    frames = frames_of_people(320, 240, 10)
    return write_clip(
        path,
        frames,
        container=container,
        audio=True,
        metadata={
            "location": GPS_LOCATION,
            "com.apple.quicktime.location.ISO6709": GPS_LOCATION,
            "com.apple.quicktime.make": "Apple",
            "com.apple.quicktime.model": "iPhone 15",
            "creation_time": "2024-05-01T12:00:00.000000Z",
            "title": "Main St at 5th",
        },
        stream_metadata={"creation_time": "2024-05-01T12:00:00.000000Z", "handler_name": "Core Media Video"},
        # use_metadata_tags: write the com.apple.quicktime.* keys as an iPhone does.
        options={"movflags": "faststart+use_metadata_tags"} if container in ("mp4", "mov") else None,
    )


# --- Hostile clips -------------------------------------------------------------------------


def truncated_clip(path: Path, *, keep: float = 0.5, faststart: bool = True) -> Path:
    """An MP4 cut off part-way. With its index first (faststart) the first frames still
    decode; with the index last (FFmpeg's default) nothing can be read at all."""
    whole = path.with_name(path.stem + "-whole.mp4")
    frames = frames_of_people(320, 240, 30)
    write_clip(whole, frames, options={"movflags": "faststart"} if faststart else None)
    data = whole.read_bytes()
    whole.unlink()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def avi_clip(path: Path) -> Path:
    """MPEG-4 Part 2 in AVI: a real video in a container we do not accept."""
    return write_clip(path, frames_of_people(320, 240, 10), container="avi", **_mpeg4())


def mkv_mpeg4_clip(path: Path) -> Path:
    """MPEG-4 Part 2 in Matroska: the WebM family's container with a codec we do not accept."""
    return write_clip(path, frames_of_people(320, 240, 10), container="matroska", **_mpeg4())


def _mpeg4() -> dict:
    return {"codec": "mpeg4"}


def huge_clip(path: Path, width: int = 4000, height: int = 3000) -> Path:
    """Two frames larger than 4K in both orientations."""
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    return write_clip(path, [frame, frame], fps=2)


def zero_frame_clip(path: Path) -> Path:
    """An MP4 whose video track lists ten frames and holds not one decodable: its media data
    zeroed (the index still says 320×240, 1 s)."""
    write_clip(path, frames_of_people(320, 240, 10), options={"movflags": "faststart"})
    data = bytearray(path.read_bytes())
    at = data.find(b"mdat")
    size = int.from_bytes(data[at - 4 : at], "big")
    data[at + 4 : at - 4 + size] = bytes(size - 8)
    path.write_bytes(bytes(data))
    return path


def no_stream_clip(path: Path) -> Path:
    """An MP4 container with no stream at all (a header and nothing else)."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        out.start_encoding()
    return path


def photo_as_mp4(path: Path, name: str = "obama_1.jpg") -> Path:
    """A JPEG renamed .mp4 (FFmpeg opens it with an image demuxer)."""
    path.write_bytes((FACES / name).read_bytes())
    return path


def text_as_mp4(path: Path) -> Path:
    path.write_text("This is not a video.\n" * 50)
    return path


def long_clip(path: Path, seconds: int, *, fps: int = 1) -> Path:
    """A tiny clip (64×64, `fps` frames a second) lasting `seconds`: for the duration limit."""
    frame = np.full((64, 64, 3), 90, dtype=np.uint8)
    return write_clip(path, [frame] * (seconds * fps), fps=fps)


def stream_metadata(path: Path) -> tuple[dict[str, str], list[dict[str, str]], list[str]]:
    """The container's metadata, each stream's, and the stream types, read back with PyAV."""
    with av.open(str(path)) as container:
        return (
            dict(container.metadata),
            [dict(s.metadata) for s in container.streams],
            [s.type for s in container.streams],
        )
