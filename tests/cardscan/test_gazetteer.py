"""Place names, accents and OCR crumbs repaired against the gazetteer and word lists."""

import pytest

from crm.cardscan import gazetteer
from crm.cardscan.parser import country_text, parse_card, street_text


def address(text):
    card = parse_card(text)
    return {k: card.fields[k] for k in ("street", "city", "state", "postal_code", "country")}


@pytest.mark.parametrize(("read", "region", "expected"), [
    ("Melboume", "AU", "Melbourne"),  # rn read as m
    ("Seattie", "US", "Seattle"),  # l read as i
    ("Malaga", "ES", "Málaga"),  # accent dropped
    ("Munchen", "DE", "München"),
    ("Dusseldorf", "DE", "Düsseldorf"),
    ("Montreal", "CA", "Montréal"),
])
def test_a_misread_city_is_repaired_from_the_gazetteer_of_the_cards_country(
        read, region, expected):
    assert gazetteer.repair_city(read, region) == expected


@pytest.mark.parametrize(("read", "region"), [
    ("Paris", "FR"), ("Valencia", "ES"), ("Munich", "DE"), ("Bangalore", "IN"),
    ("Springfield", "US"), ("Gurgaon", "IN"),
    ("Melboume", None),  # no country, no repair
    ("Zzyzx Springs", "US"),  # nothing close enough
    ("Malaga", "AU"),  # an Australian card does not get Spanish accents
])
def test_a_city_the_gazetteer_knows_or_cannot_place_is_kept_as_read(read, region):
    assert gazetteer.repair_city(read, region) == read


def test_an_indian_state_misread_by_ocr_is_repaired_and_known_states_are_kept():
    assert gazetteer.repair_indian_state("Kamataka") == "Karnataka"
    assert gazetteer.repair_indian_state("West Bengal") == "West Bengal"
    assert gazetteer.repair_indian_state("Bandra East") == "Bandra East"


def test_a_one_line_indian_address_with_a_two_word_state():
    assert address("Anita Rao\nUnit 301, Salt Lake Sector V, Kolkata, West Bengal 700091, "
                   "India") == {
        "street": "Unit 301, Salt Lake Sector V", "city": "Kolkata", "state": "West Bengal",
        "postal_code": "700091", "country": "India"}


def test_a_one_line_indian_address_keeps_all_four_street_parts_and_repairs_the_state():
    assert address("Priya Shah\n4th Floor, Tower B, Bandra Kurla Complex, Bandra East, "
                   "Bengaluru, Kamataka 560001, India") == {
        "street": "4th Floor, Tower B, Bandra Kurla Complex, Bandra East", "city": "Bengaluru",
        "state": "Karnataka", "postal_code": "560001", "country": "India"}


def test_ocr_crumbs_around_country_and_street_are_stripped():
    assert address("Jane Doe\nLevel 12 · 50 Pitt Street · Melboume VIC 3000 · : Australia") == {
        "street": "Level 12, 50 Pitt Street", "city": "Melbourne", "state": "VIC",
        "postal_code": "3000", "country": "Australia"}
    assert country_text("- Deutschland") == "Deutschland"
    assert country_text("india") == "India"
    assert country_text("U.K.") == "U.K"
    assert street_text("Prager Straße 10:") == "Prager Straße 10"
    assert street_text("Friedrichstra8e 123") == "Friedrichstraße 123"
    assert street_text("100 Main St.") == "100 Main St."


def test_accents_lost_in_company_street_and_city_come_back_in_the_cards_language():
    card = parse_card("Lucía Pérez\nCastilla Logistica S.A.\nCalle de Alcala 45\n29005 Malaga\n"
                      "España\nwww.castilla-logistica.es")

    assert (card.fields["company"], card.fields["street"], card.fields["city"]) == (
        "Castilla Logística S.A.", "Calle de Alcalá 45", "Málaga")


def test_words_other_languages_write_without_accents_stay_as_printed():
    card = parse_card("John Smith\nGeneral Metal Telecom Inc.\n10 Hotel Road\n"
                      "Toronto, ON M5V 1G6\nCanada")

    assert card.fields["company"] == "General Metal Telecom Inc."
    assert card.fields["street"] == "10 Hotel Road"


def test_an_accent_misread_as_another_accent_in_a_known_name():
    card = parse_card("Marie Cété\nDirectrice des ventes\nLaurentide Conseil Inc.\n"
                      "1250 René-Lévesque Blvd West\nMontreal, QC H3B 4W8\nCanada\n"
                      "marie.cote@laurentide.ca")

    assert (card.fields["last_name"], card.fields["city"]) == ("Côté", "Montréal")


def test_an_umlaut_read_as_ii_in_a_surname_and_in_the_company_named_after_it():
    card = parse_card("Jonas Kriiger\nKriiger Medizintechnik GmbH\nHohe Straße 52\n"
                      "50667 Köln - Deutschland")

    assert (card.fields["last_name"], card.fields["company"]) == (
        "Krüger", "Krüger Medizintechnik GmbH")
    assert (card.fields["street"], card.fields["city"], card.fields["country"]) == (
        "Hohe Straße 52", "Köln", "Deutschland")
