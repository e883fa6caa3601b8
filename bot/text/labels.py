"""Translated names for the fixed values residents see (categories, statuses, times), and
the staff's ready-made answers as residents read them."""

from __future__ import annotations

from .resident import Text


def idea_categories(t: Text) -> dict[str, str]:
    return {
        "meeting_places": t._("Meeting places"),
        "parks_outdoors": t._("Parks and outdoor areas"),
        "lighting_paths": t._("Lighting and paths"),
        "children_youth": t._("Children and youth"),
        "culture_events": t._("Culture and events"),
        "clean_tidy": t._("Clean and tidy"),
        "other": t._("Something else"),
    }


def idea_statuses(t: Text) -> dict[str, str]:
    return {
        # Translators: status of an idea; the district has it and will look at
        # it.
        "received": t._("Received"),
        "reviewing": t._("Being looked at"),
        "planned": t._("Planned"),
        "in_progress": t._("In progress"),
        "done": t._("Done"),
        # Translators: status of an idea the district has said no to.
        "declined": t._("Not possible"),
        # Translators: status of an idea the district joined with another idea
        # that asks for the same; its supporters follow that one now.
        "duplicate": t._("Joined with a similar idea"),
    }


def safety_times(t: Text) -> dict[str, str]:
    return {
        "daytime": t._("In the daytime"),
        "evening": t._("In the evening"),
        "night": t._("At night"),
        "always": t._("All the time"),
    }


def safety_categories(t: Text) -> dict[str, str]:
    return {
        "lighting": t._("Poor lighting"),
        "harassment": t._("Harassment or threats"),
        "drugs": t._("Drugs"),
        "traffic": t._("Traffic"),
        "groups": t._("Groups hanging around"),
        "other": t._("Something else"),
    }


def signup_statuses(t: Text) -> dict[str, str]:
    return {
        # Translators: statuses of a dugnad sign-up; "place" is a spot for one
        # volunteer, not a location.
        "confirmed": t._("You have a place"),
        "waitlisted": t._("On the waiting list"),
        "offered": t._("A place is kept for you"),
        # Translators: a sign-up that is cancelled, by the resident or because
        # the district called off the dugnad: a form that does not say who did
        # it.
        "cancelled": t._("Cancelled"),
        "attended": t._("You took part"),
    }


def seasons(t: Text) -> dict[str, str]:
    # Translators: Norwegian seasons, after "It is planned for". Seasons
    # differ from country to country, so the months are named: translate
    # them too.
    return {
        "spring": t.pgettext("season", "the spring (March to May)"),
        "summer": t.pgettext("season", "the summer (June to August)"),
        "autumn": t.pgettext("season", "the autumn (September to November)"),
        "winter": t.pgettext("season", "the winter (December to February)"),
    }


def staff_answer(t: Text, change) -> str | None:
    """The staff's answer stored in an IdeaStatusChange, as the resident reads it."""
    parts = [answer_template(t, change.template, change.template_param)] if change.template else []
    parts += [change.note] if change.note else []
    return " ".join(parts) or None


def answer_template(t: Text, key: str, param: str | None = None) -> str:
    """A ready-made answer staff choose, in the resident's language. `param` is the season
    key for "season" and the agency's name (as staff wrote it) for "passed_on"."""
    if key == "meeting":
        return t._("We will take your idea to the next planning meeting.")
    if key == "season":
        return t._("It is planned for {season}.", season=seasons(t).get(param or "", param or ""))
    if key == "passed_on":
        # Translators: {agency} is a Norwegian agency's name, e.g.
        # Bymiljøetaten.
        return t._("This is not ours to decide, so we passed it to {agency}.", agency=t.ltr(param or ""))
    if key == "done_thanks":
        return t._("It is done. Thank you!")
    if key == "duplicate":  # Benken's own: param is the reference of the idea it joined
        return t._("It asks for the same as {ref}, so we joined them. You follow {ref} now.", ref=t.ltr(param or ""))
    if key == "reopened":  # Benken's own, after "Is it fixed?"
        return t._("Neighbours say it is not fixed yet, so the district looks at it again.")
    raise KeyError(key)
