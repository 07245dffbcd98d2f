"""A generative corpus of realistic business cards, split into a tuning and a held-out half.

`corpus.py` draws a fixed set of 48 cards; this module draws as many as asked from independent
choices, so a parser tuned on one card cannot simply learn it:

* people, companies, streets and cities of eight countries (US, UK, CA, IN, DE, FR, ES, AU) with
  their postal-code formats and the way each prints its address (`Sydney NSW 2000`,
  `Toronto, ON M5V 1G6`, `Mumbai - 400051`, `EC2A 8PE` on its own line, `75002 Paris`);
  phone numbers valid in each numbering plan (checked with `phonenumbers`), printed in the
  national or the international style;
* labels absent, as letters (T/M/F), words (Phone/Mobile), abbreviations (Tel./Mob.) or local
  words (Tél., Mobil, Móvil, Handy, Portable);
* addresses on several lines or on one line with `·`, `|` or `,` separators;
* five layouts (left-aligned, logo header, two columns, centred, dark) with logos and taglines
  as distractors, in the typefaces of six Debian font packages;
* photographed cards: rotation up to 3 degrees, slight perspective, uneven light, blur, noise,
  low-quality JPEG, scales from 0.5x to 2x.

The pools are split in two: the *tuning* split draws from one half of every pool and seeds
below 10 000, the *held-out* split from the other half and other seeds. Only the tuning split
is looked at when rules change; the accuracy floors in the tests come from the held-out one.
"""

from __future__ import annotations

import io
import math
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = [Path("/usr/share/fonts/truetype") / d for d in (
    "dejavu", "liberation", "lato", "open-sans", "freefont", "crosextra")]
# (regular, bold): fonts-dejavu-core, fonts-liberation, fonts-lato, fonts-open-sans,
# fonts-freefont-ttf, fonts-crosextra-carlito (scripts/sysdeps.sh installs them).
FONT_FAMILIES = [
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
    ("Lato-Regular.ttf", "Lato-Bold.ttf"),
    ("OpenSans-Regular.ttf", "OpenSans-Bold.ttf"),
    ("FreeSans.ttf", "FreeSansBold.ttf"),
    ("Carlito-Regular.ttf", "Carlito-Bold.ttf"),
    ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
]
LAYOUTS = ["left", "logo_header", "two_column", "centred", "dark"]
COUNTRIES = ["US", "UK", "CA", "IN", "DE", "FR", "ES", "AU"]
SPLITS = ("tuning", "heldout")

# --- pools per country (each pool is split by position: even -> tuning, odd -> held-out) ----

