"""Hostile media made on the fly: broken files, bombs, and playlists posing as videos."""

from __future__ import annotations

import os
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av

from tests.support import images, media

EIGHT_K = (7680, 4320)


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first part of a file, as an upload cut off mid-way leaves it."""
    return data[: max(64, int(len(data) * keep))]


def corrupt(data: bytes) -> bytes:
    """The file with its header kept and a run of bytes in the middle overwritten."""
    middle = len(data) // 2
    run = max(64, len(data) // 8)
    return data[:64] + data[64:middle] + bytes([0xA5]) * run + data[middle + run :]


def png_bomb_at_limit() -> bytes:
    """A 10000x10000 PNG of one colour: 100 megapixels (just allowed) in about 300 KB."""
    width = height = 10_000
    row = b"\x00" + b"\x80" * (width * 3)
    # A full flush resets the compressor, so every row compresses to the same bytes: one
    # row is compressed, and the stream is that block repeated, closed and checksummed.
    packer = zlib.compressobj(9, wbits=-15)
    block = packer.compress(row) + packer.flush(zlib.Z_FULL_FLUSH)
    ending = zlib.compressobj(9, wbits=-15).flush(zlib.Z_FINISH)
    checksum = 1
    for _ in range(height):
        checksum = zlib.adler32(row, checksum)
    pixels = b"\x78\xda" + block * height + ending + struct.pack(">I", checksum)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header), chunk(b"IDAT", pixels), chunk(b"IEND", b"")]
    )


def png_bomb() -> bytes:
    """A few hundred bytes declaring 20000x20000 pixels (a decompression bomb)."""
    return images.png_bomb()


def eight_k_videos(directory: Path) -> tuple[Path, Path]:
    """An 8K H.264 MP4 of one frame, and one of 100,000 frames: the same flat keyframe, then
    the same all-skipped P-frame repeated, so 100,000 frames of 8K fit in about 3 MB and
    every one of them still has to be decoded."""
    width, height = EIGHT_K
    single = directory / "8k-one-frame.mp4"
    with av.open(str(single), "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "zerolatency"}
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:
            plane.update(b"\x80" * plane.buffer_size)
        for index in range(2):
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    endless = directory / "8k-100000-frames.mp4"
    with av.open(str(single)) as source, av.open(str(endless), "w", format="mp4") as output:
        template = source.streams.video[0]
        key, skip = [packet for packet in source.demux(template) if packet.size]
        stream = output.add_stream_from_template(template)
        for index in range(100_000):
            packet = av.Packet(bytes(key if index == 0 else skip))
            packet.stream, packet.time_base = stream, key.time_base
            packet.pts = packet.dts = index * ((skip.pts or 0) - (key.pts or 0))
            packet.is_keyframe = index == 0
            output.mux(packet)
    return single, endless


def undecodable_after_the_first_frame(source: Path, target: Path) -> Path:
    """`source` remuxed with every packet after the first replaced by junk of a valid length."""
    with av.open(str(source)) as original, av.open(str(target), "w", format="mp4") as output:
        template = original.streams.video[0]
        stream = output.add_stream_from_template(template)
        packets = [packet for packet in original.demux(template) if packet.size]
        for index, packet in enumerate(packets):
            data = bytes(packet) if index == 0 else b"\x00\x00\x00\x10" + os.urandom(16)
            junk = av.Packet(data)
            junk.stream, junk.time_base = stream, packet.time_base
            junk.pts, junk.dts, junk.is_keyframe = packet.pts, packet.dts, index == 0
            output.mux(junk)
    return target


def hls_playlist(url: str) -> bytes:
    """An HLS playlist whose one segment is at `url`."""
    return (
        b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
        + b"#EXTINF:10.0,\n"
        + url.encode()
        + b"\n#EXT-X-ENDLIST\n"
    )


def ffconcat(*targets: str) -> bytes:
    """An ffconcat script listing `targets` (paths or URLs) as its files."""
    lines = ["ffconcat version 1.0"] + [f"file '{target}'" for target in targets]
    return ("\n".join(lines) + "\n").encode()


def as_mp4_box(playlist: bytes) -> bytes:
    """The playlist behind an ftyp box, so that sniffing by leading bytes takes it for an MP4."""
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 0x200, b"isom", b"mp41")
    return ftyp + playlist


def small_video(path: Path) -> Path:
    """A good short clip."""
    return media.video(path, width=320, height=240, seconds=0.4)


class HttpTripwire:
    """A local HTTP server that records every request it gets (none is the hoped-for count)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Recorder(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def url(self, path: str) -> str:
        """An address on this server."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


class FifoTripwire:
    """A named pipe that tells whether anything opened it: its writer end blocks until then."""

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._wait, daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        with self.path.open("wb"):
            self._opened.set()

    @property
    def tripped(self) -> bool:
        """True once something has opened the pipe to read it."""
        return self._opened.is_set()

    def close(self) -> None:
        """Release the waiting writer (by opening the pipe here) and remove the pipe."""
        reader = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        self._thread.join(5)
        os.close(reader)
        self.path.unlink()
