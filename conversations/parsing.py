"""The inbound message parsed into the answer a step expects (a choice by button, number
or label; a text within limits; a place, a photo or a voice message where they are taken),
or Invalid with a kind word on what to do instead. The engine (engine.py) calls `parse`."""

from __future__ import annotations

from bot.domain.media import MAX_VOICE_SECONDS, TOO_BIG, TOO_LONG
from bot.text.resident import Text

from .keywords import keyword_words
from .matching import match_choice
from .messages import CHOICE, LOCATION, PHOTO, TEXT, VOICE, Choice, Inbound
from .steps import CHOOSE, PHOTO as EXPECTS_PHOTO, PLACE, Answer, Ctx, Invalid, Step


def parse(ctx: Ctx, step: Step, inbound: Inbound) -> Answer:
    """Turn the inbound message into the answer the step expects, or raise Invalid."""
    t = ctx.t
    shown = tuple(Choice(key, label) for key, label in ctx.data.get("_choices", []))
    if inbound.kind == CHOICE:
        current = inbound.prompt is None or inbound.prompt == ctx.data.get("_asked")
        if current and any(c.key == inbound.choice for c in shown):
            return Answer(choice=inbound.choice)
        raise Invalid(t._("That button is from an earlier question. Please answer this one."))
    if inbound.kind == LOCATION and step.expects == PLACE:
        if inbound.location is None or not inbound.location.valid:
            raise Invalid(t._("We could not read that location. Please write the place in words."))
        return Answer(location=inbound.location)
    if inbound.kind == PHOTO and step.expects == EXPECTS_PHOTO:
        return _photo(t, inbound)
    if inbound.kind == VOICE:
        return _voice(t, step, inbound)
    if inbound.kind != TEXT:
        raise Invalid(_unreadable(t, step.expects))

    text = inbound.text.strip()
    aliases = {word: key for word, key in keyword_words(t.locale).items() if key in ("yes", "no", "skip")}
    if step.expects == CHOOSE or (shown and step.optional):
        picked = match_choice(text, shown, aliases, partial=step.expects == CHOOSE)
        if picked is not None:
            return Answer(choice=picked.key)
        if step.expects == CHOOSE:
            if not text:
                raise Invalid(t._("We did not get any text. Please choose one of the options."))
            raise Invalid(t.ngettext(
                "Sorry, we did not understand. Please answer with the number {n}.",
                "Sorry, we did not understand. Please answer with a number from 1 to {n}.",
                len(shown),
            ))
    if step.expects == EXPECTS_PHOTO:
        raise Invalid(t._("Please send a photo, or choose “Skip”."))
    if not text:
        raise Invalid(t._("We did not get any text. Please write your answer."))
    if len(text) < step.min_length:
        raise Invalid(t._("That is a bit short. Please tell us a little more."))
    if len(text) > step.max_length:
        raise Invalid(t._(
            "Thank you! That is a bit long for us: please keep it under {limit} characters "
            "(you wrote {length}).",
            limit=t.number(step.max_length),
            length=t.number(len(text)),
        ))
    return Answer(text=text)


def _photo(t: Text, inbound: Inbound) -> Answer:
    """A photo at the photo step: a Telegram one by its reference, an MMS one once it is
    in the media folder."""
    attachment = inbound.attachment
    if (attachment is not None and attachment.file_name is None) or not inbound.photo_ref:
        raise Invalid(t._("We could not take that photo. Please send another one, or choose “Skip”."))
    return Answer(photo_ref=inbound.photo_ref, attachment=attachment)


def _voice(t: Text, step: Step, inbound: Inbound) -> Answer:
    """A voice message where spoken words are taken; else a kind word on what to do."""
    if not step.spoken:
        if step.expects == CHOOSE:
            raise Invalid(t._("We cannot listen to voice messages here. Please choose one of the options."))
        if step.expects == EXPECTS_PHOTO:
            raise Invalid(t._("Please send a photo, or choose “Skip”."))
        raise Invalid(_unreadable(t, step.expects))
    recording = inbound.attachment
    problem = recording.problem if recording is not None else None
    if problem == TOO_LONG:
        # Translators: {limit} is a number of minutes (5).
        raise Invalid(t._(
            "That voice message is too long for us. Please keep it under {limit} minutes, or write it.",
            limit=t.number(MAX_VOICE_SECONDS // 60),
        ))
    if problem == TOO_BIG:
        raise Invalid(t._("That voice message is too big for us. Please send a shorter one, or write it."))
    if recording is None or recording.file_name is None:
        raise Invalid(t._("We could not get your voice message. Please send it again, or write it."))
    return Answer(attachment=recording)


def _unreadable(t: Text, expects: str) -> str:
    if expects == CHOOSE:
        return t._("We can only read text here. Please choose one of the options.")
    if expects == PLACE:
        return t._("We can only read text or a location here. Please write the place in words.")
    return t._("We can only read text here, not voice messages or stickers. Please write it.")
