"""Card photos in: checks that turn a bad upload into a clear message, and the clean-up that
makes Tesseract's job easy (EXIF rotation, grayscale, light-on-dark inversion, upscaling,
deskew, threshold). Pillow only, so no compiled image stack is needed beyond Pillow itself."""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFilter, ImageOps, ImageStat, UnidentifiedImageError

from crm.common.codes import ScanErrorCode

MAX_BYTES = 10 * 1024 * 1024
MIN_SIDE = 200  # shorter side in pixels; below that no card text is legible
MIN_LONG_SIDE = 300
MAX_PIXELS = 50_000_000  # a 50 MP photo is already more than any phone card shot needs
ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}

try:  # HEIC/HEIF from iPhones, when the optional pillow-heif wheel is installed.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    ACCEPTED_FORMATS["HEIF"] = "image/heic"
except ImportError:  # pragma: no cover - depends on the optional package
    pass


class CardImageError(Exception):
    """An upload that cannot be scanned; `code` is stable, `message` is for people."""

    def __init__(self, code: ScanErrorCode, message):
        self.code = code
        self.message = str(message)
        super().__init__(self.message)


@dataclass
class CardImage:
    image: Image.Image  # upright RGB
    format: str
    content_type: str


def load_card_image(data: bytes) -> CardImage:
    """Open an upload, refusing what cannot be a card photo; returns the upright picture."""
    if not data:
        raise CardImageError(ScanErrorCode.EMPTY, _("The file is empty. Choose a photo of the card."))
    if len(data) > MAX_BYTES:
        raise CardImageError(
            ScanErrorCode.TOO_LARGE,
            _("The image is %(size).1f MB; the limit is 10 MB. Take the photo at a lower "
              "resolution or crop it.") % {"size": len(data) / 1024 / 1024},
        )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat it as an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = image.format or ""
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise CardImageError(
                    ScanErrorCode.DECOMPRESSION_BOMB,
                    _("The image claims %(w)s x %(h)s pixels, which is far more than a card "
                      "photo needs; it was refused.") % {"w": width, "h": height},
                )
            if fmt not in ACCEPTED_FORMATS:
                raise CardImageError(
                    ScanErrorCode.UNSUPPORTED_FORMAT,
                    _("%(fmt)s images are not supported. Upload a JPEG or PNG photo.")
                    % {"fmt": fmt or _("This kind of")},
                )
            _check_complete(data, fmt)
            image.load()
    except CardImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise CardImageError(
            ScanErrorCode.DECOMPRESSION_BOMB,
            _("The image is too large when decoded (possible decompression bomb); it was "
              "refused."),
        )
    except UnidentifiedImageError:
        raise CardImageError(ScanErrorCode.NOT_AN_IMAGE,
                             _("This file is not an image. Upload a JPEG or PNG photo."))
    except (OSError, SyntaxError, ValueError):
        raise CardImageError(ScanErrorCode.CORRUPT_IMAGE,
                             _("The image is damaged or incomplete. Take the photo again."))
    image = ImageOps.exif_transpose(image)
    width, height = image.size
    if min(width, height) < MIN_SIDE or max(width, height) < MIN_LONG_SIDE:
        raise CardImageError(
            ScanErrorCode.TOO_SMALL,
            _("The image is only %(w)s x %(h)s pixels; the card text cannot be read. Use a "
              "photo of at least %(min_long)s x %(min)s pixels.")
            % {"w": width, "h": height, "min_long": MIN_LONG_SIDE, "min": MIN_SIDE},
        )
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGBA").convert("RGB") if "A" in image.mode or image.mode == "P" \
            else image.convert("RGB")
    return CardImage(image=image, format=fmt, content_type=ACCEPTED_FORMATS[fmt])


def _check_complete(data: bytes, fmt: str) -> None:
    """Refuse a half-uploaded picture. Pillow would pad it with grey when another library
    (WeasyPrint does) has set the process-wide `ImageFile.LOAD_TRUNCATED_IMAGES`."""
    if fmt == "PNG":
        Image.open(io.BytesIO(data)).verify()  # reads every chunk and checks its CRC
    elif fmt in ("JPEG", "MPO") and b"\xff\xd9" not in data[-1024:]:
        raise OSError("JPEG end-of-image marker missing")


# --- clean-up before OCR ----------------------------------------------------------------------

