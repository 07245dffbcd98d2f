"""Field parsing of real-world cards without OCR: each country's address convention, phones by
the card's country, cross-field repair (e-mail domain from the web site, names from the
e-mail address) and accents."""

import pytest

from crm.cardscan.addresses import match_city_line
from crm.cardscan.parser import guess_region, parse_card


def address(card) -> tuple:
    f = card.fields
    return f["street"], f["city"], f["state"], f["postal_code"], f["country"]


@pytest.mark.parametrize(("lines", "expected"), [
    # United States: "City, ST 12345", a suite line above the street.
    ("Suite 400\n1200 Market Street\nSan Francisco, CA 94103\nUSA",
     ("Suite 400, 1200 Market Street", "San Francisco", "CA", "94103", "USA")),
    # Canada: "City, PR A1A 1A1", accents in the city.
    ("1250 René-Lévesque Blvd West\nMontréal, QC H3B 4W8\nCanada",
     ("1250 René-Lévesque Blvd West", "Montréal", "QC", "H3B 4W8", "Canada")),
    ("100 King Street West\nToronto, ON M5V 1G6",
     ("100 King Street West", "Toronto", "ON", "M5V 1G6", "")),
    # Australia: "City STATE 2000" without a comma, "Level 12" above the street.
    ("Level 12\n50 Pitt Street\nSydney NSW 2000\nAustralia",
     ("Level 12, 50 Pitt Street", "Sydney", "NSW", "2000", "Australia")),
    # United Kingdom: the postcode after the city, or on its own line.
    ("Unit 4\n12 Curtain Road\nLondon\nEC2A 8PE\nUnited Kingdom",
     ("Unit 4, 12 Curtain Road", "London", "", "EC2A 8PE", "United Kingdom")),
    ("14 King Street\nManchester M2 4LQ\nUK",
     ("14 King Street", "Manchester", "", "M2 4LQ", "UK")),
    ("Unit 4 - 12 Curtain Road\n+ London EC2A 8PE",
     ("Unit 4, 12 Curtain Road", "London", "", "EC2A 8PE", "")),
    # India: "City - PIN", the state on the next line; "City, State PIN".
    ("4th Floor, Tower B\nBandra Kurla Complex, Bandra East\nMumbai - 400051\nMaharashtra\n"
     "India",
     ("4th Floor, Tower B, Bandra Kurla Complex, Bandra East", "Mumbai", "Maharashtra",
      "400051", "India")),
    ("No. 12, Prestige Towers\nMG Road\nBengaluru, Karnataka 560001",
     ("No. 12, Prestige Towers, MG Road", "Bengaluru", "Karnataka", "560001", "")),
    # Germany, France, Spain: the postal code before the city.
    ("Friedrichstraße 123\n10117 Berlin\nDeutschland",
     ("Friedrichstraße 123", "Berlin", "", "10117", "Deutschland")),
    ("8 cours de l'Intendance\n33000 Bordeaux\nFrance",
     ("8 cours de l'Intendance", "Bordeaux", "", "33000", "France")),
    ("Passeig de Gràcia 21\n08007 Barcelona\nEspaña",
     ("Passeig de Gràcia 21", "Barcelona", "", "08007", "España")),
])
def test_each_countrys_address_is_split_into_its_fields(lines, expected):
    card = parse_card(f"Anna Berg\nSales Director\n{lines}\nanna@example.com")

    assert address(card) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("Level 12 · 50 Pitt Street · Sydney NSW 2000 · Australia",
     ("Level 12, 50 Pitt Street", "Sydney", "NSW", "2000", "Australia")),
    ("Calle de Alcalá 45 | 28014 Madrid | España",
     ("Calle de Alcalá 45", "Madrid", "", "28014", "España")),
    ("Unit 4, 12 Curtain Road, London EC2A 8PE, UK",
     ("Unit 4, 12 Curtain Road", "London", "", "EC2A 8PE", "UK")),
    ("Cyber Towers, 3rd Floor, HITEC City, Hyderabad, Telangana 500081",
     ("Cyber Towers, 3rd Floor, HITEC City", "Hyderabad", "Telangana", "500081", "")),
    ("Andheri East, Mumbai - 400069, India",
     ("Andheri East", "Mumbai", "", "400069", "India")),
    ("233 Peachtree Street NE, Atlanta, GA 30303, USA",
     ("233 Peachtree Street NE", "Atlanta", "GA", "30303", "USA")),
    # OCR reads the middle dot as a hyphen between spaces.
    ("3 place du Capitole - 31000 Toulouse - France",
     ("3 place du Capitole", "Toulouse", "", "31000", "France")),
])
def test_one_line_addresses_with_dots_bars_and_commas(line, expected):
    assert address(parse_card(f"Anna Berg\n{line}")) == expected


@pytest.mark.parametrize(("text", "kind", "city", "postal", "state"), [
    ("Chicago, iL 60606", "US", "Chicago", "60606", "IL"),  # OCR: small i for capital I
    ("Toronto ON M5V 1G6", "CA", "Toronto", "M5V 1G6", "ON"),
    ("Calgary, AB T2P 4J8", "CA", "Calgary", "T2P 4J8", "AB"),
    ("Perth WA 6000", "AU", "Perth", "6000", "WA"),
    ("Leeds LS1 5HD", "GB", "Leeds", "LS1 5HD", ""),
    ("Pune 411057", "IN", "Pune", "411057", ""),
    ("D-80802 München", "EU", "München", "80802", ""),
    ("75008 Paris Cedex 08", "EU", "Paris", "75008", ""),
])
def test_city_lines_by_convention(text, kind, city, postal, state):
    found = match_city_line(text)

    assert (found.kind, found.city, found.postal, found.state) == (kind, city, postal, state)


