"""Everything the bot shows a team working a crisis in one language, as a reviewer reads it.

    python -m tests.ui_samples nl > /tmp/ui-nl.md

Runs the test journey (tests/test_ui_languages.py) through the real app against the fake Slack
three times, with what different teams type (terse, chatty, emoji, typos, the team's own
language), and prints each distinct message, form and private answer once, as plain text:
what a native reviewer rates in docs/l10n-review.md.
"""

from __future__ import annotations

import sys
import tempfile
from typing import Any

from bot.words import locales
from tests import test_ui_languages as journey
from tests.conftest import ANA, BOB, CAR, DAN
from tests.fakeslack import FakeSlack
from tests.harness import Harness, base_env

# What teams really type: a terse English one, a chatty one with emoji, one in the team's language.
TEAMS: list[dict[str, str]] = [
    {"title": "refund delays - X thread blowing up", "description": "ppl angry abt refunds taking 3+ weeks, 1 thread w/ 2k RTs",
     "lesson": "Get finance on the call in hour one, not day two.", "summary": "Refunds are going out today."},
    {"title": "🚨 Influencer video: 'worst service ever'", "description": "TikTok by @lisa.travels (480k followers) about a cancelled booking",
     "lesson": "Our first reply sounded like a template; call the customer before posting anything.", "summary": "We called Lisa; she will post a follow-up."},
]  # fmt: skip
OWN_LANGUAGE: dict[str, dict[str, str]] = {
    "nl": {"title": "Boze klanten over te late pakketten", "description": "video van bezorger die pakket over hek gooit gaat viraal", "lesson": "Binnen het uur reageren: de stilte op de eerste avond maakte het verhaal groter.", "summary": "Bezorgdienst is aangesproken, pakketten worden vandaag nagestuurd."},
    "fy": {"title": "Lilke klanten oer te lette pakketten", "description": "filmke fan besoarger dy't in pakket oer it stek smyt", "lesson": "Binnen it oere reagearje: de stilte fan de earste jûn makke it ferhaal grutter.", "summary": "Pakketten wurde hjoed neistjoerd."},
    "de": {"title": "Shitstorm wegen verspäteter Pakete", "description": "Video vom Paketboten, der ein Paket über den Zaun wirft, geht viral", "lesson": "Innerhalb einer Stunde antworten: das Schweigen am ersten Abend hat alles größer gemacht.", "summary": "Pakete werden heute nachgeliefert."},
    "fr": {"title": "Colis en retard : clients furieux", "description": "vidéo du livreur qui jette un colis par-dessus la clôture, devenue virale", "lesson": "Répondre dans l'heure : le silence du premier soir a amplifié l'affaire.", "summary": "Les colis repartent aujourd'hui."},
    "es": {"title": "Clientes enfadados por paquetes con retraso", "description": "vídeo del repartidor lanzando un paquete por la valla, viral en TikTok", "lesson": "Responder en menos de una hora: el silencio de la primera noche lo agrandó todo.", "summary": "Los paquetes salen hoy de nuevo."},
    "pt-BR": {"title": "Clientes bravos com entregas atrasadas", "description": "vídeo do entregador jogando a encomenda por cima do portão viralizou", "lesson": "Responder em até uma hora: o silêncio da primeira noite aumentou a história.", "summary": "As encomendas saem hoje de novo."},
    "ru": {"title": "Клиенты злятся из-за задержки посылок", "description": "видео, где курьер бросает посылку через забор, разлетелось по сети", "lesson": "Отвечать в течение часа: молчание в первый вечер раздуло историю.", "summary": "Посылки отправляем повторно сегодня."},
    "zh-Hans": {"title": "包裹延误引发顾客不满", "description": "快递员把包裹扔过围栏的视频在抖音上疯传", "lesson": "一小时内回应：第一晚的沉默让事情越闹越大。", "summary": "包裹今天重新发出。"},
    "id": {"title": "Pelanggan marah soal paket terlambat", "description": "video kurir melempar paket lewat pagar viral di TikTok", "lesson": "Balas dalam satu jam: diam di malam pertama membuat masalahnya membesar.", "summary": "Paket dikirim ulang hari ini."},
}  # fmt: skip


