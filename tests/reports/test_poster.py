"""The poster as a PDF: it renders (pdftoppm), its QR code decodes (zbarimg) to the deep
link, and every script on it is set in its own font and shaped by HarfBuzz."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image, ImageChops

from bot.areas import load_areas
from bot.reports.poster import Sms, poster_pdf, render_pdf
from tests.support import benken

TOOLS = ("pdftoppm", "zbarimg", "pdffonts", "pdftotext")
pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS),
    reason="poppler-utils and zbar-tools are needed (make test installs them)",
)
FURUSET = load_areas().require("furuset")
LINK = "https://t.me/benken_oslo_bot?start=furuset_bib1"


def rendered(pdf: bytes, folder, name: str, dpi: int = 100) -> Image.Image:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(path), str(folder / name)], check=True)
    return Image.open(folder / f"{name}.png").convert("L")


def fonts(pdf: bytes, folder) -> str:
    path = folder / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def test_the_furuset_poster_renders_and_its_code_opens_the_deep_link(tmp_path):
    pdf = poster_pdf(FURUSET, link=LINK, langs=["nb", "so", "ar", "ti"], sms=Sms("FURUSET", "+47 59 44 00 00"))
    image = rendered(pdf, tmp_path, "poster")
    assert image.size[0] < image.size[1]  # A4, upright
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "poster.png")], capture_output=True, text=True)
    assert decoded.stdout.strip() == LINK
    text = subprocess.run(["pdftotext", str(tmp_path / "poster.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Del ideene dine for Furuset" in text and "ku biir dugnad" in text and "FURUSET" in text
    assert "ዱግናድ" in text  # Tigrinya, in Ethiopic letters with their own font below
    used = fonts(pdf, tmp_path)
    for family in ("Noto-Sans", "Noto-Naskh-Arabic", "Noto-Sans-Ethiopic"):
        assert family in used, used


def test_urdu_is_set_in_nastaliq(tmp_path):
    pdf = poster_pdf(FURUSET, link=LINK, langs=["ur", "fa"])
    used = fonts(pdf, tmp_path)
    assert "Noto-Nastaliq-Urdu" in used and "Noto-Naskh-Arabic" in used


@pytest.mark.parametrize("lang, word", [("ar", "منطقة"), ("ur", "پڑوسیوں"), ("fa", "همسایه")])
def test_arabic_script_is_shaped(tmp_path, lang, word):
    """Joined letters look different from the same letters kept apart. A zero-width
    non-joiner between letters forbids joining, so it is what a renderer without shaping
    would show: were shaping off, the two renderings would be alike."""
    apart = "\u200c".join(word)

    def page(text: str) -> bytes:
        html = (f'<html><body style="margin:0"><p lang="{lang}" dir="rtl" style="font-family: '
                f'\'Noto Nastaliq Urdu\', \'Noto Naskh Arabic\'; font-size: 48pt">{text}</p></body></html>')
        return render_pdf(html)

    joined, isolated = rendered(page(word), tmp_path, "joined"), rendered(page(apart), tmp_path, "apart")
    difference = ImageChops.difference(joined, isolated).point(lambda v: 255 if v > 64 else 0)
    changed = difference.histogram()[255] / (difference.size[0] * difference.size[1])
    assert changed > 0.002, f"{lang}: joined and isolated letters render alike ({changed:.4%} differs)"


def test_the_poster_command_writes_the_pdf(database_url, tmp_path):
    out = tmp_path / "furuset.pdf"
    done = benken(database_url, "poster", "--area", "furuset", "--source", "Bib1", "--langs", "nb,ti", "--out",
                  str(out), env={"TELEGRAM_BOT_USERNAME": "benken_oslo_bot"})
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF") and LINK in done.stdout
    bad = benken(database_url, "poster", "--area", "furuset", "--source", "no such", "--out", str(out),
                 env={"TELEGRAM_BOT_USERNAME": "benken_oslo_bot"})
    assert bad.returncode == 1 and bad.stderr.startswith("benken: --source") and "Traceback" not in bad.stderr
    unknown = benken(database_url, "poster", "--area", "furuset", "--langs", "nb,xx", "--out", str(out),
                     env={"TELEGRAM_BOT_USERNAME": "benken_oslo_bot"})
    assert unknown.returncode == 1 and "xx" in unknown.stderr
    nameless = benken(database_url, "poster", "--area", "furuset", "--out", str(out),
                      env={"TELEGRAM_BOT_USERNAME": "", "TELEGRAM_BOT_TOKEN": ""})
    assert nameless.returncode == 1 and "TELEGRAM_BOT_USERNAME" in nameless.stderr