@pytest.mark.parametrize(("text", "region"), [
    ("Anna Berg\n12 rue de la Paix\n75002 Paris\nFrance", "FR"),
    ("Anna Berg\nTel. +49 30 1234567", "DE"),
    ("Anna Berg\nanna@bluewater.com.au", "AU"),
    ("Anna Berg\nToronto, ON M5V 1G6", "CA"),
    ("Anna Berg\nMumbai - 400051", "IN"),
    ("Anna Berg\nwww.brightline.co.uk", "GB"),
    # "00" inside a national number is no international prefix.
    ("Anna Berg\nMobile: 663 75 00 57\nanna@example.es", "ES"),
])
def test_the_cards_country_is_found_from_its_surest_clue(text, region):
    assert guess_region(text) == region


# --- cross-field repair ------------------------------------------------------------------------

def test_an_email_domain_misread_like_ocr_is_corrected_to_the_web_sites():
    card = parse_card("Emily Carter\nNorthwind Traders Inc.\n"
                      "emily.carter@nortwlnd-trader5.com\nwww.northwind-traders.com")

    assert card.fields["email"] == "emily.carter@northwind-traders.com"
    assert "email_domain_from_website" in card.repairs


def test_a_web_site_misread_like_ocr_is_corrected_to_the_email_domain():
    card = parse_card("Emily Carter\nemily.carter@northwind-traders.com\n"
                      "www.n0rthwind-traders.com")

    assert card.fields["website"] == "www.northwind-traders.com"


def test_different_domains_are_left_alone():
    card = parse_card("Emily Carter\nemily@gmail.com\nwww.northwind-traders.com")

    assert card.fields["email"] == "emily@gmail.com"
    assert card.fields["website"] == "www.northwind-traders.com"


def test_an_email_whose_at_sign_was_lost_is_rebuilt_from_the_web_site():
    card = parse_card("Harry Pemberton\nhpemberton castleford-data.co.uk\n"
                      "www.castleford-data.co.uk")

    assert card.fields["email"] == "hpemberton@castleford-data.co.uk"


def test_a_labelled_email_with_spaces_and_a_lost_dot_is_read():
    card = parse_card("George Whitfield\nE-mail: george. whitfield thames-valley.co.uk\n"
                      "Courriel : hdubois@loire-emballages fr")

    assert card.emails[:2] == ["george.whitfield@thames-valley.co.uk",
                               "hdubois@loire-emballages.fr"]


def test_a_dot_lost_between_first_and_last_name_in_the_email_is_put_back():
    card = parse_card("Camille Lefèvre\nResponsable des achats\n"
                      "Courriel : camille lefevre@loire-emballages.fr")

    assert card.fields["email"] == "camille.lefevre@loire-emballages.fr"


def test_the_name_in_the_email_fixes_ocr_letter_swaps_in_the_local_part():
    card = parse_card("Emily Carter\nemi1y.carter@northwind.com")

    assert card.fields["email"] == "emily.carter@northwind.com"


@pytest.mark.parametrize(("name", "email", "first", "last"), [
    ("Jurgen Muller", "juergen.mueller@x-gmbh.de", "Jürgen", "Müller"),
    ("Stefan Schafer", "s.schaefer@x-gmbh.de", "Stefan", "Schäfer"),
    ("Priya lyer", "priya.iyer@tata.in", "Priya", "Iyer"),
])
def test_a_name_repeated_in_the_email_confirms_its_spelling_and_accents(
        name, email, first, last):
    card = parse_card(f"{name}\nSales Director\n{email}")

    assert (card.fields["first_name"], card.fields["last_name"]) == (first, last)


@pytest.mark.parametrize(("name", "domain", "first", "last"), [
    ("Alvaro Nunez", "example.es", "Álvaro", "Núñez"),
    ("Jose Garcia", "example.es", "José", "García"),
    ("Helene Lefevre", "example.fr", "Hélène", "Lefèvre"),
    ("Helene Lefévre", "example.fr", "Hélène", "Lefèvre"),  # a wrong accent too
    # Only where the name carries them: "Zoe" in Australia, "Martin" in Germany.
    ("Zoe Kelly", "example.com.au", "Zoe", "Kelly"),
    ("Martin Weber", "example.de", "Martin", "Weber"),
])
def test_accents_ocr_dropped_from_common_names_are_restored(name, domain, first, last):
    card = parse_card(f"{name}\nSales Director\ninfo@{domain}")

    assert (card.fields["first_name"], card.fields["last_name"]) == (first, last)


def test_accents_in_the_company_name_come_back_from_its_domain():
    card = parse_card("Katrin Wagner\nMuller Maschinenbau GmbH\nwww.mueller-maschinenbau.de")

    assert card.fields["company"] == "Müller Maschinenbau GmbH"


def test_a_logo_read_as_letters_is_cut_from_the_company_name():
    card = parse_card("Isla Mitchell\nCI Harbour City Legal Pty Ltd\n"
                      "www.harbour-city-legal.com.au")

    assert card.fields["company"] == "Harbour City Legal Pty Ltd"


def test_a_tagline_is_not_taken_for_the_job_title():
    card = parse_card("Lumière Conseil SARL\nEngineering what matters\nCamille Lefèvre\n"
                      "Directeur général\ncamille@lumiere-conseil.fr")

    assert card.fields["job_title"] == "Directeur général"
