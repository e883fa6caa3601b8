"""The data model: one SQLAlchemy 2 model for SQLite and PostgreSQL. Times are UTC.

Areas are configuration (bot/areas.toml), so rows name them by slug. One module per
subject; everything is importable from `bot.models`, as Alembic and the code expect.
"""

from __future__ import annotations

from .base import (  # noqa: F401
    MAX_TEXT,
    MAX_PLACE,
    utcnow,
    UTCDateTime,
    NAMING,
    Base,
)
from .residents import (  # noqa: F401
    Resident,
    ConversationState,
)
from .ideas import (  # noqa: F401
    IDEA_CATEGORIES,
    IDEA_RECEIVED,
    IDEA_REVIEWING,
    IDEA_PLANNED,
    IDEA_IN_PROGRESS,
    IDEA_DONE,
    IDEA_DECLINED,
    IDEA_DUPLICATE,
    IDEA_ANSWER_STATUSES,
    IDEA_STATUSES,
    IDEA_OPEN_STATUSES,
    Idea,
    ANSWER_TEMPLATES,
    SEASONS,
    TEMPLATE_DUPLICATE,
    TEMPLATE_REOPENED,
    IdeaStatusChange,
    IdeaSupport,
)
from .followup import (  # noqa: F401
    FIXED_YES,
    FIXED_PARTLY,
    FIXED_NO,
    FIXED_ANSWERS,
    IdeaCheck,
)
from .safety import (  # noqa: F401
    SAFETY_TIMES,
    SAFETY_CATEGORIES,
    SafetyReport,
)
from .dugnad import (  # noqa: F401
    MAX_ORGANISER_NAME,
    EVENT_SCHEDULED,
    EVENT_CANCELLED,
    DugnadEvent,
    SIGNUP_CONFIRMED,
    SIGNUP_WAITLISTED,
    SIGNUP_OFFERED,
    SIGNUP_CANCELLED,
    SIGNUP_ATTENDED,
    SIGNUP_HOLDS_PLACE,
    Signup,
)
from .organisers import (  # noqa: F401
    PROPOSAL_PROPOSED,
    PROPOSAL_APPROVED,
    PROPOSAL_DECLINED,
    MAX_PROPOSAL_WHAT,
    MAX_PROPOSAL_WHEN,
    MAX_ORGANISER_MESSAGE,
    DugnadProposal,
    OrganiserMessage,
)
from .staff import (  # noqa: F401
    Staff,
    StaffState,
    StaffArea,
)
from .messages import (  # noqa: F401
    InboundMessage,
    OUTBOX_PENDING,
    OUTBOX_CLAIMED,
    OUTBOX_SENDING,
    OUTBOX_SENT,
    OUTBOX_FAILED,
    OUTBOX_CANCELLED,
    OUTBOX_PRIORITY_URGENT,
    OUTBOX_PRIORITY_REPLY,
    OUTBOX_PRIORITY_BULK,
    OutboxMessage,
    REMINDER_PENDING,
    REMINDER_CLAIMED,
    REMINDER_DONE,
    REMINDER_DROPPED,
    Reminder,
)
from .desk import (  # noqa: F401
    DeskLoginToken,
    DeskSession,
    AuditEntry,
)
from .translations import (  # noqa: F401
    UNDETERMINED,
    TRANSLATION_PENDING,
    TRANSLATION_DONE,
    TRANSLATION_UNSUPPORTED,
    TRANSLATION_WITHHELD,
    TRANSLATION_STATUSES,
    Translation,
    TranslationTask,
)
from .media import (  # noqa: F401
    MEDIA_VOICE,
    MEDIA_PHOTO,
    TRANSCRIPT_PENDING,
    TRANSCRIPT_DONE,
    TRANSCRIPT_FAILED,
    TRANSCRIPT_WITHHELD,
    TRANSCRIPT_STATUSES,
    MediaFile,
)
