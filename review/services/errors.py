from faces.services.review import ReviewError


class ClaimedByAnother(ReviewError):
    """Another volunteer is working on this item right now."""


__all__ = ["ClaimedByAnother", "ReviewError"]
