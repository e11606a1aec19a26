"""Who is acting: passed to every service so rules and the log know the user, role and scope."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    company_id: int
    role: str
    # Branches this user may see; empty means every branch of the company.
    branch_ids: tuple[int, ...] = ()
    language: str = "en"
    request_id: str | None = None

    def sees_branch(self, branch_id: int | None) -> bool:
        # Records with no branch belong to the whole company and are visible to all of it.
        return not self.branch_ids or branch_id is None or branch_id in self.branch_ids

    @classmethod
    def system(cls, company_id: int, *, request_id: str | None = None) -> "Actor":
        """The CLI and the demo loader act as the system owner."""
        return cls(user_id=None, company_id=company_id, role="owner", request_id=request_id)
