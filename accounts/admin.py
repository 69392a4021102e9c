from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts import services
from accounts.models import MembershipDecision, Profile
from oversight.admin_readonly import ReadOnlyAdmin


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "department", "approved")
    list_filter = ("role", "approved", "department")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
    actions = ["approve"]

    @admin.action(description="Approve the selected volunteers")
    def approve(self, request, queryset):
        count = services.profiles_approve(queryset, actor=request.user)
        self.message_user(request, f"{count} account(s) approved.", messages.SUCCESS)


@admin.register(MembershipDecision)
class MembershipDecisionAdmin(ReadOnlyAdmin):
    """The approval record is read-only: it says who decided, it is not a way to decide."""

    list_display = ("created_at", "actor_username", "kind", "member_username")
    list_filter = ("kind",)
    search_fields = ("actor_username", "member_username")


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0
    max_num = 1


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class AccountUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ("username", "email", "is_active", "is_staff", "role")
    actions = ["disable_users", "enable_users"]

    @admin.display(description="Role")
    def role(self, obj) -> str:
        profile = Profile.objects.filter(user=obj).first()
        if profile is None:
            return "member"
        return f"{profile.get_role_display()}{'' if profile.approved else ' (awaiting approval)'}"

    @admin.action(description="Disable the selected accounts")
    def disable_users(self, request, queryset):
        count = services.users_set_active(queryset, active=False, actor=request.user)
        self.message_user(request, f"{count} account(s) disabled (never your own).", messages.SUCCESS)

    @admin.action(description="Re-enable the selected accounts")
    def enable_users(self, request, queryset):
        count = services.users_set_active(queryset, active=True, actor=request.user)
        self.message_user(request, f"{count} account(s) re-enabled.", messages.SUCCESS)
