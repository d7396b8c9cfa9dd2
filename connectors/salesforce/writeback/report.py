"""What a write-back run did (or, dry, would do): counts, a before/after sample, conflicts.

Kept apart from the sync so the same report prints on the command line,
goes into a Prefect artifact as markdown and is returned to callers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.salesforce.writeback.diff import Conflict, InvalidRecord, ObjectPlan


@dataclass(frozen=True)
class SampleRow:
    object_name: str
    record_id: str
    field: str
    before: Any
    after: Any


@dataclass
class ObjectSummary:
    object_name: str
    records: int
    created: int
    updated: int
    unchanged: int
    conflicts: int
    invalid: int
    missing: int
    already_in_crm: int
    transport: str | None = None
    transport_estimate: str | None = None
    sent: int = 0
    succeeded: int = 0
    failed: int = 0
    not_sent: int = 0

    @classmethod
    def from_plan(cls, plan: ObjectPlan) -> ObjectSummary:
        return cls(
            object_name=plan.object_name,
            records=plan.records,
            created=plan.created,
            updated=plan.updated,
            unchanged=plan.unchanged,
            conflicts=plan.conflicted_records,
            invalid=len(plan.invalid),
            missing=len(plan.missing),
            already_in_crm=len({p.record_id for p in plan.in_sync}),
        )


@dataclass(frozen=True)
class FailureRow:
    object_name: str
    record_id: str
    error_code: str | None
    message: str | None


@dataclass
class WritebackReport:
    run_id: str
    dry_run: bool
    objects: list[ObjectSummary] = field(default_factory=list)
    sample: list[SampleRow] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    invalid: list[InvalidRecord] = field(default_factory=list)
    failures: list[FailureRow] = field(default_factory=list)
    fields_installed: list[str] = field(default_factory=list)
    fields_to_install: list[str] = field(default_factory=list)

    def add_plan(self, plan: ObjectPlan, sample_size: int) -> ObjectSummary:
        """Count one object's plan in, and sample its changes up to ``sample_size`` records.

        Returns the object's summary, which the send then completes.
        """
        summary = ObjectSummary.from_plan(plan)
        self.objects.append(summary)
        self.conflicts += plan.conflicts
        self.invalid += plan.invalid
        room = sample_size - len({(s.object_name, s.record_id) for s in self.sample})
        for change in plan.changes[: max(room, 0)]:
            self.sample += [
                SampleRow(plan.object_name, change.record_id, name, change.before.get(name), value)
                for name, value in change.send.items()
            ]
        return summary

    def object(self, name: str) -> ObjectSummary:
        return next(o for o in self.objects if o.object_name == name)

    def total(self, counter: str) -> int:
        return sum(getattr(o, counter) for o in self.objects)

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "run"
        parts = [
            f"{o.object_name}: {o.created} create, {o.updated} update, {o.unchanged} unchanged, "
            f"{o.conflicts} conflicts, {o.invalid} invalid"
            + ("" if self.dry_run else f"; {o.succeeded}/{o.sent} sent ok via {o.transport or '-'}")
            for o in self.objects
        ]
        return f"Write-back {kind} {self.run_id}: " + " | ".join(parts)

    def to_markdown(self, max_rows: int = 20) -> str:
        title = "Rapport write-back" + (" (dry run: nothing was sent)" if self.dry_run else "")
        lines = [f"# {title}", "", f"Run `{self.run_id}`", ""]
        if self.fields_to_install:
            lines += [f"Fields to install first: {', '.join(self.fields_to_install)}", ""]
        if self.fields_installed:
            lines += [f"Fields installed: {', '.join(self.fields_installed)}", ""]
        headers = ["object", "records", "create", "update", "unchanged", "conflicts", "invalid"]
        headers += ["missing", "partly in CRM already", "transport"]
        if not self.dry_run:
            headers += ["sent", "succeeded", "failed", "not sent"]
        lines += [_row(headers), _row(["---"] * len(headers))]
        for o in self.objects:
            cells: list[Any] = [o.object_name, o.records, o.created, o.updated, o.unchanged]
            cells += [o.conflicts, o.invalid, o.missing, o.already_in_crm]
            cells.append(o.transport or "-")
            if not self.dry_run:
                cells += [o.sent, o.succeeded, o.failed, o.not_sent]
            lines.append(_row(cells))
        estimates = [o for o in self.objects if o.transport_estimate]
        if estimates:
            lines += [""] + [f"- {o.object_name}: {o.transport_estimate}" for o in estimates]
        if self.sample:
            lines += ["", "## Before → after (sample)", ""]
            lines += [_row(["object", "record", "field", "before", "after"]), _row(["---"] * 5)]
            lines += [
                _row([s.object_name, s.record_id, s.field, s.before, s.after])
                for s in self.sample[:max_rows]
            ]
        if self.conflicts:
            lines += ["", "## Conflicts: edited in the CRM since Rapport's last write", ""]
            cells_header = ["object", "record", "field", "last pushed", "CRM now", "new", "policy"]
            lines += [_row(cells_header), _row(["---"] * len(cells_header))]
            lines += [
                _row(
                    [
                        c.object_name,
                        c.record_id,
                        c.field,
                        c.last_pushed,
                        c.crm_value,
                        c.new_value,
                        "kept" if c.policy == "skip" else "overwritten",
                    ]
                )
                for c in self.conflicts[:max_rows]
            ]
        if self.invalid:
            lines += ["", "## Invalid records (not sent)", ""]
            lines += [f"- {i.object_name} {i.message}" for i in self.invalid[:max_rows]]
        if self.failures:
            lines += ["", "## Rejected by the CRM (retried next run)", ""]
            lines += [
                f"- {f.object_name} {f.record_id}: {f.error_code} {f.message}"
                for f in self.failures[:max_rows]
            ]
        return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text.replace("|", "\\|").replace("\n", " ")


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"
