"""Redactor: secrets never reach logs, errors, files or the history store (registered values and
anything secret-shaped)."""

from __future__ import annotations

from mfaguard.config.redact import MASK, Redactor, mask_url, redact

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ0ZW5hbnQifQ.c2lnbmF0dXJl"


def test_registered_values_are_masked_longest_first() -> None:
    redactor = Redactor(["s3cret-value", "s3cret-value-longer"])
    assert redactor.text("a s3cret-value-longer b s3cret-value") == f"a {MASK} b {MASK}"


def test_short_and_empty_values_are_not_registered() -> None:
    redactor = Redactor(["", "abc"])
    assert redactor.text("abc stays") == "abc stays"


def test_secret_shaped_text_is_masked_without_registration() -> None:
    redactor = Redactor()
    assert JWT not in redactor.text(f"token {JWT} used")
    assert redactor.text("Authorization: Bearer abcdefgh12345678") == f"Authorization: Bearer {MASK}"
    assert redactor.text("postgresql://app:pa55word@db/mfaguard") == f"postgresql://app:{MASK}@db/mfaguard"


def test_urls_keep_their_host_only_when_asked() -> None:
    url = "https://contoso.webhook.office.com/workflows/abc?sig=XYZ"
    assert Redactor().text(url) == url
    assert (
        Redactor(mask_urls=True).text(f"posted to {url}")
        == f"posted to https://contoso.webhook.office.com/{MASK}"
    )
    assert mask_url("not a url") == MASK
    assert redact(f"failed: {url}") == f"failed: https://contoso.webhook.office.com/{MASK}"


def test_json_masks_secret_keys_and_strings_and_keeps_the_rest() -> None:
    redactor = Redactor(["registered-secret"])
    document = {
        "client_secret": "anything",
        "Password": None,
        "items": [{"note": "uses registered-secret"}, 5, True, None],
        "id": "kept",
    }
    assert redactor.json(document) == {
        "client_secret": MASK,
        "Password": None,  # nothing to hide
        "items": [{"note": f"uses {MASK}"}, 5, True, None],
        "id": "kept",
    }


def test_values_added_later_are_masked_too() -> None:
    redactor = Redactor()
    redactor.add(["late-secret-1"])
    assert redactor.text("late-secret-1") == MASK
