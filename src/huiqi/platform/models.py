"""Import every model so `Base.metadata` is complete (Alembic, tests)."""

from huiqi.platform.applications.models import Application, ApplicationVersion
from huiqi.platform.applications.stats import ApplicationStat
from huiqi.platform.audit.models import AuditEntry, AuditHead
from huiqi.platform.auth.models import AuthSession, LoginFailure, User
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.campaigns.models import Campaign, CampaignPush
from huiqi.platform.challenges.models import (
    ChallengeBatch,
    ChallengeBid,
    ChallengeParty,
    ChallengeReport,
    ChallengeScore,
    ChallengeTask,
)
from huiqi.platform.credit.models import PlatformParameter
from huiqi.platform.dashboard.rollup import DashboardCount
from huiqi.platform.db import Base
from huiqi.platform.enterprises.models import (
    AnnualFigure,
    Enterprise,
    Penalty,
    Project,
    Recognition,
)
from huiqi.platform.experts.models import ExpertAssignment
from huiqi.platform.jobs.models import Job, JobFile
from huiqi.platform.matching.models import (
    MatchingContact,
    MatchingEntry,
    MatchingEvent,
    MatchingList,
    MatchingListItem,
    MatchingMeeting,
    MatchingRegistration,
    MatchingSlotBooking,
)
from huiqi.platform.materials.models import CreditCommitment, Document, DocumentRequest
from huiqi.platform.payments.models import Payment, PaymentShare, PaymentTotal
from huiqi.platform.public_notices.models import (
    CalendarDay,
    NoticeBatch,
    NoticeItem,
    Objection,
    ObjectionEvidence,
)
from huiqi.platform.reviews.models import ReviewStep
from huiqi.platform.tasks.models import PolicyTask, TaskNote
from huiqi.platform.vouchers.models import (
    CatalogueEdition,
    CatalogueItem,
    ClassStandard,
    PoolProduct,
    PoolProvider,
    ProviderEvaluation,
    Voucher,
)

__all__ = [
    "AnnualFigure",
    "Application",
    "ApplicationStat",
    "ApplicationVersion",
    "AuditEntry",
    "AuditHead",
    "AuthSession",
    "Base",
    "BudgetPool",
    "CalendarDay",
    "Campaign",
    "CampaignPush",
    "CatalogueEdition",
    "CatalogueItem",
    "ChallengeBatch",
    "ChallengeBid",
    "ChallengeParty",
    "ChallengeReport",
    "ChallengeScore",
    "ChallengeTask",
    "ClassStandard",
    "CreditCommitment",
    "DashboardCount",
    "Document",
    "DocumentRequest",
    "Enterprise",
    "ExpertAssignment",
    "Job",
    "JobFile",
    "LoginFailure",
    "MatchingContact",
    "MatchingEntry",
    "MatchingEvent",
    "MatchingList",
    "MatchingListItem",
    "MatchingMeeting",
    "MatchingRegistration",
    "MatchingSlotBooking",
    "NoticeBatch",
    "NoticeItem",
    "Objection",
    "ObjectionEvidence",
    "Payment",
    "PaymentShare",
    "PaymentTotal",
    "Penalty",
    "PlatformParameter",
    "PolicyTask",
    "PoolProduct",
    "PoolProvider",
    "Project",
    "ProviderEvaluation",
    "Recognition",
    "ReviewStep",
    "TaskNote",
    "User",
    "Voucher",
]
