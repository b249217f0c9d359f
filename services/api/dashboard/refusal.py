"""A form the server refused, shown again: why, in one sentence beside that very form, and
what was typed still in its fields, so that nothing has to be typed twice."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.api.errors import ApiError

# Never sent back to the browser: the session's token is rendered afresh, a confirmation
# must be given again, and a password is not echoed into the page's HTML.
NOT_KEPT = frozenset({"csrf_token", "confirmed", "password"})


@dataclass(frozen=True)
class Refusal:
    form: str = ""  # which form of the page was refused; "" when none was
    sentence: str = ""
    typed: Mapping[str, str] = field(default_factory=dict)
    status: int = 200

    def on(self, form: str) -> bool:
        return self.form == form

    def value(self, form: str, name: str, default: object = "") -> str:
        """What the field shows: what was typed into it when this form was refused, or else
        `default` (the stored setting, or nothing)."""
        if self.form == form:
            return self.typed.get(name, "")
        return "" if default is None else str(default)

    def blames(self, form: str, name: str) -> bool:
        """Whether the sentence names this field, as the API's sentences name the field at
        fault (`repo_url must be …`), so that the field can be marked."""
        return self.form == form and re.search(rf"\b{re.escape(name)}\b", self.sentence) is not None

    def checked(self, form: str, name: str, default: bool) -> bool:
        """A checkbox: an unticked one is absent from a form, so absence is an answer too."""
        return name in self.typed if self.form == form else default


NO_REFUSAL = Refusal()


def refused(form: str, error: ApiError, typed: Mapping[str, str]) -> Refusal:
    kept = {name: value for name, value in typed.items() if name not in NOT_KEPT}
    return Refusal(form, one_sentence(error.message), kept, error.status_code)


def one_sentence(message: str) -> str:
    """The api's message as it reads (it names the API's field), ended like a sentence."""
    text = " ".join(message.split())
    return text if text.endswith((".", "?", "!")) else text + "."
