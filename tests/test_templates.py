"""Reply templates as files: every kind in every language, the check, overrides, the sandbox."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from bot.model import Category, Platform
from bot.templates import BUILT_IN, SUFFIX, Details, Kind, Templates, sentence
from bot.templates import check as template_check
from bot.templates.check import check, sample_cases
from bot.words.locales import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Details(brand="Acme", customer="@jane_doe", what_happened="the delayed delivery", signer="Sam",
                 resolution="we've sent a replacement", contact="support@acme.example")  # fmt: skip
EMPTY = Details()
TAGS = [language.tag for language in LANGUAGES]


def test_there_are_templates_in_every_language():
    assert set(TAGS) <= Templates().languages()


def test_jinja_is_loaded_only_when_a_reply_is_drafted():
    probe = (
        "import sys, app; from bot.templates import Templates, Kind, Details; t = Templates();"
        "print('jinja2' in sys.modules); t.render(Kind.APOLOGY, 'en', Details(brand='Acme'));"
        "print('jinja2' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert found.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("language", TAGS)
def test_every_kind_renders_cleanly(language):
    problems = check(Templates(), [language])
    assert problems == [], "\n".join(map(str, problems[:20]))


@pytest.mark.parametrize("language", TAGS)
def test_every_case_renders_real_text_in_the_right_language(language):
    templates = Templates()
    cases = list(sample_cases(language))
    assert len({details.what_happened for _, details in cases}) >= 5, "check.toml: typed values of every shape"
    wanted = 4 * len(Category)  # far more than one text per category (every text is checked above)
    for kind in Kind:
        texts: set[str] = set()
        for _, details in cases:
            text = templates.render(kind, language, details).text
            assert text.strip()
            texts.add(text)
            if len(texts) > wanted:
                break
        assert len(texts) > wanted, f"{language}/{kind}: category, platform and values change the wording"


@pytest.mark.parametrize("language", TAGS)
@pytest.mark.parametrize(
    ("field", "value", "category", "kind", "typed"),
    [
        ("facts_link", "https://acme.example/facts-2026", "trolling", Kind.HOLDING, {}),
        ("facts_link", "https://acme.example/facts-2026", "targeted_attack", Kind.APOLOGY, {}),
        ("changes", "Zxq-change-typed-by-the-team", "inappropriate_post", Kind.APOLOGY, {}),
        ("changes", "Zxq-change-typed-by-the-team", "business_error", Kind.RESOLUTION, {"resolution": "Zxq-fixed."}),
        ("taken_down", True, "inappropriate_post", Kind.APOLOGY, {}),
        ("taken_down", True, "hacked_account", Kind.ACKNOWLEDGEMENT, {}),
    ],
)
@pytest.mark.parametrize("platform", ["", "x"])
def test_an_empty_detail_leaves_its_sentence_out_in_every_language(
    language, field, value, category, kind, typed, platform
):
    templates = Templates()
    base = Details(brand="Acme", customer="@jane_doe", category=category, platform=platform, **typed)
    without = templates.render(kind, language, base).text
    with_it = templates.render(kind, language, Details(**{**base.__dict__, field: value})).text
    rules = template_check.rules(language)
    for text, details in ((without, base), (with_it, Details(**{**base.__dict__, field: value}))):
        assert not template_check.grammar_problems(text, details, rules), text
    if isinstance(value, str):
        assert value in with_it and value not in without
    else:  # the flag is the only thing that lets a reply say the post came down
        assert template_check._words(with_it, rules.removal_claims), f"{language}/{kind}: says nothing came down"
        assert not template_check._words(without, rules.removal_claims), f"{language}/{kind}: {without}"


def test_categories_get_their_own_wording():
    templates = Templates()
    hacked = templates.render(Kind.HOLDING, "en", Details(category=Category.HACKED_ACCOUNT.value)).text
    ours = templates.render(Kind.APOLOGY, "en", Details(category=Category.BUSINESS_ERROR.value)).text
    troll = templates.render(Kind.APOLOGY, "en", Details(category=Category.TROLLING.value)).text
    assert "hacked" in hacked and "password" in hacked and "our mistake" in ours and "mistake" not in troll


def test_short_posts_fit_on_x_and_long_replies_are_signed():
    templates = Templates()
    short = templates.render(Kind.APOLOGY, "nl", Details(**{**SAMPLE.__dict__, "platform": Platform.X.value}))
    assert short.limit == 280 and len(short.text) <= 280 and "\n" not in short.text
    long = templates.render(Kind.APOLOGY, "en", SAMPLE)
    assert long.limit is None and long.text.rstrip().endswith("– Sam")


def test_a_typed_value_becomes_a_sentence_whatever_its_shape():
    assert sentence("we've refunded it") == "We've refunded it."
    assert sentence("We've refunded it!") == "We've refunded it!"
    assert sentence("我们已退款", "。") == "我们已退款。" and sentence("“Done.”") == "“Done.”"
    assert sentence("see acme.example", capital=False) == "see acme.example."


def test_x_counts_cjk_and_emoji_double():
    from bot.templates import post_length

    assert post_length("Hello, world") == 12 and post_length("Привет") == 6
    assert post_length("您好") == 4 and post_length("🔥") == 2 and post_length("“x”…") == 5  # … is not light


def test_missing_values_leave_no_gaps():
    for language in ("en", "de", "zh-Hans"):
        text = Templates().render(Kind.OFFLINE, language, EMPTY).text
        assert "None" not in text and "  " not in text and " ," not in text


FINE = """{% if short %}{{ category }} ok.{% else %}Hi

