from .selectors import card_scans_for_record


def card_panel_context(request, obj):
    """The kept card picture(s) of a contact or lead; no panel when there is none."""
    record_type = obj._meta.model_name  # "contact" / "lead"
    scans = list(card_scans_for_record(record_type=record_type, record_id=obj.pk))
    return {"scans": scans} if scans else None