FIRST = {
    "US": ["Emily", "Michael", "Jessica", "Robert", "Ashley", "Daniel", "Megan", "Brandon"],
    "UK": ["Oliver", "Charlotte", "Harry", "Amelia", "George", "Sophie", "Jack", "Eleanor"],
    "CA": ["Liam", "Chloé", "Noah", "Émilie", "Ethan", "Madison", "Mathieu", "Hannah"],
    "IN": ["Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Arjun", "Kavya", "Rohan"],
    "DE": ["Jürgen", "Katrin", "Stefan", "Jörg", "Anna", "Björn", "Sabine", "Günter"],
    "FR": ["Élodie", "Julien", "Camille", "François", "Hélène", "Jérôme", "Léa", "Benoît"],
    "ES": ["José", "Lucía", "Álvaro", "María", "Iñigo", "Begoña", "Sergio", "Núria"],
    "AU": ["Olivia", "Lachlan", "Isla", "Cooper", "Matilda", "Riley", "Zoe", "Hamish"],
}
LAST = {
    "US": ["Carter", "Brennan", "Whitaker", "Nguyen", "Morales", "Sullivan", "Kowalski", "Hayes"],
    "UK": ["Whitfield", "O'Neill", "Pemberton", "Hughes", "Ashworth", "Gallagher", "Thornton",
           "Marsh"],
    "CA": ["Tremblay", "Gagnon", "MacDonald", "Côté", "Bouchard", "Campbell", "Lévesque", "Wong"],
    "IN": ["Raman", "Sharma", "Iyer", "Mehta", "Nair", "Kulkarni", "Reddy", "Banerjee"],
    "DE": ["Müller", "Schäfer", "Hoffmann", "Weiß", "Becker", "Köhler", "Wagner", "Krüger"],
    "FR": ["Lefèvre", "Moreau", "Dubois", "Girard", "Rousseau", "Mercier", "Faure", "Chevalier"],
    "ES": ["García", "Fernández", "Núñez", "Martínez", "Sánchez", "Ibáñez", "Ortega", "Muñoz"],
    "AU": ["Mitchell", "Kelly", "Campbell", "Murray", "Fraser", "Walsh", "Bennett", "Doyle"],
}
TITLES = {
    "en": ["Sales Director", "Account Manager", "Chief Technology Officer", "Procurement Lead",
           "Marketing Manager", "Senior Software Engineer", "Head of Operations",
           "Business Development Manager", "Regional Sales Representative", "Project Manager",
           "Chief Financial Officer", "Customer Success Lead"],
    "de": ["Vertriebsleiter", "Geschäftsführerin", "Einkaufsleiter", "Key Account Managerin",
           "Technischer Leiter", "Projektleiterin", "Leiter Marketing", "Vertriebsingenieur"],
    "fr": ["Directrice commerciale", "Ingénieur commercial", "Responsable des achats",
           "Chef de projet", "Directeur général", "Chargée d'affaires", "Responsable marketing",
           "Directeur technique"],
    "es": ["Director de ventas", "Gerente de compras", "Jefe de proyectos", "Consultora senior",
           "Directora comercial", "Responsable de marketing", "Director general",
           "Ingeniera de ventas"],
}
LANG = {"US": "en", "UK": "en", "CA": "en", "IN": "en", "DE": "de", "FR": "fr", "ES": "es",
        "AU": "en"}
COMPANIES = {
    "US": [("Northwind Traders", "Inc."), ("Summit Building Supplies", "Corp."),
           ("Helix Analytics", "LLC"), ("Pacific Coast Energy", "Co."),
           ("Oakridge Medical Supplies", "Inc."), ("Bluestone Capital", "LLC"),
           ("Redwood Robotics", "Inc."), ("Granite Peak Software", "Corp.")],
    "UK": [("Brightline Logistics", "Ltd"), ("Greenleaf Foods", "plc"),
           ("Harbourside Consulting", "Ltd"), ("Kingsgate Property", "Limited"),
           ("Thames Valley Engineering", "Ltd"), ("Albion Print Works", "Ltd"),
           ("Castleford Data", "Ltd"), ("Pennine Outdoor", "Ltd")],
    "CA": [("Maple Leaf Systems", "Inc."), ("Northern Lights Media", "Inc."),
           ("Laurentian Timber", "Ltd."), ("Boréal Énergie", "Inc."),
           ("Prairie Grain Co-op", "Ltd."), ("Fundy Marine", "Inc."),
           ("Rideau Software", "Corp."), ("Okanagan Orchards", "Ltd.")],
    "IN": [("Tata Fintech Solutions", "Pvt. Ltd."), ("Ganga Textiles", "Ltd."),
           ("Infosphere Technologies", "Pvt. Ltd."), ("Deccan Agro Exports", "Pvt. Ltd."),
           ("Sahyadri Pharma", "Ltd."), ("Kaveri Logistics", "Pvt. Ltd."),
           ("Himalaya Cloudworks", "Pvt. Ltd."), ("Coromandel Steel", "Ltd.")],
    "DE": [("Müller Maschinenbau", "GmbH"), ("Hoffmann & Partner", "AG"),
           ("Becker Logistik", "GmbH"), ("Weber Solartechnik", "GmbH"),
           ("Krüger Medizintechnik", "GmbH"), ("Schwarzwald Präzision", "GmbH"),
           ("Nordlicht Software", "AG"), ("Rheinland Verpackung", "GmbH")],
    "FR": [("Lumière Conseil", "SARL"), ("Rhône Industries", "SAS"),
           ("Bordeaux Vins et Domaines", "SA"), ("Atelier Mécanique", "SARL"),
           ("Provence Énergies", "SAS"), ("Bretagne Numérique", "SAS"),
           ("Loire Emballages", "SA"), ("Côte d'Azur Événements", "SARL")],
    "ES": [("Soluciones Ibéricas", "S.L."), ("Mediterránea Alimentación", "S.A."),
           ("Valencia Consultores", "S.L."), ("Andalucía Solar", "S.L."),
           ("Cantábrica Ingeniería", "S.A."), ("Galicia Mariscos", "S.L."),
           ("Castilla Logística", "S.A."), ("Navarra Robótica", "S.L.")],
    "AU": [("Bluewater Marine", "Pty Ltd"), ("Outback Mining Services", "Pty Ltd"),
           ("Harbour City Legal", "Pty Ltd"), ("Southern Cross Solar", "Pty Ltd"),
           ("Kookaburra Software", "Pty Ltd"), ("Tasman Freight", "Pty Ltd"),
           ("Coral Coast Tourism", "Pty Ltd"), ("Eucalypt Health", "Pty Ltd")],
}
TLD = {"US": ".com", "UK": ".co.uk", "CA": ".ca", "IN": ".in", "DE": ".de", "FR": ".fr",
       "ES": ".es", "AU": ".com.au"}