All fine for {{ category }}.

– {{ brand }}{% endif %}"""


def broken(tmp_path: Path, files: dict[str, str]) -> Templates:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return Templates(built_in=tmp_path)


def few_cases(language: str) -> Iterator[tuple[str, Details]]:
    """Every category on every platform, empty and with the first three typed shapes: a planted
    fault shows in those, and checking a folder takes a second instead of five."""
    return (case for case in sample_cases(language) if case[0].endswith(("empty", "#1", "#2", "#3")))


PLANTED = [
    ("Hello {{ custmer }}", "UndefinedError"),
    ("Hello {{ '{{' }} customer }}", "leftover"),
    ("Здравствуйте, мы разбираемся {{ category }}.\n\n– {{ brand }}", "Latin"),
    ("{% if short %}{{ category }}" + "x" * 300 + "{% else %}Hi {{ category }}\n\n– {{ brand }}{% endif %}",
     "a post on x allows 280"),
    ("Hi {{ customer }} , {{ category }}\n\n– {{ brand }}", "gap"),
    # The faults a native review found, one planted each:
    ("We are sorry about {{ what_happened }} ({{ category }}).\n\n– {{ brand }}",
     "what_happened follows 'about', which doubles"),
    ("News ({{ category }}): «{{ what_happened }}».\n\n– {{ brand }}", "what_happened is put in quotes"),
    ("Here are the facts, {{ category }}.\n\n– {{ brand }}", "'here are the facts' announces facts"),
    ("The facts for {{ category }}:\n\n– {{ brand }}", "announces something with nothing after it"),
    ("We will answer {{ category }} today.\n\n– {{ brand }}", "promises a time ('today')"),
    ("We have removed the post ({{ category }}).\n\n– {{ brand }}", "says something was taken down"),
    ("From now on every post is checked ({{ category }}).\n\n– {{ brand }}", "claims a change ('from now on')"),
    ("We are working on a solution.\n\n– {{ brand }}", "the same text for"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "problem"), PLANTED)
def test_the_check_catches_each_planted_fault(tmp_path, source, problem):
    files = {f"en/{kind.value}{SUFFIX}": FINE for kind in Kind}
    files[f"en/apology{SUFFIX}"] = source
    problems = check(broken(tmp_path, files), ["en"], cases=few_cases)
    assert problems and all(p.kind == "apology" for p in problems), [str(p) for p in problems[:5]]
    assert any(problem in str(p) for p in problems), [str(p) for p in problems[:5]]


def test_the_check_passes_what_is_fine(tmp_path):
    assert check(broken(tmp_path, {f"en/{kind.value}{SUFFIX}": FINE for kind in Kind}), ["en"], cases=few_cases) == []


def test_the_check_lets_a_typed_value_promise_what_the_team_typed(tmp_path):
    source = (
        "{% if resolution %}{{ resolution | sentence }} {% endif %}For {{ category }}.\n\n"
        "{% if not short %}– {{ brand }}{% endif %}"
    )
    files = {f"en/{kind.value}{SUFFIX}": FINE for kind in Kind} | {f"en/apology{SUFFIX}": source}
    templates = broken(tmp_path, files)
    typed = Details(resolution="we'll call you today", brand="Acme")
    assert "today" in templates.render(Kind.APOLOGY, "en", typed).text
    assert check(templates, ["en"], cases=few_cases) == []


def test_the_check_reports_a_missing_file(tmp_path):
    files = {f"en/{kind.value}{SUFFIX}": FINE for kind in Kind if kind is not Kind.HOLDING}
    problems = check(broken(tmp_path, files), ["en"], cases=few_cases)
    assert [str(p) for p in problems] == [f"en/holding{SUFFIX} [file]: missing"]


def test_the_check_command_exits_non_zero_on_problems(tmp_path):
    # every language passes the check in-process (above); the command's own exit code needs one
    ok = subprocess.run(
        [sys.executable, "-m", "bot.templates", "check", "--lang", "fy"], cwd=ROOT, capture_output=True, text=True
    )
    assert ok.returncode == 0 and "0 problem(s) in 1 language(s): fy" in ok.stdout
    (tmp_path / "fy").mkdir()
    (tmp_path / "fy" / f"apology{SUFFIX}").write_text("{{ nonsense }}")
    bad = subprocess.run(
        [sys.executable, "-m", "bot.templates", "check", "--lang", "fy", "--dir", str(tmp_path)],
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
