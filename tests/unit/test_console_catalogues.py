"""Every label the console shows is in its catalogues, and translated into
Chinese; money and dates are written as each language writes them."""

from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir

from api.console.i18n import LOCALES, Speaker, translations

PACKAGE = Path(LOCALES).parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def labels() -> set[str]:
    method_map = [
        ("**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.svg", "jinja2"),
    ]
    found = extract_from_dir(PACKAGE, method_map, keywords=KEYWORDS)
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


def test_every_label_of_the_console_has_a_chinese_translation():
    chinese = translations("zh")
    untranslated = [x for x in labels() if chinese.gettext(x) == x]
    assert len(labels()) > 50 and untranslated == []


def test_money_is_yuan_with_thousands_separators_in_both_languages():
    for language in ("zh", "en"):
        assert Speaker(language).yuan(123456789) == "¥1,234,567.89"
    assert Speaker("zh").yuan(-450) == "-¥4.50"


def test_dates_are_written_as_each_language_writes_them():
    assert Speaker("zh").day(date(2026, 11, 20)) == "2026年11月20日"
    assert Speaker("en").day(date(2026, 11, 20)) == "Nov 20, 2026"
