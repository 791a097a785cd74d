"""Replies to customers in Slack: a filled template with pickers, the drafting and details
modals, and a draft waiting for (or given) approval."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.model import Category, Crisis, Draft, DraftState, Step
from bot.slack.blockkit import Message
from bot.slack.ids import Action, Callback, DraftRef, Field, StepRef, TemplateRef, dump
from bot.templates import Kind, Rendered, post_length
from bot.views.common import context, text_input
from bot.words.locales import language
from bot.words.text import cut, mrkdwn, plain, user, when

TEXT_MAX = 2900  # a plain_text section holds 3,000
DRAFT_MAX = 3000
DETAIL_MAX = 300
NOTE_MAX = 1000


def language_label(tag: str) -> str:
    known = language(tag)
    if known:
        return known.label
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-").get_display_name("en") or tag
    except (ValueError, UnknownLocaleError):
        return tag


def template_message(crisis: Crisis, rendered: Rendered, languages: list[str], *, note: str = "") -> Message:
    """The filled template in the war room, with pickers that re-render it in place."""
    ref = TemplateRef(crisis=crisis.id, kind=rendered.kind.value, language=rendered.language)
    customer = f" · for {mrkdwn(crisis.customer_handle, 100)}" if crisis.customer_handle else ""
    heading = f"💬 *{rendered.kind.label}* · {language_label(rendered.language)}{customer}"
    blocks: list = [
        SectionBlock(block_id="heading", text=heading),
        SectionBlock(block_id="text", text=PlainTextObject(text=plain(rendered.text, TEXT_MAX), emoji=False)),
        context(*_facts(rendered), note),
        ActionsBlock(
            block_id="pickers",
            elements=[
                StaticSelectElement(
                    action_id=Action.TEMPLATE_LANGUAGE.id(crisis.id),
                    placeholder="Language",
                    options=[
                        _option(language_label(tag), TemplateRef(crisis.id, ref.kind, tag)) for tag in languages[:100]
                    ],
                    initial_option=_option(language_label(ref.language), ref),
                ),
                StaticSelectElement(
                    action_id=Action.TEMPLATE_KIND.id(crisis.id),
                    placeholder="Kind of reply",
                    options=[_option(kind.label, TemplateRef(crisis.id, kind.value, ref.language)) for kind in Kind],
                    initial_option=_option(rendered.kind.label, ref),
                ),
                ButtonElement(
                    action_id=Action.TEMPLATE_EDIT.id(crisis.id), text="Edit and use", style="primary", value=dump(ref)
                ),
                ButtonElement(action_id=Action.TEMPLATE_DETAILS.id(crisis.id), text="Fill in details", value=dump(ref)),
            ],
        ),
    ]
    return Message(text=f"{rendered.kind.label} reply in {language_label(rendered.language)}", blocks=blocks)


def _facts(rendered: Rendered) -> list[str]:
    facts = [f"{rendered.length} characters" + (" (as X counts them)" if rendered.limit else "")]
    if rendered.too_long:
        facts.append(f"⚠️ over the {rendered.limit} one post allows on this platform: shorten it before publishing")
    facts.append("Missing details are left out: *Fill in details* to add them.")
    return facts


def _option(label: str, ref: TemplateRef) -> Option:
    return Option(value=dump(ref), text=PlainTextObject(text=cut(label, 75)))


def draft_modal(ref: TemplateRef, text: str) -> View:
    """Adjust the filled template before it goes to the owner for approval."""
    return View(
        type="modal",
        callback_id=Callback.DRAFT_REPLY.value,
        title="Draft a reply",
        submit="Send for approval",
        close="Cancel",
        private_metadata=dump(ref),
        blocks=[
            SectionBlock(
                block_id="about",
                text=f"*{Kind(ref.kind).label}* · {language_label(ref.language)}\nThe owner or an approver must approve it before anyone publishes it.",
            ),
            text_input(Field.DRAFT_TEXT.value, "Reply", DRAFT_MAX, required=True, multiline=True, initial=text),
        ],
    )


TAKEN_DOWN = "yes"  # the value of the details form's "taken down" checkbox
TAKEN_DOWN_MATTERS = (Category.INAPPROPRIATE_POST, Category.HACKED_ACCOUNT)


def details_modal(
    crisis: Crisis, ref: TemplateRef, preview: Rendered, *, default_contact: str, senior_signer: str = ""
) -> View:
    """What replies are filled with, and below it the reply they fill. Every value may be
    empty: the sentence that needs it is then left out, so the hints say what each one adds
    and how to type it."""
    lang = language_label(ref.language)
    reply = crisis.reply
    signer_hint = (
        f"Empty: {senior_signer}, as a critical crisis of our own making is answered by someone senior."
        if senior_signer
        else "Empty: whoever drafts the reply."
    )
    fields = (
        (Field.CUSTOMER, "Customer or account", crisis.customer_handle, "@handle or name",
         "An @handle opens posts on X; on Facebook, LinkedIn and review sites people are greeted by name.", False),
        (Field.WHAT_HAPPENED, "What happened, in the customer's words", reply.what_happened,
         "the double charge at checkout",
         f"In {lang}, in any form: a few words or a sentence. Statements put it after a colon.", False),
        (Field.RESOLUTION, "What we do about it", reply.resolution, "We've refunded the second charge.",
         f"One or two sentences in {lang}, as you would say them to the customer. Empty: replies say we are still on it.",
         True),
        (Field.CHANGES, "What we changed so it doesn't happen again", reply.changes,
         "Every post now needs a second pair of eyes before it goes out.",
         "A sentence. Used by apologies and resolutions for our mistakes and our own posts. Empty: no change is claimed.",
         True),
        (Field.FACTS_LINK, "Link to the facts", reply.facts_link, "https://example.com/statement",
         "Your statement, report or FAQ. Used against trolling and attacks, and in holding statements. "
         "Empty: replies invite questions instead.", False),
        (Field.CONTACT, "Where to continue privately", reply.contact, default_contact or "support@example.com",
         "An e-mail address, phone number or web page (replies already offer a direct message).", False),
        (Field.SIGNER, "Signed by", reply.signer, "Sam", signer_hint, False),
    )  # fmt: skip
    blocks: list = [
        SectionBlock(
            block_id="about",
            text=f"Write these in the customer's language ({lang}). Every reply of crisis #{crisis.id} uses them.",
        ),
        *(
            text_input(field.value, label, DETAIL_MAX, initial=value, placeholder=example, hint=hint, multiline=multi)
            for field, label, value, example, hint, multi in fields
        ),
    ]
    if crisis.category in TAKEN_DOWN_MATTERS:
        taken_down = Option(value=TAKEN_DOWN, text=PlainTextObject(text="Yes, it is down"))
        blocks.append(
            InputBlock(
                block_id=Field.TAKEN_DOWN.value,
                label="Was the post taken down?",
                optional=True,
                hint="Tick only once it is really down: replies then say so. Criticism itself is never deleted.",
                element=CheckboxesElement(
                    action_id=Field.TAKEN_DOWN.value,
                    options=[taken_down],
                    initial_options=[taken_down] if reply.taken_down else None,
                ),
            )
        )
    blocks += [
        SectionBlock(
            block_id="preview_heading",
            text=f"*Preview:* {preview.kind.label} · {language_label(preview.language)}"
            f" · {preview.length} characters" + (f" of {preview.limit}" if preview.limit else ""),
        ),
        SectionBlock(block_id="preview", text=PlainTextObject(text=plain(preview.text, TEXT_MAX), emoji=False)),
        ActionsBlock(
            block_id="preview_actions",
            elements=[
                ButtonElement(action_id=Action.TEMPLATE_PREVIEW.id(crisis.id), text="Update preview", value=dump(ref))
            ],
        ),
    ]
    return View(
        type="modal",
        callback_id=Callback.REPLY_DETAILS.value,
        title="Reply details",
        submit="Save",
        close="Cancel",
        private_metadata=dump(ref),
        blocks=blocks,
    )


def draft_message(crisis: Crisis, draft: Draft, rendered_limit: int | None) -> Message:
    """A drafted reply in the war room: pending with its buttons, or as decided."""
    about = f"{Kind(draft.kind).label} · {language_label(draft.language)} · drafted by {user(draft.author_id)}"
    if draft.state is DraftState.PENDING:
        head = f"📝 *Draft reply for approval* · {about}\n{user(crisis.owner_id)}, please review it."
    elif draft.state is DraftState.APPROVED:
        head = f"✅ *Approved to publish* by {user(draft.decided_by)} {when(draft.decided_at or draft.created_at)} · {about}"
    else:
        head = (
            f"✏️ *Changes requested* by {user(draft.decided_by)}: {mrkdwn(draft.note, NOTE_MAX)}\n"
            f"{about}. {user(draft.author_id)}, revise it when you can."
        )
    blocks: list = [
        SectionBlock(block_id="head", text=head),
        SectionBlock(block_id="text", text=PlainTextObject(text=plain(draft.text, TEXT_MAX), emoji=False)),
    ]
    length = post_length(draft.text) if rendered_limit is not None else len(draft.text)
    facts = [f"{length} characters" + (" (as X counts them)" if rendered_limit else "")]
    if rendered_limit is not None and length > rendered_limit:
        facts.append(f"⚠️ over the {rendered_limit} one post allows on this platform")
    blocks.append(context(*facts))
    ref = dump(DraftRef(draft=draft.id))
    if draft.state is DraftState.PENDING:
        blocks.append(
            ActionsBlock(
                block_id="decide",
                elements=[
                    ButtonElement(
                        action_id=Action.DRAFT_APPROVE.id(draft.id), text="Approve", style="primary", value=ref
                    ),
                    ButtonElement(action_id=Action.DRAFT_CHANGES.id(draft.id), text="Request changes", value=ref),
                ],
            )
        )
    elif draft.state is DraftState.CHANGES_REQUESTED:
        blocks.append(
            ActionsBlock(
                block_id="revise",
                elements=[ButtonElement(action_id=Action.DRAFT_REVISE.id(draft.id), text="Revise", value=ref)],
            )
        )
    state = {
        DraftState.PENDING: "Draft reply for approval",
        DraftState.APPROVED: "Reply approved to publish",
        DraftState.CHANGES_REQUESTED: "Changes requested on a draft reply",
    }
    return Message(
        text=f"{state[draft.state]}: {Kind(draft.kind).label} ({language_label(draft.language)})", blocks=blocks
    )


def changes_modal(draft: Draft) -> View:
    return View(
        type="modal",
        callback_id=Callback.REQUEST_CHANGES.value,
        title="Request changes",
        submit="Send",
        close="Cancel",
        private_metadata=dump(DraftRef(draft=draft.id)),
        blocks=[text_input(Field.NOTE.value, "What should change?", NOTE_MAX, required=True, multiline=True)],
    )


def tick_offer(crisis: Crisis, step: Step) -> Message:
    """After an approval: the matching step is one click away."""
    text = f"Reply approved. Once it is published, mark step {step.value} ({step.label}) done?"
    return Message(
        text=text,
        blocks=[
            SectionBlock(block_id="offer", text=text),
            ActionsBlock(
                block_id="tick",
                elements=[
                    ButtonElement(
                        action_id=Action.STEP_DONE.id(step.value),
                        text=f"Mark step {step.value} done",
                        style="primary",
                        value=dump(StepRef(crisis=crisis.id, step=step.value)),
                    )
                ],
            ),
        ],
    )
