"""Schema of the kb/ catalogue: every file is validated against these models at load time."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SourceIds = list[str]


class Strict(BaseModel):
    """Base model that rejects unknown fields so typos in kb/ fail loudly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Fact(Strict):
    """A statement with the sources it came from; a value without a source is refused."""

    value: str | None = None
    sources: SourceIds = []
    note: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Fact:
        if self.value is not None and not self.sources:
            raise ValueError("a fact with a value needs at least one source")
        return self


class Document(Strict):
    """One item of the dossier (thành phần hồ sơ)."""

    item: str
    quantity: str | None = None
    note: str | None = None
    sources: SourceIds = Field(min_length=1)


class Counter(Strict):
    """Where a paper dossier is handed in: only "province" is the Sở's own counter (site.yaml `address`)."""

    value: Literal["province", "commune", "institution", "ministry"]
    sources: SourceIds = Field(min_length=1)


class Documents(Strict):
    """The required documents; `summary` stands in when the rules give no item list."""

    items: list[Document] = []
    summary: str | None = None
    older_regime: list[Document] = []
    sources: SourceIds = []
    note: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Documents:
        if self.summary is not None and not self.sources:
            raise ValueError("a documents summary needs at least one source")
        return self


class ChannelTime(Strict):
    """Processing time for one submission channel, as the national database lists it."""

    channel: Literal["in_person", "online", "postal"]
    value: str | None = None
    working_days: float | None = None
    note: str | None = None


class ProcessingTime(Fact):
    """Processing time: working days when the rules give a number, text always; per channel when known."""

    working_days: float | None = None
    per_channel: list[ChannelTime] = []


class Fee(Strict):
    """Fee: free ('không thu'), a known amount, or unknown (said honestly)."""

    kind: Literal["free", "amount", "unknown"]
    amount_vnd: int | None = None
    value: str | None = None
    sources: SourceIds = []
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Fee:
        if self.kind == "amount" and (self.amount_vnd is None and not self.value):
            raise ValueError("kind 'amount' needs amount_vnd or value")
        if self.kind != "unknown" and not self.sources:
            raise ValueError("a known fee needs at least one source")
        return self


class Channels(Strict):
    """Where the dossier can be submitted and the result received; null means not known."""

    in_person: bool | None = None
    online: bool | None = None
    postal_submit: bool | None = None
    postal_result: bool | None = None
    sources: SourceIds = []
    note: str | None = None


class LevelHistory(Strict):
    """An old-scale service level (mức độ 2/3/4) seen in a plan, kept as history."""

    level: str
    where: str
    sources: SourceIds = Field(min_length=1)


class OnlineLevel(Strict):
    """Online service level under NĐ 42/2022 (toàn trình / một phần / not online); null = unknown."""

    value: Literal["toan_trinh", "mot_phan", "khong"] | None = None
    sources: SourceIds = []
    note: str | None = None
    history: list[LevelHistory] = []

    @model_validator(mode="after")
    def _sourced(self) -> OnlineLevel:
        if self.value is not None and not self.sources:
            raise ValueError("an online level needs at least one source")
        return self


class Pilot(Strict):
    """Whether the procedure is on a province's online-only (100% trực tuyến) pilot list."""

    value: bool = False
    sources: SourceIds = []
    note: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Pilot:
        if self.value and not self.sources:
            raise ValueError("an online-only pilot flag needs a source")
        return self


class LegalDoc(Strict):
    """A legal document the procedure rests on."""

    doc: str
    sources: SourceIds = Field(min_length=1)


class LegalBasis(Strict):
    """Current legal basis, and superseded texts that old plans still quote."""

    current: list[LegalDoc] = []
    superseded: list[LegalDoc] = []
    note: str | None = None


class FormerCode(Strict):
    """An older or province-suffixed code seen on portals."""

    code: str
    note: str | None = None
    sources: SourceIds = Field(min_length=1)