# (street, city, state, postal code, extra line before the street or "")
PLACES = {
    "US": [("1200 Market Street", "San Francisco", "CA", "94103", "Suite 400"),
           ("85 Broad Street", "New York", "NY", "10004", ""),
           ("400 West Lake Street", "Chicago", "IL", "60606", "Floor 12"),
           ("1501 Fourth Avenue", "Seattle", "WA", "98101", ""),
           ("75 State Street", "Boston", "MA", "02109", "Suite 1800"),
           ("600 Congress Avenue", "Austin", "TX", "78701", ""),
           ("233 Peachtree Street NE", "Atlanta", "GA", "30303", ""),
           ("1800 Larimer Street", "Denver", "CO", "80202", "Suite 900")],
    "UK": [("221 Baker Street", "London", "", "NW1 6XE", ""),
           ("14 King Street", "Manchester", "", "M2 4LQ", ""),
           ("12 Curtain Road", "London", "", "EC2A 8PE", "Unit 4"),
           ("5 Temple Row", "Birmingham", "", "B2 5LG", ""),
           ("33 George Street", "Edinburgh", "", "EH2 2HN", ""),
           ("8 Park Row", "Leeds", "", "LS1 5HD", "Second Floor"),
           ("47 Queen Square", "Bristol", "", "BS1 4LE", ""),
           ("19 Castle Street", "Liverpool", "", "L2 4SX", "")],
    "CA": [("100 King Street West", "Toronto", "ON", "M5V 1G6", "Suite 5600"),
           ("1250 René-Lévesque Blvd West", "Montréal", "QC", "H3B 4W8", ""),
           ("700 West Georgia Street", "Vancouver", "BC", "V7Y 1K8", ""),
           ("150 Elgin Street", "Ottawa", "ON", "K2P 1L4", "10th Floor"),
           ("855 2nd Street SW", "Calgary", "AB", "T2P 4J8", ""),
           ("1801 Hollis Street", "Halifax", "NS", "B3J 3N4", ""),
           ("201 Portage Avenue", "Winnipeg", "MB", "R3B 3K6", "Suite 2200"),
           ("10180 101 Street NW", "Edmonton", "AB", "T5J 3S4", "")],
    "IN": [("Bandra Kurla Complex, Bandra East", "Mumbai", "", "400051", "4th Floor, Tower B"),
           ("MG Road", "Bengaluru", "Karnataka", "560001", "No. 12, Prestige Towers"),
           ("Connaught Place", "New Delhi", "", "110001", "Block E, 2nd Floor"),
           ("Anna Salai", "Chennai", "Tamil Nadu", "600002", "No. 45"),
           ("Hinjewadi Phase 1", "Pune", "", "411057", "Plot 7"),
           ("Salt Lake Sector V", "Kolkata", "West Bengal", "700091", "Unit 301"),
           ("HITEC City", "Hyderabad", "Telangana", "500081", "Cyber Towers, 3rd Floor"),
           ("Andheri East", "Mumbai", "", "400069", "Office 12, Marol Naka")],
    "DE": [("Friedrichstraße 123", "Berlin", "", "10117", ""),
           ("Leopoldstraße 45", "München", "", "80802", ""),
           ("Am Sandtorkai 12", "Hamburg", "", "20457", ""),
           ("Königstraße 7", "Stuttgart", "", "70173", ""),
           ("Hohe Straße 52", "Köln", "", "50667", ""),
           ("Zeil 106", "Frankfurt am Main", "", "60313", ""),
           ("Prager Straße 10", "Dresden", "", "01069", ""),
           ("Kaiserstraße 33", "Düsseldorf", "", "40479", "")],
    "FR": [("12 rue de la Paix", "Paris", "", "75002", ""),
           ("45 avenue Jean Jaurès", "Lyon", "", "69007", ""),
           ("8 cours de l'Intendance", "Bordeaux", "", "33000", ""),
           ("27 boulevard Longchamp", "Marseille", "", "13001", ""),
           ("3 place du Capitole", "Toulouse", "", "31000", ""),
           ("15 quai de la Fosse", "Nantes", "", "44000", ""),
           ("60 rue Nationale", "Lille", "", "59800", ""),
           ("9 allée de la Robertsau", "Strasbourg", "", "67000", "")],
    "ES": [("Calle de Alcalá 45", "Madrid", "", "28014", ""),
           ("Passeig de Gràcia 21", "Barcelona", "", "08007", ""),
           ("Calle Colón 18", "Valencia", "", "46004", ""),
           ("Avenida de la Constitución 8", "Sevilla", "", "41004", ""),
           ("Gran Vía 32", "Bilbao", "", "48009", ""),
           ("Calle Mayor 12", "Zaragoza", "", "50001", ""),
           ("Paseo de la Castellana 200", "Madrid", "", "28046", ""),
           ("Calle Larios 5", "Málaga", "", "29005", "")],
    "AU": [("50 Pitt Street", "Sydney", "NSW", "2000", "Level 12"),
           ("120 Collins Street", "Melbourne", "VIC", "3000", ""),
           ("300 Queen Street", "Brisbane", "QLD", "4000", "Level 5"),
           ("240 St Georges Terrace", "Perth", "WA", "6000", ""),
           ("91 King William Street", "Adelaide", "SA", "5000", ""),
           ("1 Macquarie Place", "Sydney", "NSW", "2000", ""),
           ("15 London Circuit", "Canberra", "ACT", "2601", "Level 3"),
           ("80 Collins Street", "Melbourne", "VIC", "3000", "Suite 8")],
}
COUNTRY_NAMES = {
    "US": ["USA", "United States", ""], "UK": ["United Kingdom", "UK", ""],
    "CA": ["Canada", ""], "IN": ["India", ""], "DE": ["Deutschland", "Germany", ""],
    "FR": ["France", ""], "ES": ["España", "Spain", ""], "AU": ["Australia", ""],
}
TAGLINES = ["Engineering what matters", "Since 1987", "Quality · Service · Trust",
            "Your partner for growth", "Think bigger.", "Innovation in motion",
            "Certified ISO 9001", "Smart solutions for a connected world"]
