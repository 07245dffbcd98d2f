"""The parser on card text, without OCR: what a seller would expect each field to hold."""

import pytest

from crm.cardscan import phones
from crm.cardscan.parser import (
    LOW_CONFIDENCE,
    OcrLine,
    guess_language,
    parse_card,
)


def test_a_classic_us_card_fills_every_field():
    card = parse_card("""
        Emily Carter
        Sales Director
        Northwind Traders Inc.
        1200 Market Street
        San Francisco, CA 94103
        USA
        Tel: +1 (415) 555-0132
        Mobile: +1 415 555 0199
        Fax: +1 (415) 555-0100
        emily.carter@northwind.com
        www.northwind.com
    """)

    assert card.fields == {
        "first_name": "Emily", "last_name": "Carter", "job_title": "Sales Director",
        "company": "Northwind Traders Inc.", "email": "emily.carter@northwind.com",
        "business_phone": "+14155550132", "mobile_phone": "+14155550199",
        "fax": "+14155550100", "website": "www.northwind.com",
        "street": "1200 Market Street", "city": "San Francisco", "state": "CA",
        "postal_code": "94103", "country": "USA",
    }
    assert card.printed["business_phone"] == "+1 (415) 555-0132"  # shown beside the field
    assert all(card.confidence[name] >= LOW_CONFIDENCE for name, v in card.fields.items() if v)


@pytest.mark.parametrize(("line", "field", "value"), [
    # E.164 when the number carries its country code (or is North American)...
    ("Tel. +49 30 1234567", "business_phone", "+49301234567"),
    ("Mobil +49 (0)171 234 56 78", "mobile_phone", "+491712345678"),
    ("Móvil: +34 612 345 678", "mobile_phone", "+34612345678"),
    ("Fax: +44 20 7946 0959", "fax", "+442079460959"),
    ("Cell (206) 555-0187", "mobile_phone", "+12065550187"),
    ("P: 212.555.0147", "business_phone", "+12125550147"),
    ("0041 22 345 67 89", "business_phone", "+41223456789"),
    # ... and as printed when nothing on the card tells which country's plan it follows.
    ("Handy: 0171/2345678", "mobile_phone", "0171/2345678"),
    ("Tél. : 01 42 68 53 00", "business_phone", "01 42 68 53 00"),
    ("Portable 06.12.34.56.78", "mobile_phone", "06.12.34.56.78"),
    ("Teléfono: 91 234 56 78", "business_phone", "91 234 56 78"),
])
def test_international_phone_formats_land_in_the_right_field(line, field, value):
    card = parse_card(f"Anna Berg\n{line}\nanna@berg.example")

    assert card.fields[field] == value


@pytest.mark.parametrize(("place", "line", "field", "e164", "printed"), [
    ("10117 Berlin", "Handy: 0171/2345678", "mobile_phone", "+491712345678", "0171/2345678"),
    ("75002 Paris\nFrance", "Tél. : 01 42 68 53 00", "business_phone", "+33142685300",
     "01 42 68 53 00"),
    ("28014 Madrid\nEspaña", "Teléfono: 91 234 56 78", "business_phone", "+34912345678",
     "91 234 56 78"),
    ("Sydney NSW 2000", "Ph (02) 9876 5432", "business_phone", "+61298765432",
     "(02) 9876 5432"),
    ("Mumbai - 400051", "Mobile: 098765 43210", "mobile_phone", "+919876543210",
     "098765 43210"),
    ("London EC2A 8PE", "Mob. 07700 900123", "mobile_phone", "+447700900123", "07700 900123"),
])
def test_national_numbers_are_read_by_the_cards_country_and_stored_in_e164(
        place, line, field, e164, printed):
    card = parse_card(f"Anna Berg\n1 Main Street\n{place}\n{line}")

    assert card.fields[field] == e164
    assert card.printed[field] == printed


@pytest.mark.parametrize(("number", "field"), [
    ("+61 412 345 678", "mobile_phone"), ("+61 2 9876 5432", "business_phone"),
    ("+91 98765 43210", "mobile_phone"), ("+91 22 6789 1234", "business_phone"),
    ("+33 6 12 34 56 78", "mobile_phone"), ("+33 1 42 68 53 00", "business_phone"),
    ("+34 612 345 678", "mobile_phone"), ("+34 912 345 678", "business_phone"),
    ("+44 7911 123456", "mobile_phone"), ("+44 161 496 0712", "business_phone"),
])
def test_mobile_or_landline_comes_from_the_numbering_plan(number, field):
    assert parse_card(f"Anna Berg\n{number}").fields[field] == phones.e164(number)


