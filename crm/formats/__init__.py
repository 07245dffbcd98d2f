"""The project's date formats per language (settings.FORMAT_MODULE_PATH), see
crm.common.formatting: English reads "Dec 7, 2026" and "Dec 7, 2026 14:05" (24-hour clock);
other languages keep Django's own localized formats."""