LABEL_STYLES = {
    "none": {"business_phone": "", "mobile_phone": "", "fax": "", "email": "", "website": ""},
    "letters": {"business_phone": "T ", "mobile_phone": "M ", "fax": "F ", "email": "E ",
                "website": "W "},
    "words": {"business_phone": "Phone: ", "mobile_phone": "Mobile: ", "fax": "Fax: ",
              "email": "Email: ", "website": "Web: "},
    "abbrev": {"business_phone": "Tel. ", "mobile_phone": "Mob. ", "fax": "Fax ",
               "email": "E-mail: ", "website": "Web "},
}
LOCAL_LABELS = {
    "en": {"business_phone": "Office: ", "mobile_phone": "Cell: ", "fax": "Fax: ",
           "email": "", "website": ""},
    "de": {"business_phone": "Tel.: ", "mobile_phone": "Mobil: ", "fax": "Fax: ",
           "email": "E-Mail: ", "website": "Web: "},
    "fr": {"business_phone": "Tél. : ", "mobile_phone": "Port. : ", "fax": "Fax : ",
           "email": "Courriel : ", "website": ""},
    "es": {"business_phone": "Tel.: ", "mobile_phone": "Móvil: ", "fax": "Fax: ",
           "email": "Correo: ", "website": "Web: "},
}
# Mobile labels that need the number to be mobile: "none"/"letters" rely on the number plan.
REGION = {"US": "US", "UK": "GB", "CA": "CA", "IN": "IN", "DE": "DE", "FR": "FR", "ES": "ES",
          "AU": "AU"}
