"""Exports on the web desk: the CLI's `benken export` as CSV or JSON-lines downloads, only
ever of the staff member's own areas (checked here, whatever the link says). Like the
CLI's, no export has a resident's phone number or Telegram id."""

from __future__ import annotations

import tempfile
from datetime import datetime, time

from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ...models import utcnow
from ...reports import export
from . import forms
from .desk import Desk, page

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/x-ndjson; charset=utf-8"}
SPOOL_IN_MEMORY = 1024 * 1024  # bytes kept in memory before the export spills to a temporary file
CHUNK = 64 * 1024  # characters a piece of the download
EXCEL_BOM = "\ufeff"  # Excel opens a CSV as UTF-8 only with it (Norwegian letters, Arabic script)


@page()
async def exports_page(desk: Desk) -> Response:
    """GET /desk/exports: what to download."""
    return desk.render("exports.html", kinds=export.KINDS)


@page()
async def download(desk: Desk) -> Response:
    """GET /desk/exports/download?kind=ideas&format=csv&area=furuset&since=2026-01-01

    The export is written to a spooled temporary file in the request's time, then sent in
    pieces: a slow download never holds the database (SQLite's lock) open."""
    params = desk.params
    kind = forms.one_of(params.get("kind"), export.KINDS)
    fmt = forms.one_of(params.get("format"), FORMATS)
    if kind is None or fmt is None:
        return desk.render("error.html", status_code=400, title=desk.text._s("Not allowed"),
                           message=desk.text._s("Choose what to export and the format."))
    area = params.get("area") or ""
    slugs = [desk.require_area(area)] if area else list(desk.area_slugs)
    day = forms.day(params.get("since"))
    since = datetime.combine(day, time(0), desk.text.zone) if day else None
    await desk.audit("export", kind, f"{fmt}; {area or 'all my areas'}" + (f"; since {day.isoformat()}" if day else ""))
    # The export reads in its own session: this one (and SQLite's write lock) goes first.
    await desk.session.commit()
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", newline="")
    if fmt == "csv":
        spool.write(EXCEL_BOM)
    await export.write(desk.app, kind, fmt, None, spool, since=since, areas=slugs)
    spool.seek(0)

    async def pieces():
        try:
            while piece := spool.read(CHUNK):
                yield piece
        finally:
            spool.close()

    stamp = utcnow().astimezone(desk.text.zone).date().isoformat()
    name = f"benken-{kind}-{area or 'areas'}-{stamp}.{'csv' if fmt == 'csv' else 'jsonl'}"
    return StreamingResponse(pieces(), media_type=FORMATS[fmt],
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


routes = [
    Route("/exports", exports_page, methods=["GET"], name="exports"),
    Route("/exports/download", download, methods=["GET"], name="exports_download"),
]
