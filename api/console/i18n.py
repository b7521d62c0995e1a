"""The console's languages: message catalogues compiled when it starts,
money and dates as each locale writes them."""

import gettext
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from domain.course import BEIJING

LOCALES = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "zh"
LANGUAGES = {"zh": "zh_Hans_CN", "en": "en"}  # the switch's value → locale


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalogue, compiled from its .po file in memory."""
    po = LOCALES / LANGUAGES[language] / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale=LANGUAGES[language])
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def chosen(asked: str | None) -> str:
    return asked if asked in LANGUAGES else DEFAULT


@dataclass(frozen=True)
class Speaker:
    """Everything a page says in one language."""

    language: str

    @property
    def locale(self) -> str:
        return LANGUAGES[self.language]

    @property
    def html_lang(self) -> str:
        return "zh-Hans" if self.language == "zh" else "en"

    def gettext(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.language).ngettext(singular, plural, n)

    def yuan(self, fen: int) -> str:
        """¥ with thousands separators, from an amount in fen."""
        amount = format_decimal(
            Decimal(abs(fen)) / 100, format="#,##0.00", locale=self.locale
        )
        return f"-¥{amount}" if fen < 0 else f"¥{amount}"

    def day(self, value: date) -> str:
        return format_date(value, "medium", locale=self.locale)

    def moment(self, value: datetime) -> str:
        return format_datetime(
            value.astimezone(BEIJING), "medium", tzinfo=BEIJING, locale=self.locale
        )