class Procedure(Strict):
    """One administrative procedure (thủ tục hành chính) of the catalogue."""

    slug: str = Field(pattern=r"^[a-z0-9_]+$")
    code: str | None = Field(default=None, pattern=r"^\d\.\d{6}$")
    code_sources: SourceIds = []
    former_codes: list[FormerCode] = []
    name: str = Field(min_length=5)
    name_sources: SourceIds = Field(min_length=1)
    former_names: list[str] = []
    aliases: list[str] = []
    audience: Literal["citizen", "organization"] = "citizen"
    # current: in force; abolished: no longer exists (no successor needed); merged: now done under `successor`;
    # not_a_procedure: a plan line that is a task, not a procedure (never offered); unconfirmed: a plan names it
    # but the national database copy does not list it, so whether it still exists is unknown.
    status: Literal["current", "abolished", "merged", "not_a_procedure", "unconfirmed"] = "current"
    successor: str | None = None
    status_note: Fact | None = None
    related: list[str] = []
    priority: int | None = None
    field: Fact
    agency: Fact
    counter: Counter | None = None  # unknown or shared between levels: no counter is named, the agency says who
    who_may_request: Fact | None = None
    conditions: Fact | None = None
    documents: Documents | None = None
    processing_time: ProcessingTime | None = None
    fee: Fee = Fee(kind="unknown")
    channels: Channels = Channels()
    online_level: OnlineLevel = OnlineLevel()
    online_only_pilot: Pilot = Pilot()
    steps: list[Fact] = []
    result: Fact | None = None
    legal_basis: LegalBasis = LegalBasis()
    online_url: str | None = None
    notes: list[Fact] = []
    seen_in: list[str] = []
    verified: bool
    checked_on: dt.date
    confidence: Literal["high", "medium", "low"] = "low"

    @model_validator(mode="after")
    def _code_sourced(self) -> Procedure:
        if self.code is not None and not self.code_sources:
            raise ValueError("a national code needs code_sources")
        return self

    @model_validator(mode="after")
    def _status_explained(self) -> Procedure:
        if self.status != "current" and (self.status_note is None or not self.status_note.sources):
            raise ValueError(f"status '{self.status}' needs a status_note with sources")
        if self.status == "merged" and not self.successor:
            raise ValueError("status 'merged' needs a successor slug")
        if self.successor == self.slug:
            raise ValueError("a procedure cannot be its own successor")
        if self.status == "not_a_procedure" and (self.verified or self.audience == "citizen"):
            raise ValueError("a not_a_procedure entry is never verified nor offered to citizens")
        return self


class Topic(Strict):
    """A general topic (toàn trình, bưu chính công ích, VNeID, ...) answered from data."""

    slug: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    aliases: list[str] = []
    summary: str
    steps: list[Fact] = []
    facts: list[Fact] = []
    legal_basis: list[LegalDoc] = []
    procedures: list[str] = []  # what a parent does about this subject: offered under the answer, and meant next
    verified: bool
    checked_on: dt.date


class Source(Strict):
    """A public source: a URL, or for a printed plan the document reference."""

    title: str
    url: str | None = None
    document: str | None = None
    date: str | None = None
    kind: Literal["national_db", "provincial", "legal", "news", "seed_plan", "other"]
    note: str | None = None

    @model_validator(mode="after")
    def _locatable(self) -> Source:
        if not self.url and not self.document:
            raise ValueError("a source needs a url or a document reference")
        return self


class SeedEntry(Strict):
    """One line of a provincial plan's list, mapped to the catalogue procedure it names."""

    name_in_plan: str
    slug: str
    level_in_plan: str | None = None
    note: str | None = None


class SeedList(Strict):
    """A provincial list the catalogue must cover (kb/seed_lists.yaml)."""

    title: str
    source: str
    expected_count: int
    entries: list[SeedEntry]


class Site(Strict):
    """The Sở's own settings (site.yaml): shown to citizens in answers and fallbacks."""

    province: str
    department: str
    hotline: str
    hotline_verified: bool = False
    address: str
    office_hours: str | None = None
    portal_national: str
    portal_province: str | None = None
    tthc_page: str
    popular_procedures: list[str] = []