# National (area) prefixes to draw realistic numbers from.
AREAS = {
    "US": {"fixed": ["415", "212", "312", "206", "617", "512", "404", "303"],
           "mobile": ["415", "646", "312", "206"]},
    "CA": {"fixed": ["416", "514", "604", "613", "403", "902", "204", "780"],
           "mobile": ["647", "438", "778", "587"]},
    "UK": {"fixed": ["20 7", "161 4", "121 4", "131 2", "113 2", "117 9"],
           "mobile": ["77", "78", "79", "74"]},
    "IN": {"fixed": ["22 6", "80 4", "11 4", "44 2", "20 6"], "mobile": ["98", "97", "99", "90"]},
    "DE": {"fixed": ["30", "89", "40", "711", "221", "69"], "mobile": ["151", "160", "171", "176"]},
    "FR": {"fixed": ["1", "4", "5", "2", "3"], "mobile": ["6", "7"]},
    "ES": {"fixed": ["91", "93", "96", "95", "94"], "mobile": ["6", "7"]},
    "AU": {"fixed": ["2", "3", "7", "8"], "mobile": ["4"]},
}


def _ascii(text: str, german: bool = False) -> str:
    if german:
        text = text.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss",
                                             "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}))
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.encode("ascii", "ignore").decode()
                   if c.isalnum() or c in " -").lower()