def test_a_mobile_number_under_a_generic_phone_label_is_a_mobile():
    card = parse_card("Anna Berg\nT +49 171 2345678\nF +49 30 1234568")

    assert card.fields["mobile_phone"] == "+491712345678"
    assert card.fields["fax"] == "+49301234568"


def test_unlabelled_numbers_are_told_apart_by_the_numbering_plan():
    card = parse_card("Katrin Hoffmann\n+49 160 9876543\n+49 89 4567890\n+44 7700 900123")

    assert card.fields["business_phone"] == "+49894567890"
    assert card.fields["mobile_phone"] == "+491609876543"


def test_several_numbers_on_one_line_with_separators():
    card = parse_card("Jan Novak\nT +420 222 333 444 | M +420 777 888 999 | F +420 222 333 445")

    assert card.fields["business_phone"] == "+420222333444"
    assert card.fields["mobile_phone"] == "+420777888999"
    assert card.fields["fax"] == "+420222333445"


@pytest.mark.parametrize(("text", "email"), [
    ("E-Mail: k.hoffmann @ hoffmann-partner . de", "k.hoffmann@hoffmann-partner.de"),
    ("mail: jose.garcia@solucionesibericas.es", "jose.garcia@solucionesibericas.es"),
    ("info(at)example.org", "info@example.org"),
    ("Courriel : camille.dubois@Lumiere-Conseil.FR", "camille.dubois@lumiere-conseil.fr"),
    ("E  priya@helixanalytics.io", "priya@helixanalytics.io"),
])
def test_emails_with_odd_spacing_and_labels(text, email):
    card = parse_card(f"Some Person\n{text}")

    assert card.fields["email"] == email


@pytest.mark.parametrize(("text", "site"), [
    ("www . northwind . com", "www.northwind.com"),
    ("Web: reeddigital.studio", "reeddigital.studio"),
    ("https://www.Example.co.uk/", "https://www.Example.co.uk"),
    ("W www.weber-solar.de", "www.weber-solar.de"),
])
def test_web_sites_with_odd_spacing(text, site):
    card = parse_card(f"Some Person\n{text}\nperson@other.example")

    assert card.fields["website"] == site


def test_the_email_domain_is_not_taken_for_a_web_site():
    card = parse_card("Thomas Reed\ntom@reeddigital.studio")

    assert card.fields["website"] == ""


def test_a_german_address_over_several_lines():
    card = parse_card("""
        Stefan Becker
        Einkaufsleiter
        Becker Logistik GmbH & Co. KG
        Am Sandtorkai 12
        20457 Hamburg
        Deutschland
    """)

    assert (card.fields["street"], card.fields["postal_code"], card.fields["city"],
            card.fields["country"]) == ("Am Sandtorkai 12", "20457", "Hamburg", "Deutschland")
    assert card.fields["company"] == "Becker Logistik GmbH & Co. KG"
    assert card.fields["job_title"] == "Einkaufsleiter"


def test_a_two_line_street_is_kept_together():
    card = parse_card("""
        Robert Kim
        Pacific Coast Energy Co.
        1501 Fourth Avenue
        Suite 2100
        Seattle, WA 98101
    """)

    assert card.fields["street"] == "1501 Fourth Avenue, Suite 2100"
    assert (card.fields["city"], card.fields["state"], card.fields["postal_code"]) == (
        "Seattle", "WA", "98101")


@pytest.mark.parametrize(("line", "street", "postal", "city", "country"), [
    ("221 Baker Street, London NW1 6XE, United Kingdom", "221 Baker Street", "NW1 6XE",
     "London", "United Kingdom"),
    ("25 Grafton Street, Dublin DO2 X285, Ireland", "25 Grafton Street", "D02 X285", "Dublin",
     "Ireland"),
    ("12 rue de la Paix, 75002 Paris, France", "12 rue de la Paix", "75002", "Paris", "France"),
    ("Calle de Alcalá 45, 28014 Madrid, España", "Calle de Alcalá 45", "28014", "Madrid",
     "España"),
    ("Mariahilfer Straße 88, A-1060 Wien", "Mariahilfer Straße 88", "1060", "Wien", ""),
])
def test_one_line_addresses(line, street, postal, city, country):
    card = parse_card(f"Some Person\n{line}")

    assert (card.fields["street"], card.fields["postal_code"], card.fields["city"],
            card.fields["country"]) == (street, postal, city, country)


