"""Tell the person who saved in the admin what their edit purged (rule 4).

The database triggers (migration 0005) purge embeddings and withdraw suggestions when an
edit moves data where recognition is not allowed; they record it in BiometricPurge but
cannot know who made the edit. This mixin, after a save, reads the purges of the
request's own transaction (admin change views are atomic), records the user as their
actor and shows them, e.g. "2 embeddings purged and 1 pending suggestion withdrawn
because facial recognition is not allowed in Chicago PD (IL): officer 7 transferred…".
"""

from __future__ import annotations

from django.contrib import messages

from faces.services.gate_audit import purge_message, purges_of_this_transaction


class GatePurgeMessages:
    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        for purge in purges_of_this_transaction(actor=request.user):
            self.message_user(request, purge_message(purge), messages.WARNING)  # type: ignore[attr-defined]
