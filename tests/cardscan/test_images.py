"""Uploads that cannot be scanned get a clear message; the clean-up makes text readable."""

import dataclasses
import io
import struct
import zlib

import pillow_heif  # noqa: F401  (registers the HEIF encoder used below)
import pytest
from PIL import Image, ImageDraw, ImageStat

from crm.cardscan import images
from crm.cardscan.accuracy import normalize
from crm.cardscan.cards import make_card
from crm.cardscan.images import CardImageError, load_card_image, prepare_for_ocr, skew_angle
from crm.cardscan.pipeline import scan_card
from crm.common.codes import ScanErrorCode

from .factories import card_file


def png_bytes(size=(800, 500), color="white", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG", **save)
    return buffer.getvalue()


def test_a_png_card_is_accepted_upright():
    card = load_card_image(card_file("clean-00-en"))

    assert card.content_type == "image/png"
    assert card.image.size == (1050, 600)


def test_a_jpeg_card_is_accepted():
    assert load_card_image(card_file("noisy-00-en")).content_type == "image/jpeg"


def test_exif_orientation_is_honoured():
    # A phone held upright stores the pixels sideways plus EXIF "rotate 90" (orientation 6).
    sideways = Image.new("RGB", (500, 800), "white")
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    sideways.save(buffer, "JPEG", exif=exif.tobytes())

    card = load_card_image(buffer.getvalue())

    assert card.image.size == (800, 500)


@pytest.mark.parametrize(("data", "code"), [
    (b"", ScanErrorCode.EMPTY),
    (b"%PDF-1.7 not a picture at all" * 10, ScanErrorCode.NOT_AN_IMAGE),
    (png_bytes()[:200], ScanErrorCode.CORRUPT_IMAGE),
    (png_bytes((120, 80)), ScanErrorCode.TOO_SMALL),
])
def test_bad_uploads_are_refused_with_a_clear_message(data, code):
    with pytest.raises(CardImageError) as refused:
        load_card_image(data)

    assert refused.value.code == code
    assert refused.value.message  # and a message for the user


def test_a_file_over_10_mb_is_refused_before_decoding():
    with pytest.raises(CardImageError) as refused:
        load_card_image(b"\xff\xd8" + b"0" * (10 * 1024 * 1024))

    assert refused.value.code == ScanErrorCode.TOO_LARGE
    assert refused.value.message


def test_a_gif_is_refused_as_unsupported():
    buffer = io.BytesIO()
    Image.new("RGB", (800, 500)).save(buffer, "GIF")

    with pytest.raises(CardImageError) as refused:
        load_card_image(buffer.getvalue())

    assert refused.value.code == "unsupported_format"


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture: a decompression bomb."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def test_a_decompression_bomb_is_refused():
    with pytest.raises(CardImageError) as refused:
        load_card_image(_png_claiming(60000, 60000))

    assert refused.value.code == "decompression_bomb"


def test_light_text_on_a_dark_card_is_inverted():
    dark = Image.new("RGB", (1000, 600), (20, 30, 60))
    ImageDraw.Draw(dark).text((100, 250), "Hello", fill="white")

    cleaned = prepare_for_ocr(dark)

    histogram = cleaned.histogram()
    assert histogram[255] > histogram[0]  # mostly white paper after the clean-up


def test_small_photos_are_upscaled_and_cleaned_to_black_and_white():
    cleaned = prepare_for_ocr(Image.open(io.BytesIO(card_file("clean-02-en"))).resize((525, 300)))

    assert cleaned.width >= images.TARGET_WIDTH
    assert set(cleaned.tobytes()) <= {0, 255}


def test_a_tilted_card_is_measured_for_deskewing():
    card = Image.open(io.BytesIO(card_file("clean-00-en"))).convert("L")
    tilted = card.rotate(4, expand=True, fillcolor=255)

    assert skew_angle(tilted) == pytest.approx(-4, abs=0.6)


def test_an_iphone_heic_photo_is_accepted():
    buffer = io.BytesIO()
    Image.open(io.BytesIO(card_file("clean-01-en"))).save(buffer, "HEIF")

    card = load_card_image(buffer.getvalue())

    assert card.content_type == "image/heic"
    assert card.image.size == (1050, 600)


def test_a_half_uploaded_jpeg_is_refused_even_when_truncated_images_are_allowed(monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as WeasyPrint sets it
    photo = card_file("noisy-00-en")

    with pytest.raises(CardImageError) as refused:
        load_card_image(photo[: len(photo) // 2])

    assert refused.value.code == "corrupt_image"


# --- the pipeline on photographed cards (real Tesseract) -----------------------------------------

def _variant(index: int, **changes):
    """A tuning-split card drawn with the given layout/photo settings."""
    card = make_card("tuning", index)
    extras = {**card.extras, **changes.pop("extras", {})}
    return dataclasses.replace(card, extras=extras, **changes)


def test_a_card_on_a_table_is_cut_out_and_straightened():
    card = _variant(0, noisy=True, scale=1.0, extras={"rotation": 3.0, "perspective": 0.02})
    gray = Image.open(io.BytesIO(card.to_bytes())).convert("L")

    corners = images.card_corners(gray)
    straight = images.crop_to_card(gray)

    assert corners is not None
    assert straight.width / straight.height == pytest.approx(1050 / 600, rel=0.06)
    assert straight.width < gray.width  # the table is gone


def test_a_scan_without_a_table_is_left_whole():
    gray = Image.open(io.BytesIO(card_file("clean-00-en"))).convert("L")

    assert images.card_corners(gray) is None


def test_uneven_light_is_evened_out():
    gradient = Image.linear_gradient("L").rotate(90).resize((1000, 600)).point(
        lambda v: 90 + v * 150 // 255)
    ImageDraw.Draw(gradient).text((100, 300), "Hello", fill=0)

    flat = images.flatten_light(gradient)

    left, right = flat.crop((20, 20, 80, 80)), flat.crop((920, 20, 980, 80))
    assert abs(ImageStat.Stat(left).mean[0] - ImageStat.Stat(right).mean[0]) < 20


@pytest.mark.parametrize(("card", "fields"), [
    pytest.param(_variant(0, noisy=True, scale=1.0, extras={
        "rotation": 3.0, "perspective": 0.02, "dark_photo": False}),
        ["first_name", "last_name", "email", "business_phone", "city", "postal_code"],
        id="rotated-3-degrees-in-perspective"),
    pytest.param(_variant(4, layout="dark", noisy=False, scale=1.0),
                 ["first_name", "last_name", "email", "business_phone", "street", "city"],
                 id="light-text-on-a-dark-card"),
    pytest.param(_variant(8, noisy=True, scale=1.0, extras={
        "dark_photo": True, "light": 0.45, "rotation": -2.0}),
        ["first_name", "last_name", "business_phone", "city", "postal_code"],
        id="photographed-in-low-light"),
    pytest.param(_variant(6, noisy=True, scale=0.5, extras={"rotation": 1.5, "dark_photo": False}),
                 ["first_name", "last_name", "business_phone", "street", "postal_code"],
                 id="small-card-half-size"),
])
def test_hard_photos_are_read(card, fields):
    result = scan_card(card.to_bytes())

    normalised = {name: normalize(name, result.fields[name], card.region) for name in fields}
    assert normalised == {name: normalize(name, card.fields[name], card.region)
                          for name in fields}, result.text


def test_a_photo_stored_sideways_with_exif_orientation_is_read_upright():
    card = Image.open(io.BytesIO(card_file("clean-00-en")))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    buffer = io.BytesIO()
    card.rotate(90, expand=True).save(buffer, "JPEG", quality=92, exif=exif.tobytes())

    result = scan_card(buffer.getvalue())

    assert (result.fields["first_name"], result.fields["email"]) == (
        "Emily", "emily.carter@northwind.com")


def test_an_iphone_heic_card_is_read():
    buffer = io.BytesIO()
    Image.open(io.BytesIO(card_file("clean-12-fr"))).save(buffer, "HEIF")

    result = scan_card(buffer.getvalue())

    assert result.content_type == "image/heic"
    assert result.fields["email"] == "camille.dubois@lumiere-conseil.fr"