def test_canadian_and_australian_city_lines():
    canada = parse_card("David Nguyen\n100 King Street West\nToronto, ON M5X 1A9\nCanada")
    australia = parse_card("Olivia Martins\n50 Pitt Street\nSydney NSW 2000\nAustralia")

    assert (canada.fields["city"], canada.fields["state"], canada.fields["postal_code"]) == (
        "Toronto", "ON", "M5X 1A9")
    assert (australia.fields["city"], australia.fields["state"],
            australia.fields["postal_code"]) == ("Sydney", "NSW", "2000")


def test_a_street_number_is_not_taken_for_a_postal_code():
    card = parse_card("Grace Hughes\n1200 Market Street\nBoston, MA 02109")

    assert card.fields["street"] == "1200 Market Street"
    assert card.fields["postal_code"] == "02109"


def test_name_is_matched_with_the_email_even_when_the_company_comes_first():
    card = parse_card("""
        Rhône Industries SAS
        Julien Moreau
        Ingénieur commercial
        j.moreau@rhone-industries.fr
    """)

    assert (card.fields["first_name"], card.fields["last_name"]) == ("Julien", "Moreau")
    assert card.fields["company"] == "Rhône Industries SAS"
    assert card.fields["job_title"] == "Ingénieur commercial"


def test_academic_titles_and_particles_stay_out_of_the_first_name():
    card = parse_card("Dr. Jan van der Berg\nPartner\nvan der Berg Advocaten B.V.")

    assert card.fields["first_name"] == "Jan"
    assert card.fields["last_name"] == "van der Berg"


def test_a_company_without_legal_form_is_recognised_from_the_web_site():
    card = parse_card("Thomas Reed\nFounder & CEO\nReed Digital\nwww.reeddigital.studio")

    assert card.fields["company"] == "Reed Digital"
    assert card.fields["job_title"] == "Founder & CEO"


def test_ocr_confidence_lowers_the_field_confidence():
    sure = parse_card([OcrLine("Anna Wagner", confidence=0.96, height=40),
                       OcrLine("anna.wagner@wagner-elektro.at", confidence=0.95)])
    unsure = parse_card([OcrLine("Anna Wagner", confidence=0.96, height=40),
                         OcrLine("anna.wagner@wagner-elektro.at", confidence=0.2)])

    assert unsure.confidence["email"] < sure.confidence["email"]
    assert unsure.fields["email"] == sure.fields["email"]


def test_a_guessed_phone_type_is_marked_for_checking():
    card = parse_card("Robert Kim\n(206) 555-0112\n(206) 555-0187")

    assert card.fields["mobile_phone"] == "+12065550187"
    assert "mobile_phone" in card.low_confidence_fields


def test_empty_and_garbage_text_gives_empty_fields():
    card = parse_card("~~ ' .\n|||\n")

    assert not any(card.fields.values())


@pytest.mark.parametrize(("number", "region", "kind"), [
    ("+49 171 2345678", None, "mobile"), ("+49 30 1234567", None, "landline"),
    ("+44 7911 123456", None, "mobile"), ("+33 6 12 34 56 78", None, "mobile"),
    ("+33 1 42 68 53 00", None, "landline"), ("0171 2345678", "DE", "mobile"),
    ("06 12 34 56 78", "FR", "mobile"), ("+1 415 555 0132", None, None),
])
def test_phone_kind_comes_from_the_phonenumbers_metadata(number, region, kind):
    """phonenumbers' metadata, not a hand-made prefix table (North America: the plan does
    not tell)."""
    assert phones.phone_kind(phones.parse_phone(number, region)) == kind


def test_phone_canonical_form_is_e164():
    assert phones.e164("+49 (0)30 123-45 67") == "+49301234567"
    assert phones.e164("0049 30 1234567") == "+49301234567"
    assert phones.e164("030 1234567", "DE") == "+49301234567"


@pytest.mark.parametrize(("text", "language"), [
    ("Müller GmbH\nFriedrichstraße 1\n10117 Berlin\nTel. +49 30 1", "deu"),
    ("Lumière SARL\n12 rue de la Paix\nTél. +33 1 42", "fra"),
    ("Soluciones S.L.\nCalle de Alcalá 45\nMóvil +34 612", "spa"),
    ("Northwind Inc.\n1200 Market Street\nTel +1 415", "eng"),
])
def test_the_card_language_is_guessed_for_the_second_ocr_pass(text, language):
    assert guess_language(text) == language