TARGET_WIDTH = 1600  # Tesseract reads best with ~25-40 px tall glyphs; cards are ~3.5 in wide
MAX_WIDTH = 2400


def to_gray(image: Image.Image) -> Image.Image:
    """Grayscale, and white text on a dark card turned into dark text on white."""
    gray = ImageOps.grayscale(image) if image.mode != "L" else image
    w, h = gray.size
    # Judge the card by its centre: a photo's border is often the table, not the card. Paper
    # is most of a card, so when most of it is darker than the ink/paper split, it is a dark
    # card (a dimly lit light card still has most pixels on the light side).
    centre = gray.crop((w // 5, h // 5, w - w // 5, h - h // 5))
    small = centre.copy()
    small.thumbnail((300, 300))
    level = otsu_level(small)
    histogram = small.histogram()
    dark_share = sum(histogram[:level + 1]) / max(sum(histogram), 1)
    if dark_share > 0.5 and ImageStat.Stat(centre).median[0] < 160:
        gray = ImageOps.invert(gray)
    return gray


def rescale(gray: Image.Image) -> Image.Image:
    """Upscale small photos and shrink huge ones so glyphs have a size Tesseract likes."""
    w, h = gray.size
    if w < TARGET_WIDTH:
        factor = TARGET_WIDTH / w
    elif w > MAX_WIDTH:
        factor = MAX_WIDTH / w
    else:
        return gray
    return gray.resize((round(w * factor), round(h * factor)), Image.LANCZOS)


def otsu_level(gray: Image.Image) -> int:
    """Otsu's threshold from the histogram (maximises between-class variance)."""
    hist = gray.histogram()[:256]
    total = sum(hist)
    sum_all = sum(i * c for i, c in enumerate(hist))
    weight_bg = sum_bg = 0
    best, level = -1.0, 128
    for i, count in enumerate(hist):
        weight_bg += count
        if weight_bg == 0:
            continue
        weight_fg = total - weight_bg
        if weight_fg == 0:
            break
        sum_bg += i * count
        mean_bg = sum_bg / weight_bg
        mean_fg = (sum_all - sum_bg) / weight_fg
        between = weight_bg * weight_fg * (mean_bg - mean_fg) ** 2
        if between > best:
            best, level = between, i
    return level


def skew_angle(gray: Image.Image, limit: float = 6.0) -> float:
    """The rotation (degrees) that makes text lines horizontal, by projection profiles.

    Text rows give a spiky row-sum profile when level and a smeared one when tilted, so the
    angle with the largest variance of row sums wins. Tried on a small copy: ~20 ms.
    """
    small = gray.copy()
    small.thumbnail((700, 700))
    level = otsu_level(small)
    ink = small.point(lambda v: 255 if v < level else 0)

    def score(angle: float) -> float:
        rotated = ink.rotate(angle, resample=Image.BILINEAR, expand=False)
        rows = rotated.resize((1, rotated.height), Image.BOX).tobytes()
        mean = sum(rows) / len(rows)
        return sum((r - mean) ** 2 for r in rows)

    best = max((score(a / 2), a / 2) for a in range(int(-limit * 2), int(limit * 2) + 1))[1]
    fine = max((score(best + d / 10), best + d / 10) for d in range(-4, 5))[1]
    return round(fine, 1)


def _perspective_coeffs(output_corners, input_corners) -> list[float]:
    """PIL's PERSPECTIVE data: the 8 coefficients mapping output points to input points."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(output_corners, input_corners, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    target = [c for point in input_corners for c in point]
    return np.linalg.solve(np.array(rows, dtype=float), np.array(target, dtype=float)).tolist()


def card_corners(gray: Image.Image):
    """The four corners (TL, TR, BR, BL) of a card photographed on a table, or None when the
    card fills the picture (a scan) or cannot be told from its background.

    The table is what the picture's border shows; the card is the large solid region that
    differs from it. Its extreme points give the corners, so rotation and perspective are
    undone by one warp.
    """
    import numpy as np

    small = gray.copy()
    small.thumbnail((320, 320))
    factor = gray.width / small.width
    a = np.asarray(small.filter(ImageFilter.GaussianBlur(2)), dtype=np.float32)
    h, w = a.shape
    border = np.concatenate([a[:2].ravel(), a[-2:].ravel(), a[:, :2].ravel(), a[:, -2:].ravel()])
    if border.std() > 30:  # no even table around the card
        return None
    diff = np.abs(a - np.median(border))
    mask_image = Image.fromarray(((diff > 22) * 255).astype(np.uint8))
    # Open, then close: specks of the table go, the letters on the card are filled in.
    mask_image = mask_image.filter(ImageFilter.MinFilter(5)).filter(ImageFilter.MaxFilter(5))
    mask_image = mask_image.filter(ImageFilter.MaxFilter(9)).filter(ImageFilter.MinFilter(9))
    mask = np.asarray(mask_image) > 0
    ys, xs = np.nonzero(mask)
    if len(xs) < 0.2 * w * h:
        return None
    s, d = xs + ys, xs - ys
    corners = [(xs[s.argmin()], ys[s.argmin()]), (xs[d.argmax()], ys[d.argmax()]),
               (xs[s.argmax()], ys[s.argmax()]), (xs[d.argmin()], ys[d.argmin()])]
    top = math.dist(corners[0], corners[1])
    bottom = math.dist(corners[3], corners[2])
    left = math.dist(corners[0], corners[3])
    right = math.dist(corners[1], corners[2])
    if min(top, bottom, left, right) < 40 or abs(top - bottom) > 0.15 * max(top, bottom) or \
            abs(left - right) > 0.15 * max(left, right):
        return None
    # Solid inside (a card), not a ring of text lines; and not the whole picture.
    area = 0.5 * abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in
                         zip(corners, corners[1:] + corners[:1], strict=True)))
    if area > 0.97 * w * h or mask.sum() < 0.85 * area:
        return None
    return [(x * factor, y * factor) for x, y in corners]


def crop_to_card(gray: Image.Image) -> Image.Image:
    """Cut the card out of a photo and straighten it (rotation and perspective)."""
    corners = card_corners(gray)
    if corners is None:
        return gray
    width = int((math.dist(corners[0], corners[1]) + math.dist(corners[3], corners[2])) / 2)
    height = int((math.dist(corners[0], corners[3]) + math.dist(corners[1], corners[2])) / 2)
    inset = 0.025  # stay inside the card's edge, which would otherwise read as a line
    output = [(width * inset, height * inset), (width * (1 - inset), height * inset),
              (width * (1 - inset), height * (1 - inset)), (width * inset, height * (1 - inset))]
    coeffs = _perspective_coeffs(output, corners)
    return gray.transform((width, height), Image.PERSPECTIVE, coeffs, Image.BICUBIC)


def flatten_light(gray: Image.Image) -> Image.Image:
    """Even out uneven light and stretch the contrast: the paper's brightness is estimated
    with a coarse maximum filter and divided out, then the darkest and lightest 1 % are
    stretched to black and white. Dark and low-light photos come out as black on white."""
    import numpy as np

    w, h = gray.size
    small = gray.resize((max(w // 16, 8), max(h // 16, 8)), Image.BILINEAR)
    paper = small.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.GaussianBlur(1))
    paper = paper.resize((w, h), Image.BILINEAR)
    a = np.asarray(gray, dtype=np.float32)
    b = np.maximum(np.asarray(paper, dtype=np.float32), 1.0)
    flat = np.clip(a / b * 235.0, 0, 255)
    # Paper sits at 235 now; stretch so the darkest 1 % (the ink) becomes black.
    # (A page with hardly any ink is only lifted to white.)
    ink = min(float(np.percentile(flat, 1)), 150.0)
    flat = np.clip((flat - ink) / (235.0 - ink) * 255.0, 0, 255)
    return Image.fromarray(flat.astype(np.uint8))


def clean_gray(image: Image.Image) -> Image.Image:
    """Grayscale -> invert if dark -> cut out the card -> even light -> rescale -> deskew."""
    gray = ImageOps.grayscale(image) if image.mode != "L" else image
    gray = to_gray(crop_to_card(gray))  # dark or light, judged once the table is gone
    gray = flatten_light(rescale(gray))
    angle = skew_angle(gray)
    if abs(angle) >= 0.3:
        gray = gray.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    return gray


def binarise(gray: Image.Image) -> Image.Image:
    gray = gray.filter(ImageFilter.MedianFilter(3))
    level = otsu_level(gray)
    return gray.point(lambda v: 255 if v > level else 0, mode="L")


def prepare_for_ocr(image: Image.Image) -> Image.Image:
    """Grayscale -> invert if dark -> card cut out and straightened -> even light -> rescale
    -> deskew -> light denoise -> threshold."""
    return binarise(clean_gray(image))
