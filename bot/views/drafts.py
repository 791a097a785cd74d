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
from bot.views.common import context, modal_text, text_input
from bot.words import i18n
from bot.words.i18n import _, ngettext
from bot.words.locales import language
from bot.words.text import cut, mrkdwn, plain, user, when

TEXT_MAX = 2900  # a plain_text section holds 3,000
DRAFT_MAX = 3000
DETAIL_MAX = 300
NOTE_MAX = 1000


def language_label(tag: str) -> str:
    """A language's name for the pickers: ours, else Babel's in the reader's language."""
    known = language(tag)
    if known:
        return known.label
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-").get_display_name(i18n.babel_locale()) or tag
    except (ValueError, UnknownLocaleError):
        return tag


def template_message(crisis: Crisis, rendered: Rendered, languages: list[str], *, note: str = "") -> Message:
    """The filled template in the war room, with pickers that re-render it in place."""
    ref = TemplateRef(crisis=crisis.id, kind=rendered.kind.value, language=rendered.language)
    kind, lang = rendered.kind.label, language_label(rendered.language)
    if crisis.customer_handle:
        # Translators: the heading of a filled reply: its kind, its language, and the customer it is for
        heading = _("💬 *{kind}* · {language} · for {customer}").format(
            kind=kind, language=lang, customer=mrkdwn(crisis.customer_handle, 100)
        )
    else:
        heading = f"💬 *{kind}* · {lang}"
    blocks: list = [
        SectionBlock(block_id="heading", text=heading),
        SectionBlock(block_id="text", text=PlainTextObject(text=plain(rendered.text, TEXT_MAX), emoji=False)),
        context(*_facts(rendered), note),
        ActionsBlock(
            block_id="pickers",
            elements=[
                StaticSelectElement(
                    action_id=Action.TEMPLATE_LANGUAGE.id(crisis.id),
                    # Translators: the placeholder of the reply's language picker; at most 150 characters
                    placeholder=_("Language"),
                    options=[
                        _option(language_label(tag), TemplateRef(crisis.id, ref.kind, tag)) for tag in languages[:100]
                    ],
                    initial_option=_option(language_label(ref.language), ref),
                ),
                StaticSelectElement(
                    action_id=Action.TEMPLATE_KIND.id(crisis.id),
                    # Translators: the placeholder of the picker of the kind of reply; at most 150 characters
                    placeholder=_("Kind of reply"),
                    options=[_option(kind.label, TemplateRef(crisis.id, kind.value, ref.language)) for kind in Kind],
                    initial_option=_option(rendered.kind.label, ref),
                ),
                ButtonElement(
                    action_id=Action.TEMPLATE_EDIT.id(crisis.id),
                    # Translators: a button under a filled reply, to draft it for approval; keep it short
                    # (at most 75 characters)
                    text=_("Edit and use"),
                    style="primary",
                    value=dump(ref),
                ),
                ButtonElement(
                    action_id=Action.TEMPLATE_DETAILS.id(crisis.id),
                    # Translators: a button under a filled reply, to type what replies are filled with; keep it
                    # short (at most 75 characters)
                    text=_("Fill in details"),
                    value=dump(ref),
                ),
            ],
        ),
    ]
    # Translators: {kind} is the kind of reply ("Apology (step 2)"), {language} its language
    return Message(text=_("{kind} reply in {language}").format(kind=kind, language=lang), blocks=blocks)


def _facts(rendered: Rendered) -> list[str]:
    facts = [_length(rendered.length, counted_as_x=bool(rendered.limit))]
    if rendered.too_long and rendered.limit is not None:
        # Translators: {n} is how many characters one post may have on the crisis's platform (280 on X)
        too_long = ngettext(
            "⚠️ over the {n} one post allows on this platform: shorten it before publishing",
            "⚠️ over the {n} one post allows on this platform: shorten it before publishing",
            rendered.limit,
        )
        facts.append(too_long.format(n=rendered.limit))
    # Translators: *Fill in details* is the button under the reply: say it as its translation does
    facts.append(_("Missing details are left out: *Fill in details* to add them."))
    return facts


