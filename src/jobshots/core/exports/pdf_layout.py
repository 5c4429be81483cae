"""The report's pages, drawn with reportlab: cover, details, photo groups, evidence appendix,
page numbers."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

if TYPE_CHECKING:
    from jobshots.core.exports.appendix import Evidence
    from jobshots.core.exports.pdf import JobReport, ReportPhoto

# JPEGs go in as they are: ASCII85 would add a quarter to their size and most of the time.
rl_config.useA85 = 0

Opener = Callable[[str], BinaryIO]
MARGIN = 2 * cm
# A photo's box: two photos and their captions fit one page under a group's heading.
PHOTO_WIDTH = A4[0] - 2 * MARGIN
PHOTO_HEIGHT = 9.5 * cm

_styles = getSampleStyleSheet()
COVER_TITLE = ParagraphStyle("CoverTitle", parent=_styles["Title"], fontSize=26, leading=32)
COVER_LINE = ParagraphStyle("CoverLine", parent=_styles["Normal"], fontSize=13, leading=18)
HEADING = _styles["Heading1"]
BODY = _styles["Normal"]
CAPTION = ParagraphStyle("Caption", parent=BODY, fontSize=9, leading=11, textColor=colors.gray)
# The appendix: small type, one row per photo, the hash in two halves of a fixed-width font.
# Its cells are plain text wrapped here, not Paragraphs: 200 rows draw in a tenth of the time.
CELL_FONT, CELL_BOLD, HASH_FONT = "Helvetica", "Helvetica-Bold", "Courier"
CELL_SIZE, CELL_LEADING, CELL_PADDING = 7, 8.5, 2
EVIDENCE_COLUMNS = ("Photo", "SHA-256", "Time", "Place and device", "Flags")
EVIDENCE_WIDTHS = [2.4 * cm, 4.25 * cm, 3.6 * cm, 3.45 * cm, PHOTO_WIDTH - 13.7 * cm]


def draw(
    report: JobReport, opener: Opener, out: BinaryIO, on_photo: Callable[[], None] | None
) -> None:
    """Lay out the whole report and write the PDF into `out`."""
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{report.reference} {report.title}",
        author=report.company_name,
        invariant=1,
    )
    story: list[Flowable] = [*_cover(report), PageBreak(), *_details(report)]
    with tempfile.TemporaryDirectory(prefix="jobshots-pdf-") as spool:
        place = _Placer(opener, Path(spool), on_photo)
        for group in report.groups:
            story += [PageBreak(), Paragraph(escape(group.title), HEADING)]
            story += [_photo_block(photo, place) for photo in group.photos]
        if report.groups:
            story += [PageBreak(), *_appendix(report)]
        document.build(story, canvasmaker=_NumberedCanvas)


def _cover(report: JobReport) -> list[Flowable]:
    lines = [
        Spacer(1, 5 * cm),
        Paragraph(escape(report.company_name), COVER_LINE),
        Spacer(1, 0.5 * cm),
        Paragraph(escape(f"{report.reference} {report.title}"), COVER_TITLE),
        Spacer(1, 0.5 * cm),
    ]
    lines += [Paragraph(escape(line), COVER_LINE) for line in report.address]
    lines.append(Spacer(1, 1 * cm))
    lines += [Paragraph(escape(f"{label}: {value}"), COVER_LINE) for label, value in report.dates]
    return lines


def _details(report: JobReport) -> list[Flowable]:
    rows = [("Reference", report.reference), ("Title", report.title), *report.details]
    if report.address:
        rows.append(("Address", ", ".join(report.address)))
    rows.append(("Photos", str(report.photo_count)))
    table = Table(
        [[Paragraph(escape(k), BODY), Paragraph(_lines(v), BODY)] for k, v in rows],
        colWidths=[4 * cm, PHOTO_WIDTH - 4 * cm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return [Paragraph("Job details", HEADING), table]


def _photo_block(photo: ReportPhoto, place: _Placer) -> Flowable:
    caption = [
        text
        for text in (
            f"No. {photo.number}",
            f"Taken {photo.taken_at}" if photo.taken_at else None,
            f"By {photo.uploaded_by}" if photo.uploaded_by else None,
            f"Location {photo.location}" if photo.location else None,
        )
        if text
    ]
    parts: list[Flowable] = [
        _Picture(photo, place),
        Paragraph(escape(" · ".join(caption)) or "&nbsp;", CAPTION),
    ]
    if photo.description:
        parts.append(Paragraph(_lines(photo.description), BODY))
    parts.append(Spacer(1, 0.4 * cm))
    return KeepTogether(parts)


def _appendix(report: JobReport) -> list[Flowable]:
    rows = [
        list(EVIDENCE_COLUMNS),
        *(_evidence_row(photo.evidence) for group in report.groups for photo in group.photos),
    ]
    table = Table(rows, colWidths=EVIDENCE_WIDTHS, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), CELL_FONT, CELL_SIZE, CELL_LEADING),
                ("FONT", (0, 0), (-1, 0), CELL_BOLD, CELL_SIZE, CELL_LEADING),
                ("FONT", (1, 1), (1, -1), HASH_FONT, CELL_SIZE - 1, CELL_LEADING),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    intro = (
        "Each photo's SHA-256 is of its original file as uploaded; the ZIP export lists the "
        "same, signed by this server. Times are in the company's time zone."
    )
    return [Paragraph("Evidence", HEADING), Paragraph(intro, CAPTION), Spacer(1, 0.2 * cm), table]


def _evidence_row(item: Evidence) -> list[str]:
    photo, _, time, place, flags = EVIDENCE_WIDTHS
    return [
        _wrapped([f"No. {item.number}", item.name], photo),
        f"{item.sha256[:32]}\n{item.sha256[32:]}" if item.sha256 else "not recorded",
        _wrapped(
            [f"Taken {item.taken_at or 'unknown'}", f"({item.time_source})",
             f"Uploaded {item.uploaded_at}"],
            time,
        ),
        _wrapped([item.location, item.distance, item.device and f"Device: {item.device}"], place),
        _wrapped(list(item.flags) or ["none"], flags),
    ]  # fmt: skip


def _wrapped(lines: Sequence[str | None], width: float) -> str:
    """The lines broken to fit the column, as the table draws plain text: one per line."""
    room = width - 2 * CELL_PADDING
    return "\n".join(
        part for line in lines if line for part in simpleSplit(line, CELL_FONT, CELL_SIZE, room)
    )


def _lines(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


class _Placer:
    """Puts each photo's JPEG on its page as the JPEG it is, read from storage at that moment.

    reportlab embeds a JPEG undecoded only from a file named *.jpg: given bytes (an
    ImageReader) it decodes every picture to hash it and keeps the pixels, 1 GB for 200
    photos. So each is copied to a spool file, embedded, and the file removed.
    """

    def __init__(self, opener: Opener, spool: Path, on_photo: Callable[[], None] | None) -> None:
        self._opener = opener
        self._spool = spool
        self._on_photo = on_photo
        self._placed = 0

    def __call__(self, canvas: Canvas, key: str, width: float, height: float) -> None:
        """Draw the JPEG stored at `key` at the origin, `width` by `height`."""
        self._placed += 1
        # The file's name is the picture's name in the PDF: one per photo, never reused.
        spooled = self._spool / f"{self._placed}.jpg"
        with self._opener(key) as stored, spooled.open("wb") as copy:
            shutil.copyfileobj(stored, copy)
        canvas.drawImage(str(spooled), 0, 0, width, height)
        spooled.unlink()

    def placed(self) -> None:
        """Count one more photo done."""
        if self._on_photo is not None:
            self._on_photo()


class _Picture(Flowable):
    """A photo fitted to its box, its JPEG read from storage only when its page is drawn."""

    def __init__(self, photo: ReportPhoto, place: _Placer) -> None:
        super().__init__()
        self._photo = photo
        self._place = place
        if photo.storage_key and photo.width and photo.height:
            scale = min(PHOTO_WIDTH / photo.width, PHOTO_HEIGHT / photo.height)
            self.width, self.height = photo.width * scale, photo.height * scale
        else:
            self.width, self.height = PHOTO_WIDTH, 2 * cm

    def draw(self) -> None:
        """Place the picture, or a note where there is none yet."""
        canvas = self.canv
        if self._photo.storage_key is None or not self._photo.width:
            canvas.setFillColor(colors.gray)
            canvas.drawString(0, self.height / 2, "No picture: this file has no preview yet.")
        else:
            self._place(canvas, self._photo.storage_key, self.width, self.height)
        self._place.placed()


class _NumberedCanvas(Canvas):
    """Numbers every page "Page n of m", once the last page is known."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        """Hold the finished page until the total is known."""
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # a fresh page, as showPage does

    def save(self) -> None:
        """Number each held page, then write them all."""
        total = len(self._pages)
        for page in self._pages:
            self.__dict__.update(page)
            self.setFont("Helvetica", 9)
            self.setFillColor(colors.gray)
            self.drawCentredString(A4[0] / 2, MARGIN / 2, f"Page {self.getPageNumber()} of {total}")
            super().showPage()
        super().save()