def _lines(item: Any) -> list[str]:
    """A Block Kit payload as the lines a person reads, buttons and fields marked."""
    out: list[str] = []
    if isinstance(item, dict):
        kind = item.get("type")
        if kind == "button":
            out.append(f"[button: {item['text']['text']}]")
            return out
        if kind in ("plain_text", "mrkdwn") and isinstance(item.get("text"), str):
            return [item["text"]]
        if kind == "input":
            out.append(f"(field) {item['label']['text']}")
            element = item.get("element") or {}
            if element.get("placeholder"):
                out.append(f"    placeholder: {element['placeholder']['text']}")
            if item.get("hint"):
                out.append(f"    hint: {item['hint']['text']}")
            for option in element.get("options") or []:
                out.append(f"    option: {option['text']['text']}")
            return out
        for key in ("title", "text", "fields", "elements", "blocks", "accessory", "options", "submit", "close"):
            if key in item:
                sub = _lines(item[key])
                if key in ("submit", "close", "title") and sub:
                    sub = [f"({key}) {sub[0]}"]
                out += sub
    elif isinstance(item, list):
        for v in item:
            out += _lines(v)
    return out


def render(tag: str) -> str:
    shown: dict[str, list[str]] = {}
    for values in [*TEAMS, *([OWN_LANGUAGE[tag]] if tag in OWN_LANGUAGE else [])]:
        journey.LESSON, journey.SUMMARY, journey.TYPED = (
            values["lesson"],
            values["summary"],
            (values["title"], values["description"]),
        )
        fake = FakeSlack().start()
        for user, name in ((ANA, "ana"), (BOB, "bob"), (CAR, "car"), (DAN, "dan")):
            fake.add_user(user, name=name, locale="en-US")
        management = fake.add_channel("management", members={"UBOT0001", DAN})
        fake.add_user(journey.DIRK, name="dirk", locale=journey.SLACK_LOCALES[tag])
        with tempfile.TemporaryDirectory() as folder:
            env = {**base_env(fake, f"{folder}/crisis.db"), "TEAM_LOCALE": tag, "DIGEST_LOCALE": tag,
                   "DIGEST_CHANNEL": management.id}  # fmt: skip
            bot = Harness.start(fake, env)
            try:
                _crisis, acks = journey.work_a_crisis(bot, fake, tag)
            finally:
                bot.stop()
                fake.stop()
        for call in fake.calls:
            args = call.args
            if call.method.startswith("views."):
                where = "Forms (modals)"
                body = _lines(args.get("view") or {})
            elif call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
                channel = str(args.get("channel", ""))
                where = (
                    "Direct messages" if channel.startswith(("U", "D")) else "Channel messages (war room, management)"
                )
                if call.method == "chat.postEphemeral":
                    where = "Private answers"
                body = _lines(args.get("blocks") or []) or [str(args.get("text", ""))]
            elif call.method in ("conversations.setTopic", "conversations.setPurpose"):
                where, body = "Channel topic and purpose", [str(args.get("topic") or args.get("purpose"))]
            elif call.method.startswith("files."):
                where, body = "Files", [str(args.get("initial_comment") or args.get("title") or "")]
            else:
                continue
            shown.setdefault(where, []).append("\n".join(body))
        for answer in [*acks, *fake.responses]:
            shown.setdefault("Private answers", []).append(
                "\n".join(_lines(answer.get("blocks") or []) or [str(answer.get("text", ""))])
            )
    out = [f"# What the bot shows, in {locales.language(tag).english if locales.language(tag) else tag}\n"]
    number = 0
    for where, texts in shown.items():
        out.append(f"\n## {where}\n")
        for text in dict.fromkeys(t for t in texts if t.strip()):
            number += 1
            out.append(f"### [{number}]\n{text}\n")
    return "\n".join(out)


if __name__ == "__main__":
    print(render(sys.argv[1] if len(sys.argv) > 1 else "en"))
