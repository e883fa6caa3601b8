"""Where voice messages and photos residents send are kept: a folder (BENKEN_MEDIA_DIR).

Files are named by a random token and an extension, nothing else: a name must not say
who sent it or when (an anonymous safety report's recording keeps no link to its
sender). Writes go to a temporary name first and are renamed, so a reader never sees
half a file. Imports nothing else of ours.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path

import mutagen

# What a stored file's name looks like: 32 hex digits and a short extension.
NAME = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{1,5}")
EXTENSIONS = {
    "audio/ogg": "ogg", "audio/opus": "ogg", "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/x-m4a": "m4a",
    "audio/aac": "aac", "audio/wav": "wav", "audio/x-wav": "wav", "audio/webm": "webm", "audio/flac": "flac",
    "audio/amr": "amr", "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
}
PARTIAL = ".partial"  # a file being written


def seconds_of(data: bytes) -> int | None:
    """A recording's length in whole seconds, read from the file itself (Ogg/Opus, MP3,
    M4A, …): what a sender declares is not trusted. None when the format is not known."""
    try:
        audio = mutagen.File(io.BytesIO(data))
    except mutagen.MutagenError:
        return None
    length = getattr(getattr(audio, "info", None), "length", None)
    return round(length) if length else None


class MediaStore:
    """The media folder: save bytes under a new name, read, date and delete them."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """The file's path; a name that is not one of ours is refused (no `../`)."""
        if not NAME.fullmatch(name):
            raise ValueError(f"not a media file name: {name!r}")
        return self.root / name

    async def save(self, data: bytes, content_type: str) -> str:
        """Keep `data`; returns its new file name."""
        name = f"{secrets.token_hex(16)}.{EXTENSIONS.get(content_type.split(';')[0].strip().lower(), 'bin')}"
        await asyncio.to_thread(self._write, name, data)
        return name

    def _write(self, name: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        partial = self.root / (name + PARTIAL)
        partial.write_bytes(data)
        os.replace(partial, self.path(name))

    async def read(self, name: str) -> bytes:
        return await asyncio.to_thread(self.path(name).read_bytes)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, names: list[str] | set[str]) -> int:
        """Remove these files, half-written ones too (those already gone are fine); how
        many were there."""
        removed = 0
        for name in names:
            self.path(name.removesuffix(PARTIAL))  # only names of ours
            try:
                (self.root / name).unlink()
                removed += 1
            except FileNotFoundError:
                pass
        return removed

    def backdate(self, name: str, day: datetime) -> None:
        """Set the file's times to `day` (a day's start): an anonymous report's recording
        must not say when it was sent, on disk either."""
        stamp = day.timestamp()
        os.utime(self.path(name), (stamp, stamp))

    def listing(self) -> dict[str, datetime]:
        """Every stored file (and half-written one) with when it was last written (UTC)."""
        if not self.root.is_dir():
            return {}
        found = {}
        for entry in os.scandir(self.root):
            bare = entry.name.removesuffix(PARTIAL)
            if entry.is_file() and NAME.fullmatch(bare):
                found[entry.name] = datetime.fromtimestamp(entry.stat().st_mtime, timezone.utc)
        return found