def _phone(rng: random.Random, country: str, kind: str) -> phonenumbers.PhoneNumber:
    """A number that `phonenumbers` accepts as valid and of the wanted kind."""
    region = REGION[country]
    wanted = {"fixed": {phonenumbers.PhoneNumberType.FIXED_LINE,
                        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE},
              "mobile": {phonenumbers.PhoneNumberType.MOBILE,
                         phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}}[kind]
    length = {"US": 10, "CA": 10, "UK": 10, "IN": 10, "DE": 10, "FR": 9, "ES": 9, "AU": 9}
    for _ in range(500):
        prefix = rng.choice(AREAS[country][kind]).replace(" ", "")
        n = length[country] + (1 if country == "DE" and kind == "mobile" else 0)
        if country in ("US", "CA"):
            body = prefix + str(rng.randrange(2, 10)) + "".join(
                str(rng.randrange(10)) for _ in range(n - len(prefix) - 1))
        else:
            body = prefix + "".join(str(rng.randrange(10)) for _ in range(n - len(prefix)))
        try:
            number = phonenumbers.parse(body if country in ("US", "CA", "ES") else "0" + body,
                                        region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in wanted:
            return number
    raise RuntimeError(f"no valid {kind} number for {country}")


def _print_phone(number: phonenumbers.PhoneNumber, style: str, country: str) -> str:
    if style == "international":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if style == "dotted" and country in ("US", "CA"):
        national = phonenumbers.national_significant_number(number)
        return f"{national[:3]}.{national[3:6]}.{national[6:]}"
    if style == "zero" and country in ("DE", "UK", "IN", "FR"):
        # "+49 (0)30 1234567": the trunk zero in brackets, common in Europe.
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        code = f"+{number.country_code} "
        return code + "(0)" + text[len(code):]
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


@dataclass
class GeneratedCard:
    """One card: the truth (`fields`), how it looks, and which split it belongs to."""

    name: str
    split: str
    country: str
    lang: str
    fields: dict
    layout: str
    font: int
    labels: str
    one_line_address: str  # "" or the separator
    noisy: bool
    scale: float
    seed: int
    extras: dict = field(default_factory=dict)

    @property
    def region(self) -> str:
        return REGION[self.country]

    def render(self) -> Image.Image:
        return render(self)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        image = self.render()
        if self.noisy:
            image.save(buffer, "JPEG", quality=self.extras.get("jpeg", 60))
        else:
            image.save(buffer, "PNG")
        return buffer.getvalue()


def make_card(split: str, index: int) -> GeneratedCard:
    """The `index`th card of a split; the same arguments always give the same card."""
    seed = (0 if split == "tuning" else 10_000) + index
    rng = random.Random(seed * 7919 + 17)
    half = 0 if split == "tuning" else 1

    def pick(pool):
        return rng.choice(pool[half::2])

    country = COUNTRIES[index % len(COUNTRIES)]
    lang = LANG[country]
    if country == "CA" and rng.random() < 0.2:
        lang = "en"
    first, last = pick(FIRST[country]), pick(LAST[country])
    title = pick(TITLES[lang])
    company_name, legal = pick(COMPANIES[country])
    company = f"{company_name} {legal}"
    german = country == "DE"
    slug = _ascii(company_name, german).replace(" & ", "-").replace(" ", rng.choice(["", "-"]))
    slug = slug.replace("--", "-").strip("-")
    domain = slug + TLD[country]
    f, la = _ascii(first, german).replace(" ", ""), _ascii(last, german).replace(" ", "")
    la = la.replace("'", "")
    local = rng.choice([f"{f}.{la}", f"{f[0]}.{la}", f, f"{f[0]}{la}", f"{f}.{la}"])
    email = f"{local}@{domain}"
    website = rng.choice([f"www.{domain}", f"www.{domain}", domain])
    street, city, state, postal, extra = pick(PLACES[country])
    country_name = rng.choice(COUNTRY_NAMES[country])
    phones = {"business_phone": _phone(rng, country, "fixed")}
    if rng.random() < 0.75:
        phones["mobile_phone"] = _phone(rng, country, "mobile")
    if rng.random() < 0.35:
        fax = _phone(rng, country, "fixed")
        phones["fax"] = fax
    style = rng.choice(["international", "international", "national", "dotted", "zero"])
    printed = {k: _print_phone(v, style, country) for k, v in phones.items()}
    labels = rng.choice(["none", "letters", "words", "abbrev", "local", "local"])
    if labels == "none":
        # Without labels a fax cannot be told from the office number: real cards label it.
        printed_fax_label = True
    else:
        printed_fax_label = False
    street_truth = f"{extra}, {street}" if extra else street
    fields = {
        "first_name": first, "last_name": last, "job_title": title, "company": company,
        "email": email, "business_phone": "", "mobile_phone": "", "fax": "",
        "website": website, "street": street_truth, "city": city, "state": state,
        "postal_code": postal, "country": country_name,
    }
    for key, number in phones.items():
        fields[key] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    noisy = rng.random() < 0.4
    layout = LAYOUTS[(index // len(COUNTRIES) + index) % len(LAYOUTS)]
    card = GeneratedCard(
        name=f"{split}-{index:03d}-{country.lower()}-{layout}{'-photo' if noisy else ''}",
        split=split, country=country, lang=lang, fields=fields, layout=layout,
        font=rng.randrange(len(FONT_FAMILIES)), labels=labels,
        one_line_address=rng.choice(["", "", "", " · ", " | ", ", "]),
        noisy=noisy,
        scale=rng.choice([0.5, 0.7, 1.0, 1.0, 1.3, 1.6, 2.0]) if noisy else rng.choice(
            [0.6, 0.8, 1.0, 1.0, 1.2, 1.5]),
        seed=seed,
        extras={
            "printed": printed, "fax_label": printed_fax_label, "tagline": rng.choice(TAGLINES),
            "street_extra": extra, "street_only": street, "uk_code_own_line": country == "UK"
            and rng.random() < 0.4, "in_dash": country == "IN" and rng.random() < 0.6,
            "rotation": round(rng.uniform(-3, 3), 1), "perspective": rng.uniform(0, 0.025),
            "blur": rng.uniform(0.3, 1.1), "noise": rng.uniform(4, 14),
            "light": rng.uniform(0.45, 0.8), "jpeg": rng.randrange(35, 75),
            "dark_photo": rng.random() < 0.25, "logo": rng.randrange(3),
            "accent": tuple(rng.randrange(40, 200) for _ in range(3)),
        },
    )
    return card


def generated_cards(split: str = "tuning", count: int = 60) -> list[GeneratedCard]:
    if split not in SPLITS:
        raise ValueError(split)
    return [make_card(split, i) for i in range(count)]


# --- drawing ----------------------------------------------------------------------------------

def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    for directory in FONT_DIRS:
        path = directory / name
        if path.exists():
            return ImageFont.truetype(str(path), max(px, 6))
    raise FileNotFoundError(
        f"font {name} not found; run scripts/sysdeps.sh test (Debian font packages)")


def address_lines(card: GeneratedCard) -> list[str]:
    """The address as the card prints it, by country convention."""
    f, x = card.fields, card.extras
    street = [x["street_extra"], x["street_only"]] if x["street_extra"] else [x["street_only"]]
    c = card.country
    if c in ("US", "CA"):
        city = [f"{f['city']}, {f['state']} {f['postal_code']}"]
    elif c == "AU":
        city = [f"{f['city']} {f['state']} {f['postal_code']}"]
    elif c == "UK":
        city = [f["city"], f["postal_code"]] if x["uk_code_own_line"] else [
            f"{f['city']} {f['postal_code']}"]
    elif c == "IN":
        city = [f"{f['city']} - {f['postal_code']}" if x["in_dash"] else
                f"{f['city']} {f['postal_code']}"]
        if f["state"]:
            city = [city[0].replace(f["city"], f"{f['city']}, {f['state']}")] if not x[
                "in_dash"] else [f"{f['city']} - {f['postal_code']}", f["state"]]
    else:
        city = [f"{f['postal_code']} {f['city']}"]
    lines = street + city
    if f["country"]:
        lines.append(f["country"])
    return lines


def reach_lines(card: GeneratedCard) -> list[str]:
    f = card.fields
    labels = LOCAL_LABELS[card.lang] if card.labels == "local" else LABEL_STYLES[card.labels]
    lines = []
    for key in ("business_phone", "mobile_phone", "fax"):
        if f[key]:
            label = labels[key]
            if key == "fax" and not label:
                label = "Fax "
            lines.append(f"{label}{card.extras['printed'][key]}")
    lines.append(f"{labels['email']}{f['email']}")
    lines.append(f"{labels['website']}{f['website']}")
    return lines


def render(card: GeneratedCard) -> Image.Image:
    rng = random.Random(card.seed)
    base_w, base_h = 1050, 600
    width, height = int(base_w * card.scale), int(base_h * card.scale)
    s = card.scale
    regular, bold = FONT_FAMILIES[card.font]
    fonts = {"name": _font(bold, int(42 * s)), "title": _font(regular, int(27 * s)),
             "company": _font(bold, int(32 * s)), "small": _font(regular, int(24 * s)),
             "tag": _font(regular, int(20 * s))}
    dark = card.layout == "dark"
    bg, ink = ((30, 36, 52), (238, 238, 232)) if dark else ((252, 251, 247), (22, 26, 34))
    accent = card.extras["accent"]
    image = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(image)
    margin = int(55 * s)
    gap = int(8 * s)

    def draw_lines(lines, x, y, align="left", box=None, colour=None):
        room = (box or width - x) - margin // 2
        for style, text in lines:
            font = fonts[style]
            w = draw.textlength(text, font=font)
            if w > room:
                font = _font(font.path.rsplit("/", 1)[-1], int(font.size * room / w))
                w = draw.textlength(text, font=font)
            tx = x + ((box - w) / 2 if align == "center" else 0)
            draw.text((tx, y), text, font=font, fill=colour or ink)
            y += int(font.size * 1.18) + gap
        return y

    person = [("name", f"{card.fields['first_name']} {card.fields['last_name']}"),
              ("title", card.fields["job_title"])]
    company = [("company", card.fields["company"])]
    tagline = [("tag", card.extras["tagline"])]
    addr = address_lines(card)
    if card.one_line_address:
        address = [("small", card.one_line_address.join(addr))]
    else:
        address = [("small", line) for line in addr]
    reach = [("small", line) for line in reach_lines(card)]

    def logo(x, y, size):
        kind = card.extras["logo"]
        if kind == 0:
            draw.ellipse((x, y, x + size, y + size), fill=accent)
        elif kind == 1:
            draw.rectangle((x, y, x + size, y + size), fill=accent)
            draw.rectangle((x + size // 4, y + size // 4, x + 3 * size // 4, y + 3 * size // 4),
                           fill=bg)
        else:
            draw.polygon([(x, y + size), (x + size // 2, y), (x + size, y + size)], fill=accent)

    layout = card.layout
    if layout in ("left", "dark"):
        y = draw_lines(person, margin, margin)
        y = draw_lines(company, margin, y + int(6 * s))
        y += int(18 * s)
        y = draw_lines(address, margin, y)
        draw_lines(reach, margin, y + int(12 * s))
        if layout == "left":
            logo(width - margin - int(90 * s), margin, int(90 * s))
    elif layout == "logo_header":
        size = int(70 * s)
        logo(margin, margin // 2, size)
        draw_lines(company, margin + size + int(20 * s), margin // 2 + int(4 * s))
        draw_lines(tagline, margin + size + int(20 * s), margin // 2 + int(44 * s),
                   colour=accent)
        y = margin // 2 + size + int(20 * s)
        draw.rectangle((0, y, width, y + int(4 * s)), fill=accent)
        y += int(22 * s)
        y = draw_lines(person, margin, y)
        y += int(10 * s)
        draw_lines(reach, margin, y)
        draw_lines(address, width // 2 + int(30 * s), y, box=width // 2 - int(30 * s))
    elif layout == "two_column":
        y = draw_lines(person, margin, margin)
        y += int(26 * s)
        draw_lines(reach, margin, y)
        right = width // 2 + int(50 * s)
        y2 = draw_lines(company, right, margin)
        draw_lines(address, right, y2 + int(10 * s))
    else:  # centred
        y = draw_lines(company, 0, int(30 * s), "center", width)
        y = draw_lines(tagline, 0, y, "center", width, colour=accent)
        y = draw_lines(person, 0, y + int(14 * s), "center", width)
        y += int(8 * s)
        draw_lines(address + reach, 0, y, "center", width)
    if card.noisy:
        image = photograph(image, card.extras, rng)
    return image


def photograph(image: Image.Image, x: dict, rng: random.Random) -> Image.Image:
    """Camera-like defects: the card on a table, tilted, in perspective, lit unevenly, blurred,
    noisy (the JPEG quality is applied when saving)."""
    import numpy as np

    width, height = image.size
    pad_x, pad_y = int(width * 0.08), int(height * 0.1)
    table = Image.new("RGB", (width + 2 * pad_x, height + 2 * pad_y), (112, 108, 100))
    table.paste(image, (pad_x, pad_y))
    table = table.rotate(x["rotation"], resample=Image.BICUBIC, expand=False,
                         fillcolor=(112, 108, 100))
    if x["perspective"] > 0.004:
        w, h = table.size
        d = x["perspective"]
        # Coefficients for a mild keystone: the top edge slightly narrower than the bottom.
        src = [(0, 0), (w, 0), (w, h), (0, h)]
        dst = [(w * d, 0), (w * (1 - d), h * d / 2), (w, h), (0, h)]
        table = table.transform(table.size, Image.PERSPECTIVE, _coeffs(dst, src),
                                Image.BICUBIC, fillcolor=(112, 108, 100))
    arr = np.asarray(table).astype(np.float32)
    h, w = arr.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    light = x["light"] + (1 - x["light"]) * ramp
    if x["dark_photo"]:
        light *= 0.55
    arr = arr * light[..., None]
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, x["noise"], arr.shape)
    arr = np.clip(arr + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr).filter(ImageFilter.GaussianBlur(x["blur"]))


def _coeffs(dst, src):
    import numpy as np

    matrix = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(matrix, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return np.linalg.solve(a, b).tolist()


def write_cards(directory: Path, cards: list[GeneratedCard]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for card in cards:
        path = directory / f"{card.name}.{'jpg' if card.noisy else 'png'}"
        path.write_bytes(card.to_bytes())
        paths.append(path)
    return paths
