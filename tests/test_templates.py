"""Reply templates as files: every kind in every language, the check, overrides, the sandbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from bot.locales import LANGUAGES
from bot.model import Category, Platform
from bot.templates import BUILT_IN, EMPTY, SAMPLE, SUFFIX, Details, Kind, Templates, check, sample_cases

ROOT = Path(__file__).resolve().parent.parent


def test_every_kind_exists_and_renders_cleanly_in_every_language():
    templates = Templates()
    assert {language.tag for language in LANGUAGES} <= templates.languages()
    assert check(templates) == []


@pytest.mark.parametrize("language", [language.tag for language in LANGUAGES])
def test_every_case_renders_real_text_in_the_right_language(language):
    templates = Templates()
    for kind in Kind:
        texts = {templates.render(kind, language, details).text for _, details in sample_cases(language)}
        assert all(text.strip() for text in texts)
        assert len(texts) > 4, f"{language}/{kind}: the category and platform should change the wording"


def test_categories_get_their_own_wording():
    templates = Templates()
    hacked = templates.render(Kind.HOLDING, "en", Details(category=Category.HACKED_ACCOUNT.value)).text
    ours = templates.render(Kind.APOLOGY, "en", Details(category=Category.BUSINESS_ERROR.value)).text
    troll = templates.render(Kind.APOLOGY, "en", Details(category=Category.TROLLING.value)).text
    assert "hacked" in hacked and "our mistake" in ours and "facts" in troll and "mistake" not in troll


def test_short_posts_fit_on_x_and_long_replies_are_signed():
    templates = Templates()
    short = templates.render(Kind.APOLOGY, "nl", Details(**{**SAMPLE.__dict__, "platform": Platform.X.value}))
    assert short.limit == 280 and len(short.text) <= 280 and "\n" not in short.text
    long = templates.render(Kind.APOLOGY, "nl", SAMPLE)
    assert long.limit is None and long.text.rstrip().endswith("Sam van Acme")


def test_x_counts_cjk_and_emoji_double():
    from bot.templates import post_length

    assert post_length("Hello, world") == 12 and post_length("Привет") == 6
    assert post_length("您好") == 4 and post_length("🔥") == 2 and post_length("“x”…") == 5  # … is not light


def test_missing_values_leave_no_gaps():
    for language in ("en", "de", "zh-Hans"):
        text = Templates().render(Kind.OFFLINE, language, EMPTY).text
        assert "None" not in text and "  " not in text and " ," not in text


FINE = "{% if short %}All fine.{% else %}Hi\n\nAll fine.\n\nKind regards {{ signer }}{% endif %}"


def broken(tmp_path: Path, files: dict[str, str]) -> Templates:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return Templates(built_in=tmp_path)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("Hello {{ custmer }}", "UndefinedError"),
        ("Hello {{ '{{' }} customer }}", "leftover"),
        ("Здравствуйте, мы разбираемся.\n\nС уважением", "Latin"),
        ("{% if short %}" + "x" * 300 + "{% else %}Hi\n\nBody\n\nKind regards{% endif %}", "a post on x allows 280"),
        ("Hi {{ customer }} ,\n\nBody\n\nBye", "gap"),
    ],
)
def test_the_check_catches_broken_templates(tmp_path, source, problem):
    files = {f"en/{kind.value}{SUFFIX}": FINE for kind in Kind}
    files[f"en/apology{SUFFIX}"] = source
    problems = check(broken(tmp_path, files), ["en"])
    assert problems and all(p.kind == "apology" for p in problems)
    assert any(problem in str(p) for p in problems), [str(p) for p in problems]


def test_the_check_reports_a_missing_file(tmp_path):
    files = {f"en/{kind.value}{SUFFIX}": FINE for kind in Kind if kind is not Kind.HOLDING}
    problems = check(broken(tmp_path, files), ["en"])
    assert [str(p) for p in problems] == [f"en/holding{SUFFIX} [file]: missing"]


def test_the_check_command_exits_non_zero_on_problems(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "bot.templates", "check"], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0 and "0 problem(s) in 10 language(s)" in ok.stdout
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / f"apology{SUFFIX}").write_text("{{ nonsense }}")
    bad = subprocess.run(
        [sys.executable, "-m", "bot.templates", "check", "--lang", "en", "--dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "UndefinedError" in bad.stdout


def test_an_organisations_folder_overrides_single_files(tmp_path):
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / f"holding{SUFFIX}").write_text("Eigen tekst van {{ brand }}.")
    templates = Templates(tmp_path)
    assert templates.render(Kind.HOLDING, "nl", SAMPLE).text == "Eigen tekst van Acme."
    assert templates.render(Kind.APOLOGY, "nl", SAMPLE).text == Templates().render(Kind.APOLOGY, "nl", SAMPLE).text


def test_templates_run_in_a_sandbox(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / f"holding{SUFFIX}").write_text("{{ brand.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(SecurityError):
        Templates(tmp_path).render(Kind.HOLDING, "en", SAMPLE)


def test_user_values_are_data_never_template_source():
    details = Details(**{**SAMPLE.__dict__, "what_happened": "{{ brand }} {% for x in range(9) %}x{% endfor %}"})
    text = Templates().render(Kind.HOLDING, "en", details).text
    assert "{{ brand }} {% for x in range(9) %}x{% endfor %}" in text and "xxxxxxxxx" not in text


def test_an_undefined_variable_is_an_error_not_an_empty_string(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / f"holding{SUFFIX}").write_text("Dear {{ name }}")
    with pytest.raises(UndefinedError):
        Templates(tmp_path).render(Kind.HOLDING, "en", SAMPLE)


def test_language_folders_follow_the_fallback_chain():
    templates = Templates()
    assert templates.language_for("fy-NL") == "fy"
    assert templates.language_for("pt-PT") == "pt-BR"
    assert templates.language_for("zh-CN") == "zh-Hans"
    assert templates.language_for(None, "ja-JP", default="de") == "de"
    assert BUILT_IN.is_dir()
