"""The flows residents walk through, by name. The engine starts ONBOARDING for a new
resident and MENU after every finished flow (NEWS once, after the first they took part in).
STANDING: choice keys that carry their own question (buttons on a message Benken sent on
its own), by their first part, and the flow whose first step takes them at any step."""

from ..steps import Flow
from . import dugnad, fixed, idea, menu, mine, news, onboarding, organise, privacy, safety

ONBOARDING = onboarding.FLOW.name
MENU = menu.FLOW.name
NEWS = news.FLOW.name
STANDING = {fixed.KEY: fixed.FLOW.name}

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        onboarding.FLOW,
        onboarding.LANGUAGE_FLOW,
        menu.FLOW,
        idea.FLOW,
        idea.BROWSE_FLOW,
        dugnad.FLOW,
        organise.FLOW,
        safety.FLOW,
        mine.FLOW,
        privacy.FLOW,
        fixed.FLOW,
        news.FLOW,
    )
}
