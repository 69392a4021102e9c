"""Submit a Django admin change form the way a browser does: every field as rendered.

`admin_form_data` reads the change page and returns the values a browser would post
(inputs, checked boxes, selected options, textareas, the inline management forms), so a
test changes one field and posts the rest unchanged, through the admin's own form.
"""

from __future__ import annotations

from html.parser import HTMLParser

TEXT_INPUTS = {"text", "hidden", "number", "email", "url", "date", "time", "datetime-local", "password", "tel"}


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._select_multiple = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form or not a.get("name") and tag != "option":
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in TEXT_INPUTS:
                self.data.setdefault(name, []).append(a.get("value", ""))
            elif kind in ("checkbox", "radio") and "checked" in a:
                self.data.setdefault(name, []).append(a.get("value", "on"))
        elif tag == "select":
            self._select, self._select_multiple = name, "multiple" in a
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            if not self.data[self._select]:
                self.data[self._select] = [""]
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the newline that follows <textarea>.
            self.data.setdefault(self._textarea, []).append("".join(self._text).removeprefix("\n"))
            self._textarea = None


def admin_form_data(client, url: str) -> dict[str, str | list[str]]:
    """The values the admin change form at `url` would post, unchanged."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    parser = _FormParser()
    parser.feed(response.content.decode())
    assert parser.data, f"no admin form found at {url}"
    return {name: values if len(values) > 1 else values[0] for name, values in parser.data.items()}


def post_admin_change(client, url: str, **changes) -> object:
    """Post the change form at `url` with `changes` applied; assert the admin saved it."""
    data = admin_form_data(client, url)
    data.update({name: str(value) for name, value in changes.items()})
    data["_save"] = "Save"
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    return response


def _errors(response) -> str:
    context = getattr(response, "context", None) or {}
    form = context.get("adminform")
    formsets = context.get("inline_admin_formsets") or []
    return f"{getattr(form, 'form', None) and form.form.errors} {[f.formset.errors for f in formsets]}"
