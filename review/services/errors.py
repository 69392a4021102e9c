from faces.services.review import ReviewError
from oversight.exceptions import Conflict


class ClaimedByAnother(ReviewError, Conflict):
    """Another volunteer is working on this item right now."""

    code = "claimed_by_another"
    status = 409


__all__ = ["ClaimedByAnother", "ReviewError"]
