"""A corpus of synthetic business cards drawn with Pillow from known field values.

Used by the test fixtures and by `manage.py cardscan_accuracy` (without `--split`); the
accuracy floors come from the larger generated corpus of `cards.py`. Every card is generated at run
time from the records below (nothing binary lives in the repository), so the expected value of
every field is known exactly. The corpus covers several layouts, fonts from the Debian packages
`fonts-dejavu-core` and `fonts-liberation`, three card sizes, dark-on-light and light-on-dark,
English, German, French and Spanish cards, and a "noisy" half with slight rotation, speckle
noise, blur, uneven lighting and JPEG artefacts.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/liberation"),
]
# (regular, bold) pairs; each comes from a Debian package listed in scripts/sysdeps.sh.
FONT_FAMILIES = [
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
    ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    ("LiberationSansNarrow-Regular.ttf", "LiberationSansNarrow-Bold.ttf"),
]

# The fields a card carries and the accuracy measurement compares.
FIELDS = [
    "first_name", "last_name", "job_title", "company", "email", "business_phone",
    "mobile_phone", "fax", "website", "street", "city", "state", "postal_code", "country",
]


@dataclass
class CardSpec:
    """One card: the truth (`fields`) and how to draw it."""

    name: str
    fields: dict
    lang: str
    layout: str
    font: int
    size: tuple[int, int]
    dark: bool = False
    noisy: bool = False
    rotation: float = 0.0
    labels: dict = field(default_factory=dict)
    seed: int = 0


PEOPLE = [
    # English (US, UK, Canada, Ireland)
    {"lang": "en", "first_name": "Emily", "last_name": "Carter", "job_title": "Sales Director",
         "company": "Northwind Traders Inc.", "email": "emily.carter@northwind.com",
         "business_phone": "+1 (415) 555-0132", "mobile_phone": "+1 415 555 0199",
         "fax": "+1 (415) 555-0100", "website": "www.northwind.com", "street": "1200 Market Street",
         "city": "San Francisco", "state": "CA", "postal_code": "94103", "country": "USA"},
    {"lang": "en", "first_name": "James", "last_name": "O'Neill", "job_title": "Account Manager",
         "company": "Brightline Logistics Ltd", "email": "j.oneill@brightline.co.uk",
         "business_phone": "+44 20 7946 0958", "mobile_phone": "+44 7700 900123", "fax": "",
         "website": "www.brightline.co.uk", "street": "221 Baker Street", "city": "London",
         "state": "", "postal_code": "NW1 6XE", "country": "United Kingdom"},
    {"lang": "en", "first_name": "Priya", "last_name": "Raman", "job_title": "Chief Technology Officer",
         "company": "Helix Analytics LLC", "email": "priya@helixanalytics.io",
         "business_phone": "(212) 555-0147", "mobile_phone": "", "fax": "",
         "website": "helixanalytics.io", "street": "85 Broad Street", "city": "New York", "state": "NY",
         "postal_code": "10004", "country": ""},
    {"lang": "en", "first_name": "Michael", "last_name": "Brennan", "job_title": "Procurement Lead",
         "company": "Summit Building Supplies Corp.", "email": "mbrennan@summitbuild.com",
         "business_phone": "+1 312 555 0176", "mobile_phone": "+1 312 555 0190",
         "fax": "+1 312 555 0177", "website": "www.summitbuild.com", "street": "400 West Lake Street",
         "city": "Chicago", "state": "IL", "postal_code": "60606", "country": "USA"},
    {"lang": "en", "first_name": "Sarah", "last_name": "Whitfield", "job_title": "Marketing Manager",
         "company": "Greenleaf Foods plc", "email": "sarah.whitfield@greenleaf-foods.com",
         "business_phone": "+44 161 496 0712", "mobile_phone": "+44 7911 123456", "fax": "",
         "website": "www.greenleaf-foods.com", "street": "14 King Street", "city": "Manchester",
         "state": "", "postal_code": "M2 4LQ", "country": "United Kingdom"},
    {"lang": "en", "first_name": "David", "last_name": "Nguyen", "job_title": "Senior Software Engineer",
         "company": "Maple Leaf Systems Inc.", "email": "david.nguyen@maplesys.ca",
         "business_phone": "+1 416 555 0143", "mobile_phone": "+1 647 555 0188", "fax": "",
         "website": "www.maplesys.ca", "street": "100 King Street West", "city": "Toronto",
         "state": "ON", "postal_code": "M5X 1A9", "country": "Canada"},
    {"lang": "en", "first_name": "Laura", "last_name": "Fitzgerald", "job_title": "Head of Operations",
         "company": "Emerald Freight Limited", "email": "laura@emeraldfreight.ie",
         "business_phone": "+353 1 555 0134", "mobile_phone": "+353 87 555 0166", "fax": "",
         "website": "emeraldfreight.ie", "street": "25 Grafton Street", "city": "Dublin",
         "state": "", "postal_code": "D02 X285", "country": "Ireland"},
    {"lang": "en", "first_name": "Robert", "last_name": "Kim", "job_title": "Vice President of Sales",
         "company": "Pacific Coast Energy Co.", "email": "rkim@pacificcoastenergy.com",
         "business_phone": "(206) 555-0112", "mobile_phone": "(206) 555-0187",
         "fax": "(206) 555-0113", "website": "www.pacificcoastenergy.com",
         "street": "1501 Fourth Avenue", "city": "Seattle", "state": "WA", "postal_code": "98101",
         "country": "USA"},
    # German
    {"lang": "de", "first_name": "Jürgen", "last_name": "Schäfer", "job_title": "Vertriebsleiter",
         "company": "Müller Maschinenbau GmbH", "email": "j.schaefer@mueller-maschinenbau.de",
         "business_phone": "+49 30 1234567", "mobile_phone": "+49 171 2345678",
         "fax": "+49 30 1234568", "website": "www.mueller-maschinenbau.de",
         "street": "Friedrichstraße 123", "city": "Berlin", "state": "", "postal_code": "10117",
         "country": "Deutschland"},
    {"lang": "de", "first_name": "Katrin", "last_name": "Hoffmann", "job_title": "Geschäftsführerin",
         "company": "Hoffmann & Partner AG", "email": "k.hoffmann@hoffmann-partner.de",
         "business_phone": "+49 89 4567890", "mobile_phone": "+49 160 9876543", "fax": "",
         "website": "www.hoffmann-partner.de", "street": "Leopoldstraße 45", "city": "München",
         "state": "", "postal_code": "80802", "country": "Germany"},
    {"lang": "de", "first_name": "Stefan", "last_name": "Becker", "job_title": "Einkaufsleiter",
         "company": "Becker Logistik GmbH & Co. KG", "email": "stefan.becker@becker-logistik.de",
         "business_phone": "+49 40 3344550", "mobile_phone": "", "fax": "+49 40 3344559",
         "website": "becker-logistik.de", "street": "Am Sandtorkai 12", "city": "Hamburg", "state": "",
         "postal_code": "20457", "country": "Deutschland"},
    {"lang": "de", "first_name": "Anna", "last_name": "Wagner", "job_title": "Key Account Managerin",
         "company": "Wagner Elektrotechnik GmbH", "email": "anna.wagner@wagner-elektro.at",
         "business_phone": "+43 1 5123456", "mobile_phone": "+43 664 1234567", "fax": "",
         "website": "www.wagner-elektro.at", "street": "Mariahilfer Straße 88", "city": "Wien",
         "state": "", "postal_code": "1060", "country": "Österreich"},
    # French
    {"lang": "fr", "first_name": "Camille", "last_name": "Dubois", "job_title": "Directrice commerciale",
         "company": "Lumière Conseil SARL", "email": "camille.dubois@lumiere-conseil.fr",
         "business_phone": "+33 1 42 68 53 00", "mobile_phone": "+33 6 12 34 56 78",
         "fax": "+33 1 42 68 53 01", "website": "www.lumiere-conseil.fr",
         "street": "12 rue de la Paix", "city": "Paris", "state": "", "postal_code": "75002",
         "country": "France"},
    {"lang": "fr", "first_name": "Julien", "last_name": "Moreau", "job_title": "Ingénieur commercial",
         "company": "Rhône Industries SAS", "email": "j.moreau@rhone-industries.fr",
         "business_phone": "+33 4 72 10 20 30", "mobile_phone": "+33 7 81 22 33 44", "fax": "",
         "website": "rhone-industries.fr", "street": "45 avenue Jean Jaurès", "city": "Lyon",
         "state": "", "postal_code": "69007", "country": "France"},
    {"lang": "fr", "first_name": "Élodie", "last_name": "Laurent", "job_title": "Responsable des achats",
         "company": "Bordeaux Vins et Domaines SA", "email": "elodie.laurent@bvd.fr",
         "business_phone": "+33 5 56 44 11 22", "mobile_phone": "+33 6 98 76 54 32", "fax": "",
         "website": "www.bvd.fr", "street": "8 cours de l'Intendance", "city": "Bordeaux", "state": "",
         "postal_code": "33000", "country": "France"},
    {"lang": "fr", "first_name": "Nicolas", "last_name": "Lefèvre", "job_title": "Chef de projet",
         "company": "Alpine Solutions SA", "email": "n.lefevre@alpine-solutions.ch",
         "business_phone": "+41 22 345 67 89", "mobile_phone": "+41 79 123 45 67", "fax": "",
         "website": "www.alpine-solutions.ch", "street": "Rue du Rhône 30", "city": "Genève",
         "state": "", "postal_code": "1204", "country": "Suisse"},
    # Spanish
    {"lang": "es", "first_name": "José", "last_name": "García López", "job_title": "Director de ventas",
         "company": "Soluciones Ibéricas S.L.", "email": "jose.garcia@solucionesibericas.es",
         "business_phone": "+34 912 345 678", "mobile_phone": "+34 612 345 678",
         "fax": "+34 912 345 679", "website": "www.solucionesibericas.es",
         "street": "Calle de Alcalá 45", "city": "Madrid", "state": "", "postal_code": "28014",
         "country": "España"},
    {"lang": "es", "first_name": "Lucía", "last_name": "Fernández", "job_title": "Gerente de compras",
         "company": "Mediterránea Alimentación S.A.", "email": "lucia.fernandez@mediterranea.es",
         "business_phone": "+34 933 456 789", "mobile_phone": "+34 655 123 456", "fax": "",
         "website": "www.mediterranea.es", "street": "Passeig de Gràcia 21", "city": "Barcelona",
         "state": "", "postal_code": "08007", "country": "España"},
    {"lang": "es", "first_name": "Carlos", "last_name": "Ruiz", "job_title": "Jefe de proyectos",
         "company": "Andes Ingeniería S.A.", "email": "cruiz@andesingenieria.cl",
         "business_phone": "+56 2 2345 6789", "mobile_phone": "+56 9 8765 4321", "fax": "",
         "website": "www.andesingenieria.cl", "street": "Avenida Apoquindo 3000", "city": "Santiago",
         "state": "", "postal_code": "7550000", "country": "Chile"},
    {"lang": "es", "first_name": "Marta", "last_name": "Sánchez", "job_title": "Consultora senior",
         "company": "Valencia Consultores S.L.", "email": "marta@valenciaconsultores.es",
         "business_phone": "+34 963 111 222", "mobile_phone": "", "fax": "",
         "website": "valenciaconsultores.es", "street": "Calle Colón 18", "city": "Valencia",
         "state": "", "postal_code": "46004", "country": "España"},
    # More English, varied
    {"lang": "en", "first_name": "Olivia", "last_name": "Martins", "job_title": "Business Development Manager",
         "company": "Bluewater Marine Pty Ltd", "email": "olivia.martins@bluewatermarine.com.au",
         "business_phone": "+61 2 9876 5432", "mobile_phone": "+61 412 345 678", "fax": "",
         "website": "www.bluewatermarine.com.au", "street": "50 Pitt Street", "city": "Sydney",
         "state": "NSW", "postal_code": "2000", "country": "Australia"},
    {"lang": "en", "first_name": "Thomas", "last_name": "Reed", "job_title": "Founder & CEO",
         "company": "Reed Digital Studio", "email": "tom@reeddigital.studio",
         "business_phone": "+1 512 555 0101", "mobile_phone": "", "fax": "",
         "website": "reeddigital.studio", "street": "600 Congress Avenue", "city": "Austin",
         "state": "TX", "postal_code": "78701", "country": ""},
    {"lang": "en", "first_name": "Grace", "last_name": "Hughes", "job_title": "Regional Sales Representative",
         "company": "Oakridge Medical Supplies Inc.", "email": "ghughes@oakridgemed.com",
         "business_phone": "+1 617 555 0164", "mobile_phone": "+1 617 555 0181",
         "fax": "+1 617 555 0165", "website": "www.oakridgemed.com", "street": "75 State Street",
         "city": "Boston", "state": "MA", "postal_code": "02109", "country": "USA"},
    {"lang": "de", "first_name": "Markus", "last_name": "Weber", "job_title": "Technischer Leiter",
         "company": "Weber Solartechnik GmbH", "email": "m.weber@weber-solar.de",
         "business_phone": "+49 711 9876540", "mobile_phone": "+49 152 3456789", "fax": "",
         "website": "www.weber-solar.de", "street": "Königstraße 7", "city": "Stuttgart", "state": "",
         "postal_code": "70173", "country": "Deutschland"},
]

LABELS = {
    "en": [
        {"business_phone": "Tel: ", "mobile_phone": "Mobile: ", "fax": "Fax: ", "email": "",
         "website": ""},
        {"business_phone": "T ", "mobile_phone": "M ", "fax": "F ", "email": "E ",
         "website": "W "},
        {"business_phone": "Phone: ", "mobile_phone": "Cell: ", "fax": "Fax: ",
         "email": "Email: ", "website": "Web: "},
    ],
    "de": [
        {"business_phone": "Tel. ", "mobile_phone": "Mobil ", "fax": "Fax ", "email": "",
         "website": ""},
        {"business_phone": "Telefon: ", "mobile_phone": "Handy: ", "fax": "Fax: ",
         "email": "E-Mail: ", "website": "Web: "},
    ],
    "fr": [
        {"business_phone": "Tél. ", "mobile_phone": "Mob. ", "fax": "Fax ", "email": "",
         "website": ""},
        {"business_phone": "Tél : ", "mobile_phone": "Portable : ", "fax": "Fax : ",
         "email": "Courriel : ", "website": ""},
    ],
    "es": [
        {"business_phone": "Tel. ", "mobile_phone": "Móvil ", "fax": "Fax ", "email": "",
         "website": ""},
        {"business_phone": "Teléfono: ", "mobile_phone": "Móvil: ", "fax": "Fax: ",
         "email": "Email: ", "website": "Web: "},
    ],
}

LAYOUTS = ["classic", "company_top", "centered", "two_column"]
SIZES = [(1050, 600), (840, 480), (1400, 800)]


def city_line(f: dict) -> str:
    """The city line as that country prints it."""
    if f["state"]:  # US / Canada / Australia
        return f"{f['city']}, {f['state']} {f['postal_code']}"
    if f["country"] in ("United Kingdom", "Ireland"):
        return f"{f['city']} {f['postal_code']}"
    return f"{f['postal_code']} {f['city']}"


def corpus_specs() -> list[CardSpec]:
    """48 cards: every person once clean and once noisy, with varied layout, font and size."""
    specs = []
    for index, person in enumerate(PEOPLE):
        lang = person["lang"]
        fields = {k: person[k] for k in FIELDS}
        for noisy in (False, True):
            n = index * 2 + int(noisy)
            rng = random.Random(1000 + n)
            labels_options = LABELS[lang]
            specs.append(CardSpec(
                name=f"{'noisy' if noisy else 'clean'}-{index:02d}-{lang}",
                fields=fields,
                lang=lang,
                layout=LAYOUTS[(index + int(noisy)) % len(LAYOUTS)],
                font=(index + 3 * int(noisy)) % len(FONT_FAMILIES),
                size=SIZES[(index // 2 + int(noisy)) % len(SIZES)],
                dark=(index % 5 == 3) if not noisy else (index % 6 == 1),
                noisy=noisy,
                rotation=round(rng.uniform(-3.0, 3.0), 1) if noisy else 0.0,
                labels=labels_options[(index + int(noisy)) % len(labels_options)],
                seed=n,
            ))
    return specs


def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    for directory in FONT_DIRS:
        path = directory / name
        if path.exists():
            return ImageFont.truetype(str(path), px)
    raise FileNotFoundError(f"font {name} not found; install fonts-dejavu-core fonts-liberation")


def _blocks(spec: CardSpec) -> dict[str, list[tuple[str, str]]]:
    """The text of the card grouped into blocks of (style, text) lines."""
    f, lab = spec.fields, spec.labels
    person = [("name", f"{f['first_name']} {f['last_name']}"), ("title", f["job_title"])]
    company = [("company", f["company"])]
    address = [("small", f["street"]), ("small", city_line(f))]
    if f["country"]:
        address.append(("small", f["country"]))
    reach = []
    for key in ("business_phone", "mobile_phone", "fax"):
        if f[key]:
            reach.append(("small", f"{lab.get(key, '')}{f[key]}"))
    reach.append(("small", f"{lab.get('email', '')}{f['email']}"))
    if f["website"]:
        reach.append(("small", f"{lab.get('website', '')}{f['website']}"))
    return {"person": person, "company": company, "address": address, "reach": reach}


def render_card(spec: CardSpec) -> Image.Image:
    """Draw the card (RGB) as a camera would roughly see it."""
    width, height = spec.size
    scale = width / 1050
    regular, bold = FONT_FAMILIES[spec.font]
    fonts = {
        "name": _font(bold, int(44 * scale)),
        "title": _font(regular, int(30 * scale)),
        "company": _font(bold, int(34 * scale)),
        "small": _font(regular, int(26 * scale)),
    }
    bg, ink = ((28, 38, 58), (240, 240, 235)) if spec.dark else ((252, 251, 247), (20, 24, 32))
    image = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(image)
    blocks = _blocks(spec)
    margin = int(60 * scale)
    gap = int(10 * scale)

    def draw_lines(lines, x, y, align="left", box_width=None):
        room = (box_width or width - x) - margin // 2
        for style, text in lines:
            font = fonts[style]
            w = draw.textlength(text, font=font)
            if w > room:  # shrink a long line to fit the card, as a designer would
                font = _font(font.path.rsplit("/", 1)[-1], int(font.size * room / w))
                w = draw.textlength(text, font=font)
            if align == "center":
                tx = x + (box_width - w) / 2
            elif align == "right":
                tx = x + box_width - w
            else:
                tx = x
            draw.text((tx, y), text, font=font, fill=ink)
            y += font.size + gap
        return y

    if spec.layout == "classic":
        y = draw_lines(blocks["person"] + blocks["company"], margin, margin)
        y += int(25 * scale)
        y = draw_lines(blocks["address"], margin, y)
        draw_lines(blocks["reach"], width // 2 + margin // 2, height // 2 - int(20 * scale))
    elif spec.layout == "company_top":
        y = draw_lines(blocks["company"], margin, margin)
        draw.line((margin, y, width - margin, y), fill=ink, width=max(1, int(2 * scale)))
        y += int(20 * scale)
        y = draw_lines(blocks["person"], margin, y)
        y += int(25 * scale)
        draw_lines(blocks["reach"] + blocks["address"], margin, y)
    elif spec.layout == "centered":
        lines = blocks["person"] + blocks["company"]
        y = draw_lines(lines, 0, margin // 2, "center", width)
        y += int(15 * scale)
        address = [("small", ", ".join(t for _, t in blocks["address"]))]
        draw_lines(address + blocks["reach"], 0, y, "center", width)
    else:  # two_column: person left, company/address right, reach left bottom
        y = draw_lines(blocks["person"], margin, margin)
        y += int(30 * scale)
        draw_lines(blocks["reach"], margin, y)
        right = width // 2 + int(40 * scale)
        y2 = draw_lines(blocks["company"], right, margin)
        draw_lines(blocks["address"], right, y2 + int(10 * scale))
    if spec.noisy:
        image = _add_noise(image, spec)
    return image


def _add_noise(image: Image.Image, spec: CardSpec) -> Image.Image:
    """Camera-like defects: a slight rotation on a table, uneven light, speckles, blur."""
    rng = random.Random(spec.seed)
    width, height = image.size
    # Uneven lighting: a soft horizontal gradient multiplied in.
    shade = Image.linear_gradient("L").rotate(90).resize((width, height))
    shade = shade.point(lambda v: 200 + v * 55 // 255)
    image = Image.composite(image, Image.new("RGB", image.size, (0, 0, 0)), shade)
    # Speckles.
    draw = ImageDraw.Draw(image)
    for _ in range(width * height // 900):
        x, y = rng.randrange(width), rng.randrange(height)
        tone = rng.randrange(90, 200)
        draw.point((x, y), fill=(tone, tone, tone))
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    # Put it on a grey "table" and rotate slightly.
    table = Image.new("RGB", (int(width * 1.12), int(height * 1.16)), (120, 118, 112))
    table.paste(image, ((table.width - width) // 2, (table.height - height) // 2))
    table = table.rotate(spec.rotation, resample=Image.BICUBIC, expand=False,
                         fillcolor=(120, 118, 112))
    return table


def card_bytes(spec: CardSpec, fmt: str | None = None) -> bytes:
    """The card as an upload would carry it: PNG when clean, JPEG (quality 80) when noisy."""
    fmt = fmt or ("JPEG" if spec.noisy else "PNG")
    buffer = io.BytesIO()
    image = render_card(spec)
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=80)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def write_corpus(directory: Path) -> list[Path]:
    """Write every card to `directory` (for looking at them); returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in corpus_specs():
        ext = "jpg" if spec.noisy else "png"
        path = directory / f"{spec.name}.{ext}"
        path.write_bytes(card_bytes(spec))
        paths.append(path)
    return paths