def _length(length: int, *, counted_as_x: bool) -> str:
    """How long a reply is, saying when it is counted as X counts a post."""
    if counted_as_x:
        text = ngettext("{n} character (as X counts them)", "{n} characters (as X counts them)", length)
    else:
        text = ngettext("{n} character", "{n} characters", length)
    return text.format(n=length)


def _option(label: str, ref: TemplateRef) -> Option:
    return Option(value=dump(ref), text=PlainTextObject(text=cut(label, 75)))


def draft_modal(ref: TemplateRef, text: str) -> View:
    """Adjust the filled template before it goes to the owner for approval."""
    return View(
        type="modal",
        callback_id=Callback.DRAFT_REPLY.value,
        # Translators: the drafting form's title; at most 24 characters
        title=modal_text(_("Draft a reply")),
        # Translators: the drafting form's submit button; at most 24 characters
        submit=modal_text(_("Send for approval")),
        close=modal_text(_("Cancel")),
        private_metadata=dump(ref),
        blocks=[
            SectionBlock(
                block_id="about",
                # Translators: {kind} is the kind of reply ("Apology (step 2)"), {language} its language
                text=_(
                    "*{kind}* · {language}\nThe owner or an approver must approve it before anyone publishes it."
                ).format(kind=Kind(ref.kind).label, language=language_label(ref.language)),
            ),
            # Translators: the label of the reply's text in the drafting form
            text_input(Field.DRAFT_TEXT.value, _("Reply"), DRAFT_MAX, required=True, multiline=True, initial=text),
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
    if senior_signer:
        signer_hint = _(
            "Empty: {signer}, as a critical crisis of our own making is answered by someone senior."
        ).format(signer=senior_signer)
    else:
        signer_hint = _("Empty: whoever drafts the reply.")
    # Each field: its label, the typed value, an example shown while it is empty (at most 150
    # characters), a hint saying what it adds, and whether it takes more than a line.
    fields = (
        (
            Field.CUSTOMER,
            # Translators: a field's label in the reply details form: who the reply is to
            _("Customer or account"),
            crisis.customer_handle,
            # Translators: an example in the empty customer field; at most 150 characters
            _("@handle or name"),
            _("An @handle opens posts on X; on Facebook, LinkedIn and review sites people are greeted by name."),
            False,
        ),
        (
            Field.WHAT_HAPPENED,
            # Translators: a field's label in the reply details form
            _("What happened, in the customer's words"),
            reply.what_happened,
            # Translators: an example of what happened, as a customer would put it; at most 150 characters
            _("the double charge at checkout"),
            # Translators: {language} is the customer's language
            _("In {language}, in any form: a few words or a sentence. Statements put it after a colon.").format(
                language=lang
            ),
            False,
        ),
        (
            Field.RESOLUTION,
            # Translators: a field's label in the reply details form
            _("What we do about it"),
            reply.resolution,
            # Translators: an example of what we do for the customer; at most 150 characters
            _("We've refunded the second charge."),
            # Translators: {language} is the customer's language
            _(
                "One or two sentences in {language}, as you would say them to the customer. "
                "Empty: replies say we are still on it."
            ).format(language=lang),
            True,
        ),
        (
            Field.CHANGES,
            # Translators: a field's label in the reply details form
            _("What we changed so it doesn't happen again"),
            reply.changes,
            # Translators: an example of a change that prevents the next crisis; at most 150 characters
            _("Every post now needs a second pair of eyes before it goes out."),
            _(
                "A sentence. Used by apologies and resolutions for our mistakes and our own posts. "
                "Empty: no change is claimed."
            ),
            True,
        ),
        (
            Field.FACTS_LINK,
            # Translators: a field's label in the reply details form: a web address
            _("Link to the facts"),
            reply.facts_link,
            "https://example.com/statement",
            _(
                "Your statement, report or FAQ. Used against trolling and attacks, and in holding statements. "
                "Empty: replies invite questions instead."
            ),
            False,
        ),
        (
            Field.CONTACT,
            # Translators: a field's label in the reply details form: an e-mail address, phone number or page
            _("Where to continue privately"),
            reply.contact,
            default_contact or "support@example.com",
            _("An e-mail address, phone number or web page (replies already offer a direct message)."),
            False,
        ),
        (
            Field.SIGNER,
            # Translators: a field's label in the reply details form: the name the reply is signed with
            _("Signed by"),
            reply.signer,
            # Translators: an example of the name replies are signed with; any short first name of your language
            _("Sam"),
            signer_hint,
            False,
        ),
    )
    blocks: list = [
        SectionBlock(
            block_id="about",
            # Translators: at the top of the reply details form; {language} is the customer's language
            text=_(
                "Write these in the customer's language ({language}). Every reply of crisis #{number} uses them."
            ).format(language=lang, number=crisis.id),
        ),
        *(
            text_input(field.value, label, DETAIL_MAX, initial=value, placeholder=example, hint=hint, multiline=multi)
            for field, label, value, example, hint, multi in fields
        ),
    ]
    if crisis.category in TAKEN_DOWN_MATTERS:
        # Translators: the checkbox that says the offending post was taken down; at most 75 characters
        taken_down = Option(value=TAKEN_DOWN, text=PlainTextObject(text=_("Yes, it is down")))
        blocks.append(
            InputBlock(
                block_id=Field.TAKEN_DOWN.value,
                # Translators: the label of the checkbox in the reply details form
                label=_("Was the post taken down?"),
                optional=True,
                hint=_("Tick only once it is really down: replies then say so. Criticism itself is never deleted."),
                element=CheckboxesElement(
                    action_id=Field.TAKEN_DOWN.value,
                    options=[taken_down],
                    initial_options=[taken_down] if reply.taken_down else None,
                ),
            )
        )
    blocks += [
        SectionBlock(block_id="preview_heading", text=_preview_heading(preview)),
        SectionBlock(block_id="preview", text=PlainTextObject(text=plain(preview.text, TEXT_MAX), emoji=False)),
        ActionsBlock(
            block_id="preview_actions",
            elements=[
                ButtonElement(
                    action_id=Action.TEMPLATE_PREVIEW.id(crisis.id),
                    # Translators: a button that shows the reply again with the details typed; keep it short
                    # (at most 75 characters)
                    text=_("Update preview"),
                    value=dump(ref),
                )
            ],
        ),
    ]
    return View(
        type="modal",
        callback_id=Callback.REPLY_DETAILS.value,
        # Translators: the title of the form of what replies are filled with; at most 24 characters
        title=modal_text(_("Reply details")),
        # Translators: a form's submit button; at most 24 characters
        submit=modal_text(_("Save")),
        close=modal_text(_("Cancel")),
        private_metadata=dump(ref),
        blocks=blocks,
    )


def _preview_heading(preview: Rendered) -> str:
    """Above the preview: its kind, its language and its length (of what one post allows)."""
    kind, lang = preview.kind.label, language_label(preview.language)
    if preview.limit:
        # Translators: {n} is the reply's length in characters, {limit} how many one post allows
        text = ngettext(
            "*Preview:* {kind} · {language} · {n} character of {limit}",
            "*Preview:* {kind} · {language} · {n} characters of {limit}",
            preview.length,
        )
    else:
        text = ngettext(
            "*Preview:* {kind} · {language} · {n} character",
            "*Preview:* {kind} · {language} · {n} characters",
            preview.length,
        )
    return text.format(kind=kind, language=lang, n=preview.length, limit=preview.limit)


def draft_message(crisis: Crisis, draft: Draft, rendered_limit: int | None) -> Message:
    """A drafted reply in the war room: pending with its buttons, or as decided."""
    kind, lang = Kind(draft.kind).label, language_label(draft.language)
    if draft.state is DraftState.PENDING:
        head = _(
            "📝 *Draft reply for approval* · {kind} · {language} · drafted by {author}\n{owner}, please review it."
        )
    elif draft.state is DraftState.APPROVED:
        # Translators: {decided_at} is a date and time
        head = _("✅ *Approved to publish* by {decider} {decided_at} · {kind} · {language} · drafted by {author}")
    else:
        # Translators: {note} is what the approver asked to change
        head = _(
            "✏️ *Changes requested* by {decider}: {note}\n"
            "{kind} · {language} · drafted by {author}. {author}, revise it when you can."
        )
    head = head.format(
        kind=kind,
        language=lang,
        author=user(draft.author_id),
        owner=user(crisis.owner_id),
        decider=user(draft.decided_by),
        decided_at=when(draft.decided_at or draft.created_at),
        note=mrkdwn(draft.note, NOTE_MAX),
    )
    blocks: list = [
        SectionBlock(block_id="head", text=head),
        SectionBlock(block_id="text", text=PlainTextObject(text=plain(draft.text, TEXT_MAX), emoji=False)),
    ]
    length = post_length(draft.text) if rendered_limit is not None else len(draft.text)
    facts = [_length(length, counted_as_x=bool(rendered_limit))]
    if rendered_limit is not None and length > rendered_limit:
        # Translators: {n} is how many characters one post may have on the crisis's platform (280 on X)
        too_long = ngettext(
            "⚠️ over the {n} one post allows on this platform",
            "⚠️ over the {n} one post allows on this platform",
            rendered_limit,
        )
        facts.append(too_long.format(n=rendered_limit))
    blocks.append(context(*facts))
    ref = dump(DraftRef(draft=draft.id))
    if draft.state is DraftState.PENDING:
        blocks.append(
            ActionsBlock(
                block_id="decide",
                elements=[
                    ButtonElement(
                        action_id=Action.DRAFT_APPROVE.id(draft.id),
                        # Translators: a button under a draft reply; keep it short (at most 75 characters)
                        text=_("Approve"),
                        style="primary",
                        value=ref,
                    ),
                    ButtonElement(
                        action_id=Action.DRAFT_CHANGES.id(draft.id),
                        # Translators: a button under a draft reply; keep it short (at most 75 characters)
                        text=_("Request changes"),
                        value=ref,
                    ),
                ],
            )
        )
    elif draft.state is DraftState.CHANGES_REQUESTED:
        blocks.append(
            ActionsBlock(
                block_id="revise",
                elements=[
                    ButtonElement(
                        action_id=Action.DRAFT_REVISE.id(draft.id),
                        # Translators: a button under a draft reply that needs changes; keep it short (at most 75
                        # characters)
                        text=_("Revise"),
                        value=ref,
                    )
                ],
            )
        )
    if draft.state is DraftState.PENDING:
        text = _("Draft reply for approval: {kind} ({language})")
    elif draft.state is DraftState.APPROVED:
        text = _("Reply approved to publish: {kind} ({language})")
    else:
        text = _("Changes requested on a draft reply: {kind} ({language})")
    return Message(text=text.format(kind=kind, language=lang), blocks=blocks)


def changes_modal(draft: Draft) -> View:
    return View(
        type="modal",
        callback_id=Callback.REQUEST_CHANGES.value,
        # Translators: the title of the form asking for changes to a draft reply; at most 24 characters
        title=modal_text(_("Request changes")),
        # Translators: a form's submit button; at most 24 characters
        submit=modal_text(_("Send")),
        close=modal_text(_("Cancel")),
        private_metadata=dump(DraftRef(draft=draft.id)),
        blocks=[text_input(Field.NOTE.value, _("What should change?"), NOTE_MAX, required=True, multiline=True)],
    )


def tick_offer(crisis: Crisis, step: Step) -> Message:
    """After an approval: the matching step is one click away."""
    text = _("Reply approved. Once it is published, mark step {number} ({step}) done?").format(
        number=step.value, step=step.label
    )
    return Message(
        text=text,
        blocks=[
            SectionBlock(block_id="offer", text=text),
            ActionsBlock(
                block_id="tick",
                elements=[
                    ButtonElement(
                        action_id=Action.STEP_DONE.id(step.value),
                        # Translators: a button; {number} is the step's number; keep it short (at most 75 characters)
                        text=_("Mark step {number} done").format(number=step.value),
                        style="primary",
                        value=dump(StepRef(crisis=crisis.id, step=step.value)),
                    )
                ],
            ),
        ],
    )
