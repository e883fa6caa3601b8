"""The flows residents walk through, by name. The engine starts ONBOARDING for a new
resident and MENU after every finished flow."""

from ..steps import Flow
from . import dugnad, idea, menu, mine, onboarding, organise, privacy, safety

ONBOARDING = onboarding.FLOW.name
MENU = menu.FLOW.name

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
    )
}
